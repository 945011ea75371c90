// The release core in the bad hour: abort (press to verified 100% stable) against the raw SDK floor,
// SIGKILL of the process running a rollout to verified stable, and drift to its report.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createAgent } from '../../src/agent/factory.js';
import type { Jarvis } from '../../src/app.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { Reconciler, type ReconcileReport } from '../../src/rollout/reconciler.js';
import { SANDBOX_CREDENTIALS } from '@jarvis/sandbox';
import { lockKey } from '../../src/store/store.js';
import { rawRead, rawWrite } from './raw-alb.js';
import { start as startBench } from './rollout.js';
import { median, type Figure } from './stats.js';

const CHILD = new URL('../../test/rollout/fixtures/deploy-child.ts', import.meta.url).pathname;

const start = (timeScale: number) => startBench(undefined, timeScale);

function weightsOf(jarvis: Jarvis): { blue: number; green: number } {
  const world = jarvis.sandbox!.world;
  const route = world.route('dev', 'checkout')!;
  const forward = world.forwardOf(route.routeArn);
  const of = (arn: string): number => forward.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
  return { blue: of(route.blue), green: of(route.green) };
}

/**
 * Abort as a Stop press runs it (the agent's command: gate, audit, tool, rollout service) while a rollout
 * bakes at 25%, timed from the press to the verified 100% on stable; then the floor: the calls an abort
 * cannot do without (read the weights, write them, read them back), made raw in the same state.
 */
export async function benchAbort(rounds = 30): Promise<Figure[]> {
  const { jarvis, dir, done } = await start(400);
  const kit = createAgent(jarvis, {
    env: loadEnvSettings({ JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent' }),
    sandbox: true,
  });
  const route = jarvis.rollouts.route('dev', 'checkout');
  const elb = new ElasticLoadBalancingV2Client({
    region: route.region,
    endpoint: jarvis.sandbox!.awsEndpoint,
    credentials: SANDBOX_CREDENTIALS,
  });
  const io = {
    confirm: () => Promise.resolve(false),
    mfa: () => Promise.resolve({ ok: false as const, reason: 'invalid' as const, message: 'no' }),
    progress: () => undefined,
  };
  const actor = { id: 'bench', role: 'admin' as const, channel: 'slack' as const };
  const pressed: number[] = [];
  const raw: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      let press: Promise<{ took: number; floor: number }> | undefined;
      const deploy = jarvis.rollouts.deploy({
        env: 'dev',
        service: 'checkout',
        version: `1.6.${i}`,
        actor: 'bench',
        onEvent: (e) => {
          if (e.kind === 'analysis' && e.step === 25 && !press) {
            press = (async () => {
              // The floor first, in the same state (a rollout baking at 25%): the calls a verified abort
              // cannot do without (read, read, write, read back), made raw.
              const t1 = performance.now();
              const groups = await rawRead(elb, route);
              await rawRead(elb, route);
              // A real change, as the abort's is (one point back toward stable): the sandbox does the
              // same work for it. The abort right after puts everything on stable anyway.
              const top = Math.max(...groups.map((g) => g.Weight ?? 0));
              await rawWrite(
                elb,
                route,
                groups.map((g) => ({
                  TargetGroupArn: g.TargetGroupArn!,
                  Weight: g.Weight === top ? g.Weight + 1 : (g.Weight ?? 0) - 1,
                })),
              );
              await rawRead(elb, route);
              const floor = performance.now() - t1;
              const t0 = performance.now();
              const result = await kit.agent.command(
                'bench',
                actor,
                { name: 'abort_rollout', input: { env: 'dev' } },
                io,
                {
                  pressed: true,
                },
              );
              const took = performance.now() - t0;
              if (result.calls[0]?.outcome !== 'ok') throw new Error(`abort did not run: ${result.text}`);
              return { took, floor };
            })();
          }
        },
      });
      const result = await deploy;
      const { took, floor } = await press!;
      const w = weightsOf(jarvis);
      const stable = result.deployment.previousColour!;
      if (result.deployment.status !== 'ABORTED' || w[stable] !== 100) {
        throw new Error(`abort round ${i}: ${result.deployment.status}, weights ${JSON.stringify(w)}`);
      }
      pressed.push(took);
      raw.push(floor);
    }
  } finally {
    elb.destroy();
    await done();
  }
  const a = median(pressed);
  const r = median(raw);
  return [
    { name: `abort: Stop press → verified 100% stable, median of ${rounds}`, value: a, unit: 'ms' },
    { name: 'same ALB calls made raw (floor), median', value: r, unit: 'ms' },
    { name: 'abort / floor', value: a / r, unit: 'x', goal: '≤ 1.2', ok: a / r <= 1.2 },
  ];
}

/**
 * A process running a rollout is SIGKILLed at 10%; a long-running Jarvis with its reconcile loop (the
 * configured interval) puts all traffic back on stable. Timed from the kill to the verified 100%, for a
 * holder on this host (its death is seen at the next pass) and for one whose host cannot be seen (its
 * lease must lapse first).
 */
export async function benchFailover(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const where of ['same host', 'another host'] as const) {
    const { jarvis, dir, storePath, done } = await start(100);
    try {
      const intervalMs = jarvis.config.reconciler.intervalSeconds * 1000;
      const leaseRealMs = jarvis.rollouts.leaseMs / jarvis.clock.scale;
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, storePath, '1.7.0'], {
        env: { ...process.env, ...jarvis.sandbox!.settings(), JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      for await (const line of createInterface({ input: child.stdout })) {
        const event = JSON.parse(line) as { kind: string; step?: number };
        if (event.kind === 'weights' && event.step === 10) {
          child.kill('SIGKILL');
          break;
        }
      }
      await exited;
      const killedAt = performance.now();
      if (where === 'another host') {
        const key = lockKey('dev', 'checkout');
        const lock = (await jarvis.store.getLock(key))!;
        // Same lease end: only the holder's name moves to a host whose processes cannot be seen.
        await jarvis.store.takeOverLock(
          key,
          lock.holder,
          'child [elsewhere:1#abcdef]',
          lock.expiresAt - jarvis.clock.now(),
          jarvis.clock.now(),
        );
      }
      let healedAt: number | undefined;
      const reconciler = new Reconciler({
        rollouts: jarvis.rollouts,
        store: jarvis.store,
        intervalMs,
        now: () => jarvis.clock.now(),
        onReport: (r: ReconcileReport) => {
          if (r.kind === 'adopted' && weightsOf(jarvis).blue === 100) healedAt ??= performance.now();
        },
      });
      reconciler.start();
      const deadline = killedAt + leaseRealMs + intervalMs + 10_000;
      while (healedAt === undefined && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await reconciler.stop();
      const took = healedAt === undefined ? Number.NaN : healedAt - killedAt;
      const goal = leaseRealMs + intervalMs + 1000;
      figures.push({
        name: `SIGKILL → verified 100% stable (${where}; lease ${Math.round(leaseRealMs)} ms, interval ${intervalMs} ms)`,
        value: took,
        unit: 'ms',
        goal: `≤ ${Math.round(goal)}`,
        ok: took <= goal,
        ...(healedAt === undefined ? { note: 'not healed' } : {}),
      });
    } finally {
      await done();
    }
  }
  return figures;
}

/** Weights changed by hand after a verified release, to the reconciler's report, at the configured interval. */
export async function benchDrift(rounds = 3): Promise<Figure[]> {
  const { jarvis, done } = await start(400);
  try {
    const intervalMs = jarvis.config.reconciler.intervalSeconds * 1000;
    await jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'bench' });
    const { alb } = jarvis.platform.forEnv('dev');
    const route = jarvis.rollouts.route('dev', 'checkout');
    let reported: (() => void) | undefined;
    const reconciler = new Reconciler({
      rollouts: jarvis.rollouts,
      store: jarvis.store,
      intervalMs,
      now: () => jarvis.clock.now(),
      onReport: (r) => {
        if (r.kind === 'drift') reported?.();
      },
    });
    await reconciler.runOnce();
    reconciler.start();
    const times: number[] = [];
    try {
      for (let i = 0; i < rounds; i++) {
        const seen = new Promise<void>((resolve) => (reported = resolve));
        const drifted = { blue: 10 + i, green: 90 - i };
        const t0 = performance.now();
        await alb.setWeights(route, drifted, await alb.readWeights(route));
        await seen;
        times.push(performance.now() - t0);
      }
    } finally {
      await reconciler.stop();
    }
    const worst = Math.max(...times);
    return [
      {
        name: `drift → report, worst of ${rounds} (interval ${intervalMs} ms)`,
        value: worst,
        unit: 'ms',
        goal: `≤ ${intervalMs + 1000}`,
        ok: worst <= intervalMs + 1000,
      },
    ];
  } finally {
    await done();
  }
}
