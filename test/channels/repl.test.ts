import { PassThrough } from 'node:stream';
import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type AgentKit } from '../../src/agent/factory.js';
import { Repl, usageLine } from '../../src/channels/repl.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

/** The REPL on in-memory streams: what it printed so far, and a way to wait for a prompt. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    input,
    output,
    printed: () => text,
    /** Resolves once the output (after `from` characters) matches `pattern`. */
    async until(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(text.slice(from));
        if (m) return from + m.index + m[0].length;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in REPL output:\n${text.slice(from)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    type: (line: string) => input.write(`${line}\n`),
  };
}

describe('REPL channel', () => {
  let h: Harness;
  let kit: AgentKit;

  beforeEach(async () => {
    h = await startHarness(400);
    const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' });
    kit = createAgent(h.jarvis, { env, sandbox: true });
  });
  afterEach(async () => {
    await h.close();
  });

  it('runs a prd deploy end to end: confirmation, hidden TOTP code, live progress, rendered result', async () => {
    // prd wants the version to have succeeded in tst first, and tst in dev.
    for (const env of ['dev', 'tst']) {
      const r = await h.jarvis.rollouts.deploy({
        env,
        service: 'checkout',
        version: '1.3.0',
        actor: 'alice',
      });
      expect(r.deployment.status, r.deployment.reason).toBe('SUCCESS');
    }
    const { uri } = await kit.mfa!.enroll('alice');
    const secret = new URL(uri).searchParams.get('secret')!;
    const t = terminal();
    const repl = new Repl({
      agent: kit.agent,
      actor: { id: 'alice', role: 'deployer', channel: 'repl' },
      input: t.input,
      output: t.output,
      terminal: false,
    });
    const running = repl.run();

    let at = await t.until(/jarvis> /);
    t.type('deploy 1.3.0 to prd using blue-green');
    at = await t.until(/About to: deploy checkout 1\.3\.0 to prd \(blue\/green, steps 10→25→50→100%\)/, at);
    at = await t.until(/Proceed\? Type yes to confirm: /, at);
    expect(h.weights('prd', 'checkout')).toEqual({ blue: 100, green: 0 }); // nothing before the yes
    t.type('yes');
    at = await t.until(/TOTP code for alice \(hidden\): /, at);
    const code = await generate({ secret });
    t.type(code);
    at = await t.until(/Code accepted\./, at);
    at = await t.until(/✓ Deployment of checkout 1\.3\.0 to prd succeeded/, at, 60_000);
    await t.until(/jarvis> /, at);
    t.type('exit');
    await running;

    const out = t.printed();
    for (const step of [10, 25, 50, 100]) {
      expect(out).toContain(`[${step}%] Blue: ${100 - step}% | Green: ${step}%`);
    }
    expect(out).toContain('Deployment of checkout 1.3.0 to prd succeeded (green)');
    // Piped: one line per step, nothing redrawn in place.
    expect(out.match(/^ {2}\[\d+%\] Blue/gm)).toHaveLength(4);
    expect(out).not.toContain('\r');
    // As a number of its own: six digits may well occur inside a 13-digit timestamp.
    const alone = new RegExp(`(?<!\\d)${code}(?!\\d)`);
    expect(out).not.toMatch(alone);
    expect(h.weights('prd', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(h.version('prd', 'checkout', 'green')).toBe('1.3.0');
    const audit = await h.jarvis.store.listAudit({ limit: 50 });
    expect(audit.map((e) => [e.tool, e.decision, e.outcome])).toContainEqual([
      'deploy_service',
      'ask:confirm+mfa',
      'ok',
    ]);
    expect(JSON.stringify(audit)).not.toMatch(alone);
  });

  it('on a terminal redraws the step in progress in place, and leaves one line per step', async () => {
    const t = terminal();
    const repl = new Repl({
      agent: kit.agent,
      actor: { id: 'alice', role: 'deployer', channel: 'repl' },
      input: t.input,
      output: t.output,
      terminal: true,
    });
    const running = repl.run();

    let at = await t.until(/jarvis> /);
    t.type('deploy 1.3.0 to dev');
    at = await t.until(/Proceed\? Type .*yes.* to confirm: /, at);
    t.type('yes');
    at = await t.until(/Deployment of checkout 1\.3\.0 to dev succeeded/, at, 60_000);
    await t.until(/jarvis> /, at);
    t.type('exit');
    await running;

    // What stays on screen: each redraw starts by clearing the line ("\r" + erase line).
    // eslint-disable-next-line no-control-regex
    const plain = t.printed().replace(/\x1b\[[0-9;]*m/g, '');
    const redraws = plain.split('\r\x1b[2K');
    expect(redraws.length).toBeGreaterThan(8);
    expect(plain).toMatch(
      /\[25%\] Blue: 75% \| Green: 25% {2}✓ Error rate: [\d.]+% p99: \d+ms \(window \d+\)/,
    );
    // eslint-disable-next-line no-control-regex
    const screen = plain.replace(/[^\n]*\r\x1b\[2K/g, '');
    const steps = screen.split('\n').filter((l) => /^ {2}\[\d+%\] Blue/.test(l));
    expect(steps.map((l) => /\[(\d+)%\]/.exec(l)?.[1])).toEqual(['10', '25', '50', '100']);
    for (const line of steps) expect(line).toMatch(/✓ Error rate: [\d.]+% p99: \d+ms$/);
    expect(screen.indexOf('Pre-deployment checks:')).toBeLessThan(
      screen.indexOf('Phase 1: Deploying 1.3.0 to Green...'),
    );
    expect(screen.indexOf('Phase 2: Traffic shift starting...')).toBeLessThan(
      screen.indexOf('Phase 3: Verification'),
    );
    expect(screen.indexOf('✓ No anomalies detected')).toBeLessThan(
      screen.indexOf('✓ Deployment of checkout'),
    );
  });

  it('changes nothing when the person does not type yes', async () => {
    const t = terminal();
    const repl = new Repl({
      agent: kit.agent,
      actor: { id: 'bob', role: 'deployer', channel: 'repl' },
      input: t.input,
      output: t.output,
      terminal: false,
    });
    const running = repl.run();
    let at = await t.until(/jarvis> /);
    t.type('deploy 1.3.0 to dev');
    at = await t.until(/Proceed\? Type yes to confirm: /, at);
    t.type('no');
    at = await t.until(/Not confirmed; nothing was changed\./, at);
    await t.until(/Cancelled \(DECLINED\)/, at);
    t.input.end();
    await running;
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toEqual([]);
  });
});

describe('usageLine', () => {
  it('sums the tokens of every request of a turn', () => {
    const line = usageLine({
      text: '',
      calls: [],
      planner: 'anthropic',
      usage: [
        { inputTokens: 1800, cachedTokens: 1600, outputTokens: 40 },
        { inputTokens: 2100, cachedTokens: 1700, outputTokens: 60 },
      ],
    });
    expect(line).toBe('tokens: 3900 in (3300 cached), 100 out, 2 requests');
  });
});
