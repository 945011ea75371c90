import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recover } from '../../src/rollout/recovery.js';
import { MIN_REAL_LEASE_MS } from '../../src/rollout/lease.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

const CHILD = new URL('./fixtures/deploy-child.ts', import.meta.url).pathname;

describe('crash recovery', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness(100);
  });
  afterEach(async () => {
    await h.close();
  });

  it('recovers a rollout whose process was SIGKILLed mid-shift to 100/0 on stable, recorded ABORTED', async () => {
    const earlier = await h.jarvis.engine.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
    });
    expect(earlier.deployment.status).toBe('SUCCESS');
    const sandbox = h.jarvis.sandbox!;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, h.storePath, '1.4.0'], {
      env: { ...process.env, ...sandbox.settings(), JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    // Kill it once it has moved 25% of the traffic to the new colour.
    for await (const line of createInterface({ input: child.stdout })) {
      const event = JSON.parse(line) as { kind: string; step?: number };
      if (event.kind === 'weights' && event.step === 25) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe('SIGKILL');
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 25, green: 75 });

    // The dead process's lease runs out (two minutes, or 2 s of real time at this scale if longer);
    // then recovery takes over.
    await h.jarvis.clock.sleep(Math.max(120_000, h.jarvis.clock.scale * MIN_REAL_LEASE_MS) + 10_000);
    const reports = await recover(h.jarvis.engine);

    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      action: 'aborted',
      deployment: { status: 'ABORTED', version: '1.4.0', actor: 'child' },
    });
    expect(reports[0]!.detail).toMatch(/process stopped during shift at 25%; recovered to 100% green/);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    const history = await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 });
    expect(history.map((d) => [d.version, d.status])).toEqual([
      ['1.4.0', 'ABORTED'],
      ['1.3.0', 'SUCCESS'],
    ]);
    const journal = await h.jarvis.store.journal(history[0]!.id);
    expect(journal.map((j) => j.state)).toEqual(['prepare', 'shift', 'shift', 'recover']);
    expect(await recover(h.jarvis.engine)).toEqual([]);
  });
});
