import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Reconciler, type ReconcileReport } from '../../src/rollout/reconciler.js';
import { lockKey } from '../../src/store/store.js';
import { platformOf, until } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

const CHILD = new URL('./fixtures/deploy-child.ts', import.meta.url).pathname;

describe('adoption of orphaned rollouts and the reconcile loop', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness(100);
    const earlier = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
    });
    expect(earlier.deployment.status).toBe('SUCCESS');
  });
  afterEach(async () => {
    await h.close();
  });

  /** A reconcile loop over the harness, every `intervalMs` of real time, and the reports it made. */
  function reconcilerOf(intervalMs: number): { reconciler: Reconciler; reports: ReconcileReport[] } {
    const reports: ReconcileReport[] = [];
    const reconciler = new Reconciler({
      rollouts: h.jarvis.rollouts,
      store: h.jarvis.store,
      intervalMs,
      now: () => h.jarvis.clock.now(),
      onReport: (r) => void reports.push(r),
    });
    return { reconciler, reports };
  }

  /** A deploy of 1.4.0 in another process, SIGKILLed once it has moved 10% of the traffic. */
  async function killedMidShift(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, h.storePath, '1.4.0'], {
      env: { ...process.env, ...h.jarvis.sandbox!.settings(), JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, signal) => resolve(signal)),
    );
    for await (const line of createInterface({ input: child.stdout })) {
      const event = JSON.parse(line) as { kind: string; step?: number };
      if (event.kind === 'weights' && event.step === 10) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe('SIGKILL');
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 10, green: 90 });
  }

  it('adopts a rollout of a SIGKILLed process on an immediate restart, its lease still live, back to 100% stable', async () => {
    await killedMidShift();
    const lock = await h.jarvis.store.getLock(lockKey('dev', 'checkout'));
    expect(lock!.expiresAt).toBeGreaterThan(h.jarvis.clock.now());

    // As a restarted process does before serving its first request.
    const reports = await h.jarvis.startReconciler();

    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ kind: 'adopted', env: 'dev', service: 'checkout' });
    expect(reports[0]!.detail).toMatch(/its holder .* is gone during shift at 10%; recovered to 100% green/);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    const history = await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 });
    expect(history.map((d) => [d.version, d.status])).toEqual([
      ['1.4.0', 'ABORTED'],
      ['1.3.0', 'SUCCESS'],
    ]);
    expect((await h.jarvis.store.journal(history[0]!.id)).map((j) => j.state)).toEqual([
      'prepare',
      'shift',
      'recover',
    ]);
    const audit = await h.jarvis.store.listAudit({ actor: 'reconciler', limit: 5 });
    expect(audit.map((a) => a.tool)).toEqual(['reconcile.adopted']);
    // Known good is untouched: 1.3.0 stays live and verified, 1.4.0 unjudged on the standby.
    const state = await h.jarvis.rollouts.releaseState('dev', 'checkout');
    expect(state.live).toMatchObject({ version: '1.3.0', verdict: 'known_good' });
    expect(state.standby).toMatchObject({ version: '1.4.0', verdict: 'unknown' });
  });

  it('a write right after the SIGKILL takes the dead holder lease, ends its rollout first, then runs', async () => {
    await killedMidShift();

    const next = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.5.0',
      actor: 'bob',
    });

    expect(next.deployment).toMatchObject({ version: '1.5.0', status: 'SUCCESS', colour: 'blue' });
    const history = await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 });
    expect(history.map((d) => [d.version, d.status])).toEqual([
      ['1.5.0', 'SUCCESS'],
      ['1.4.0', 'ABORTED'],
      ['1.3.0', 'SUCCESS'],
    ]);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('waits out the live lease of a holder it cannot see die, then adopts within one reconcile interval', async () => {
    await killedMidShift();
    const key = lockKey('dev', 'checkout');
    const child = (await h.jarvis.store.getLock(key))!;
    // The holder runs on another host: its death cannot be seen, only its silence.
    const foreign = await h.jarvis.store.takeOverLock(
      key,
      child.holder,
      'child deploying checkout 1.4.0 [elsewhere:4242#abcdef]',
      h.jarvis.rollouts.leaseMs,
      h.jarvis.clock.now(),
    );
    const lapsesAt = Date.now() + (foreign!.expiresAt - h.jarvis.clock.now()) / h.jarvis.clock.scale;
    const intervalMs = 200;
    const { reconciler, reports } = reconcilerOf(intervalMs);
    try {
      expect(await reconciler.runOnce()).toEqual([]);
      reconciler.start();
      await until('adoption', () => reports.some((r) => r.kind === 'adopted'), 20_000);
      const healedAt = Date.now();
      expect(healedAt).toBeGreaterThanOrEqual(lapsesAt - 50);
      expect(healedAt - lapsesAt).toBeLessThanOrEqual(intervalMs + 1000);
    } finally {
      await reconciler.stop();
    }
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect((await h.jarvis.store.runningDeployments()).length).toBe(0);
  });

  it('heals a rollout that an ELBv2 outage left split, once the API is back, without a restart', async () => {
    const world = h.jarvis.sandbox!.world;
    const { reconciler, reports } = reconcilerOf(200);
    reconciler.start();
    try {
      const deploy = h.jarvis.rollouts.deploy({
        env: 'dev',
        service: 'checkout',
        version: '1.4.0',
        actor: 'alice',
        onEvent: (e) => {
          if (e.kind === 'weights' && e.step === 25) world.faults.set('elbv2', { down: true });
        },
      });
      await expect(deploy).rejects.toBeDefined();
      expect(h.weights('dev', 'checkout')).toEqual({ blue: 25, green: 75 });
      expect((await h.jarvis.store.runningDeployments()).map((d) => d.version)).toEqual(['1.4.0']);
      await until('a failed recovery', () => reports.some((r) => r.kind === 'recovery-failed'), 30_000);

      world.faults.clear('elbv2');
      await until('the heal', () => reports.some((r) => r.kind === 'adopted'), 30_000);
    } finally {
      await reconciler.stop();
    }
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(reports.filter((r) => r.kind === 'recovery-failed')).toHaveLength(1);
    const [last] = await h.jarvis.store.listDeployments({ env: 'dev', limit: 1 });
    expect(last).toMatchObject({ version: '1.4.0', status: 'ABORTED' });
  });

  it('reports weights changed by hand once, never overwrites them, and says when they are back', async () => {
    const { reconciler, reports } = reconcilerOf(200);
    expect(await reconciler.runOnce()).toEqual([]);
    const { route, ports } = platformOf(h.jarvis, 'dev', 'checkout');
    await ports.traffic.setWeights(route, { blue: 50, green: 50 }, { blue: 0, green: 100 });

    const first = await reconciler.runOnce();
    const second = await reconciler.runOnce();

    expect(first).toEqual([
      expect.objectContaining({
        kind: 'drift',
        expected: { blue: 0, green: 100 },
        actual: { blue: 50, green: 50 },
        detail: expect.stringMatching(/does not overwrite it/) as unknown as string,
      }),
    ]);
    expect(second).toEqual([]);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 50, green: 50 });
    const audit = await h.jarvis.store.listAudit({ actor: 'reconciler', limit: 5 });
    expect(audit[0]).toMatchObject({ tool: 'reconcile.drift', channel: 'system' });

    await ports.traffic.setWeights(route, { blue: 0, green: 100 }, { blue: 50, green: 50 });
    expect((await reconciler.runOnce()).map((r) => r.kind)).toEqual(['drift-resolved']);
    expect(reports.map((r) => r.kind)).toEqual(['drift', 'drift-resolved']);
  });
});
