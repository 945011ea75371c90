import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { resolve as resolvePath } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/factory.js';
import { Repl } from '../../src/channels/repl.js';
import { loadEnvSettings } from '../../src/config/env.js';
import type { RolloutResult } from '../../src/rollout/service.js';
import { lockKey } from '../../src/store/store.js';
import { until } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

const BIN = resolvePath('bin/jarvis.js');

/**
 * Abort from the terminal of a rollout started elsewhere: typed in the REPL, and from `jarvis ask` in
 * another process, which reaches the running rollout through the store.
 */
describe('abort from the REPL and from jarvis ask', () => {
  let h: Harness;
  let running: Promise<RolloutResult>;

  beforeEach(async () => {
    // Slow enough (a dev release takes about 20 s) that a second process started on a loaded machine
    // still finds the rollout running.
    h = await startHarness(20);
    // A release started in another channel (Slack, say), by someone else.
    running = h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'carol' });
    await until('the first shift', () => h.weights('dev', 'checkout').green === 10, 20_000);
  });
  afterEach(async () => {
    await running.catch(() => undefined);
    await h.close();
  });

  it('"abort dev because p99 is spiking" in the REPL, confirmed, puts traffic back and says so', async () => {
    const kit = createAgent(h.jarvis, {
      env: loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' }),
      sandbox: true,
    });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const repl = new Repl({
      agent: kit.agent,
      actor: { id: 'alice', role: 'deployer', channel: 'repl' },
      input,
      output,
      terminal: false,
    });
    const session = repl.run();
    input.write('abort dev because p99 is spiking\n');
    await until('the confirmation', () => /Proceed\? Type yes to confirm: /.test(text));
    input.write('yes\n');
    const result = await running;
    await until('the answer', () =>
      /Aborted deployment #\d+ \(checkout 1\.3\.0 in dev\); status ABORTED\./.test(text),
    );
    input.end();
    await session;

    expect(text).toMatch(
      /About to: abort the rollout of checkout in dev \(deployment #\d+: checkout 1\.3\.0 by carol\)/,
    );
    expect(result.deployment).toMatchObject({
      status: 'ABORTED',
      reason: 'aborted by alice: p99 is spiking',
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('jarvis ask "abort dev" in another process is carried out by the process running the rollout, exit 0', async () => {
    const run = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'ask', '--user', 'dave', 'abort dev'], {
        env: { ...process.env, ...h.jarvis.sandbox!.settings(), JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', (status) => resolve({ status, stdout }));
      child.stdin.end('yes\n');
    });
    const result = await running;

    expect(run.stdout.split('\n')[0]).toMatch(/^\[sandbox\]/);
    expect(run.stdout).toMatch(/Aborted deployment #\d+ \(checkout 1\.3\.0 in dev\); status ABORTED\./);
    expect(run.status).toBe(0);
    expect(result.deployment).toMatchObject({ status: 'ABORTED', reason: 'aborted by dave' });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    // Carried out by the holder, which still held its lease: nothing was taken over.
    const journal = await h.jarvis.store.journal(result.deployment.id);
    expect(journal.map((j) => j.state)).not.toContain('recover');
    expect(await h.jarvis.store.getLock(lockKey('dev', 'checkout'))).toBeUndefined();
  });
});
