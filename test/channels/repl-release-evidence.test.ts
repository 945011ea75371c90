import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type AgentKit } from '../../src/agent/factory.js';
import { Repl } from '../../src/channels/repl.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { recordKnownGood, TIME_SCALE } from '../e2e/helpers.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

/** The REPL on in-memory streams: what it printed, and a way to wait for a line. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    input,
    output,
    printed: () => text,
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

describe('REPL: a promotion with its evidence checklist, a refused one, then the metrics', () => {
  let h: Harness;
  let kit: AgentKit;

  beforeAll(async () => {
    h = await startHarness(TIME_SCALE);
    await recordKnownGood(h.jarvis, 'tst');
    const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' });
    kit = createAgent(h.jarvis, { env, sandbox: true });
    for (const version of ['1.3.0', '1.3.0-vulnerable']) {
      const r = await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version, actor: 'alice' });
      expect(r.deployment.status, r.deployment.reason).toBe('SUCCESS');
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('prints the checklist with the ECR and CI evidence, refuses a CRITICAL finding, and answers the metrics', async () => {
    // Arrange
    const t = terminal();
    const repl = new Repl({
      agent: kit.agent,
      actor: { id: 'alice', role: 'deployer', channel: 'repl' },
      input: t.input,
      output: t.output,
      terminal: false,
    });
    const running = repl.run();

    // Act: a promotion with good evidence.
    let at = await t.until(/jarvis> /);
    t.type('promote 1.3.0 from dev to tst');
    const promoted = at;
    at = await t.until(/Proceed with TST promotion\? \(yes\/no\): /, at);
    t.type('yes');
    at = await t.until(/jarvis> /, await t.until(/✓ ci\/build: Image built and pushed/, at, 60_000));
    const promotion = t.printed().slice(promoted, at);

    // Act: a version with a CRITICAL finding.
    t.type('promote 1.3.0-vulnerable from dev to tst');
    const refusedFrom = at;
    at = await t.until(/jarvis> /, await t.until(/CRITICAL/, at));
    const refused = t.printed().slice(refusedFrom, at);

    // Act: the metrics.
    t.type('show deployment metrics for last 7 days');
    const metricsFrom = at;
    at = await t.until(/jarvis> /, await t.until(/MTTR: first failing/, at));
    const metrics = t.printed().slice(metricsFrom, at);
    t.input.end();
    await running;

    // Assert: the checklist, each piece of evidence named as people read it.
    for (const line of [
      '✓ upstream success: 1.3.0 succeeded in dev',
      '✓ image: checkout:1.3.0 in ECR (pushed ',
      '✓ security scan: No CRITICAL vulnerabilities',
      '✓ E2E tests: 48/48 passed',
      '✓ Integration tests: 156/156 passed',
      '✓ Performance tests: P99 < 100ms',
    ]) {
      expect(promotion).toContain(line);
    }
    expect(promotion).toMatch(/✓ Deployment of checkout 1\.3\.0 to tst succeeded/);
    // In the seed's order: the checklist, the question, then the rollout's phases and the outcome.
    const order = [
      'Pre-promotion checklist:',
      'TST deployment:',
      'Proceed with TST promotion? (yes/no): ',
      'Starting Blue/Green promotion of checkout 1.3.0 to TST...',
      'Pre-promotion checks:',
      'Current state:',
      'Phase 1: Deploying 1.3.0 to Green...',
      'Phase 2: Traffic shift starting...',
      'Phase 3: Verification (2 minutes)...',
      '✓ Deployment of checkout 1.3.0 to tst succeeded',
      '  Blue (Standby): v1.2.0  ← Ready for rollback',
    ].map((text) => promotion.indexOf(text));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Piped output: one line per traffic step.
    expect(promotion.match(/^ {2}\[\d+%\] Blue/gm)).toHaveLength(4);
    // The refusal names the finding before anyone is asked, and nothing moved: 1.3.0 stays live on green.
    expect(refused).toMatch(/security scan: 1 CRITICAL \(CVE-2024-3094\) in checkout:1\.3\.0-vulnerable/);
    expect(refused).not.toContain('Proceed?');
    expect(refused).not.toMatch(/succeeded|Phase|prepar/i);
    expect(h.weights('tst', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(h.version('tst', 'checkout', 'green')).toBe('1.3.0');
    expect(h.version('tst', 'checkout', 'blue')).toBe('1.2.0');
    // The metrics: the wall-clock range, the counts per environment, and the recent list.
    const today = new Date().toISOString().slice(0, 10);
    expect(metrics).toMatch(new RegExp(`Deployment metrics \\(\\d{4}-\\d\\d-\\d\\d to ${today}, UTC\\):`));
    expect(metrics).toMatch(/^DEV {10}2 +2 +0 +0 +– +0%/m);
    expect(metrics).toMatch(/^TST {10}2 +2 +0 +0 +– +0%/m);
    expect(metrics).toMatch(
      new RegExp(`^${today}  TST  checkout  1\\.3\\.0 +\\d+m \\d\\ds +SUCCESS \\(promote\\)$`, 'm'),
    );
  }, 120_000);
});
