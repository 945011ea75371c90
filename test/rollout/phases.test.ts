import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { AnalysisSchema, serviceOf, type AnalysisSettings } from '../../src/config.js';
import type { ColourFigures, ColourQuery, MetricsProvider } from '../../src/platform/metrics/provider.js';
import type { ServiceRoute } from '../../src/platform/types.js';
import type { RolloutEvent } from '../../src/rollout/events.js';
import { bake } from '../../src/rollout/phases.js';
import type { RolloutDeps, EnvironmentPorts } from '../../src/rollout/ports.js';
import { Run } from '../../src/rollout/run.js';
import type { Deployment, Store } from '../../src/store/store.js';
import { recorder, startHarness, type Harness } from '../helpers/jarvis.js';

/** A clock whose sleeps pass at once and move its time on. */
class FakeClock implements Clock {
  readonly scale = 1;
  private t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

const GOOD: ColourFigures = { requests: 500, errors: 0, errorRate: 0, p99Ms: 120 };
const BAD: ColourFigures = { requests: 500, errors: 100, errorRate: 0.2, p99Ms: 120 };
const QUIET: ColourFigures = { requests: 3, errors: 0, errorRate: 0, p99Ms: 120 };
const FIGURES = { pass: GOOD, fail: BAD, quiet: QUIET } as const;
type Window = keyof typeof FIGURES;

/** Metrics at the process boundary: the new colour (green) answers from a script, window by window. */
function scriptedMetrics(windows: readonly Window[]): MetricsProvider & { asked: number } {
  return {
    name: 'scripted',
    asked: 0,
    window(q: ColourQuery): Promise<ColourFigures> {
      if (q.colour === 'blue') return Promise.resolve(GOOD);
      const figures = FIGURES[windows[Math.min(this.asked, windows.length - 1)]!];
      this.asked += 1;
      return Promise.resolve(figures);
    },
  };
}

const ROUTE = {
  env: 'dev',
  service: 'checkout',
  targetGroups: { blue: 'tg-blue', green: 'tg-green' },
} as unknown as ServiceRoute;

async function bakeWith(
  windows: readonly Window[],
  analysis: Partial<AnalysisSettings>,
  bakeSeconds: number,
): Promise<{ result: Awaited<ReturnType<typeof bake>>; windows: number; elapsedMs: number }> {
  const clock = new FakeClock();
  const metrics = scriptedMetrics(windows);
  const deps = { clock, metrics } as unknown as RolloutDeps;
  const run = new Run(
    { id: 1, env: 'dev', service: 'checkout' } as Deployment,
    ROUTE,
    {} as EnvironmentPorts,
    {} as Store,
    clock,
    undefined,
    undefined,
  );
  const start = clock.now();
  const result = await bake(
    run,
    deps,
    AnalysisSchema.parse({ intervalSeconds: 10, ...analysis }),
    'green',
    25,
    { blue: 75, green: 25 },
    bakeSeconds,
    { p99Ms: undefined, stableWindows: 0, stableBad: 0 },
    new AbortController().signal,
  );
  return { result, windows: metrics.asked, elapsedMs: clock.now() - start };
}

describe('bake', () => {
  it.each<{ name: string; windows: Window[]; consecutiveFailures?: number; ok: boolean; judged: number }>([
    { name: 'passes after the bake time', windows: ['pass'], ok: true, judged: 6 },
    {
      name: 'fails at the first failing window by default, not at the end of the bake',
      windows: ['pass', 'fail', 'pass'],
      ok: false,
      judged: 2,
    },
    {
      name: 'fails at once when the first window fails',
      windows: ['fail', 'pass'],
      consecutiveFailures: 1,
      ok: false,
      judged: 1,
    },
    {
      name: 'needs two failures in a row with consecutiveFailures 2',
      windows: ['fail', 'pass', 'fail', 'fail', 'pass'],
      consecutiveFailures: 2,
      ok: false,
      judged: 4,
    },
    {
      name: 'fails when quiet windows hold it for maxInsufficientWindows',
      windows: ['pass', 'quiet'],
      ok: false,
      judged: 7,
    },
  ])('$name', async ({ windows, consecutiveFailures, ok, judged }) => {
    const analysis = consecutiveFailures === undefined ? {} : { consecutiveFailures };

    const run = await bakeWith(windows, analysis, 60);

    expect(run.result.ok).toBe(ok);
    expect(run.windows).toBe(judged);
    expect(run.elapsedMs).toBe(judged * 10_000);
  });

  it('names the step and the failing figure in the reason', async () => {
    const { result } = await bakeWith(['fail'], {}, 60);

    expect(result).toEqual({
      ok: false,
      reason: 'analysis failed at 25%: error rate 20.00% over the 1.00% threshold',
    });
  });
});

describe('reaction to a breach, against the sandbox', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('aborts at the first window after the new version starts failing, not at the end of the bake', async () => {
    const svc = serviceOf(h.jarvis.config, 'dev', 'checkout');
    expect(svc.analysis.consecutiveFailures).toBe(1);
    expect(svc.bakeSeconds / svc.analysis.intervalSeconds).toBeGreaterThan(2);
    const world = h.jarvis.sandbox!.world;
    const { events, listener } = recorder();
    let breached = false;
    const breachAfterFirstWindowAt25 = (e: RolloutEvent): void => {
      listener(e);
      if (e.kind === 'analysis' && e.step === 25 && e.verdict.outcome === 'pass' && !breached) {
        breached = true;
        world.traffic.settle();
        world.versionOverrides.set('1.3.0', {
          behaviour: 'high-error-rate',
          errorRate: 0.2,
          p99Ms: 120,
          readySeconds: 8,
        });
      }
    };

    const result = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
      onEvent: breachAfterFirstWindowAt25,
    });

    expect(result.deployment.status).toBe('ROLLED_BACK');
    expect(result.deployment.reason).toMatch(/^analysis failed at 25%: error rate/);
    const at25 = events.flatMap((e) => (e.kind === 'analysis' && e.step === 25 ? [e.verdict.outcome] : []));
    expect(at25).toEqual(['pass', 'fail']);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });
});
