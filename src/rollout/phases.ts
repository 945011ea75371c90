import type { VerifiedFigures } from '../store/release.js';
import type { AnalysisSettings, ServiceConfig } from '../config.js';
import { JarvisError } from '../errors.js';
import type { ColourFigures } from '../platform/metrics/provider.js';
import { otherColour, type Colour, type Weights } from '../platform/types.js';
import type { Deployment, FinalStatus, ReleaseOutcome } from '../store/store.js';
import { judge } from './analysis.js';
import type { RolloutDeps as EngineDeps } from './ports.js';
import { waitPrepared } from './prepare-watch.js';
import type { Run } from './run.js';

/** All traffic on `colour`. */
export function allOn(colour: Colour): Weights {
  return colour === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 };
}

/** `percent` on `colour`, the rest on the other. */
export function split(colour: Colour, percent: number): Weights {
  return colour === 'blue'
    ? { blue: percent, green: 100 - percent }
    : { blue: 100 - percent, green: percent };
}

export function sameWeights(a: Weights, b: Weights): boolean {
  return a.blue === b.blue && a.green === b.green;
}

/** The colour that holds all traffic, or CONFLICT when traffic is split (a rollout unfinished). */
export function stableColourOf(weights: Weights, resource: string): Colour {
  if (weights.green === 0 && weights.blue > 0) return 'blue';
  if (weights.blue === 0 && weights.green > 0) return 'green';
  throw new JarvisError(
    'CONFLICT',
    `Traffic of ${resource} is split (blue ${weights.blue}, green ${weights.green}): a rollout did not finish. Roll back to put all traffic on one colour first.`,
    { resource, facts: { weights } },
  );
}

/**
 * Sets the idle colour to `version` with `replicas`, waits for the Deployment to roll out and for every
 * one of its ALB targets to be healthy. Throws ROLLOUT_FAILED / TIMEOUT with the reason when it does not.
 */
export async function prepare(
  run: Run,
  deps: EngineDeps,
  svc: ServiceConfig,
  idle: Colour,
  version: string,
  replicas: number,
  signal: AbortSignal,
): Promise<void> {
  const { route } = run;
  const { workloads, traffic } = run.ports;
  const name = route.deployments[idle];
  const image = `${route.imageRepository}:${version}`;
  const deadline = deps.clock.now() + svc.prepareTimeoutSeconds * 1000;
  run.phase('prepare', `${name} (${idle}) → ${image}, ${replicas} replicas`, {
    prepare: { stage: 'image', image, replicas, colour: idle },
  });
  const written = await workloads.setImageAndReplicas(
    route.namespace,
    name,
    route.container,
    image,
    replicas,
  );
  const rolled = await waitPrepared(
    run,
    deps,
    {
      name,
      image,
      replicas,
      selector: written.state.selector,
      deadline,
      timeoutSeconds: svc.prepareTimeoutSeconds,
      restartLimit: svc.prepareCrashLoopRestarts,
    },
    signal,
  );
  run.phase('prepare', `${name}: ${rolled.readyReplicas}/${replicas} pods ready on ${version}`, {
    prepare: { stage: 'pods', ready: rolled.readyReplicas, replicas },
  });
  for (;;) {
    const targets = await traffic.targetHealth(route.targetGroups[idle]);
    const healthy = targets.filter((t) => t.state === 'healthy').length;
    if (healthy >= replicas && healthy === targets.length) {
      run.phase('prepare', `${idle} ready: ${healthy}/${targets.length} targets healthy`, {
        prepare: { stage: 'targets', healthy, targets: targets.length },
      });
      return;
    }
    if (deps.clock.now() >= deadline) {
      const reasons = [
        ...new Set(
          targets.filter((t) => t.state !== 'healthy').map((t) => `${t.state} ${t.reason ?? ''}`.trim()),
        ),
      ];
      throw new JarvisError(
        'TIMEOUT',
        `${route.targetGroups[idle]} has ${healthy}/${replicas} healthy targets after ${svc.prepareTimeoutSeconds}s (${reasons.join(', ') || 'no targets registered'}).`,
        { resource: route.targetGroups[idle] },
      );
    }
    await deps.clock.sleep(deps.pollMs ?? 2000, signal);
  }
}

/** A bake's outcome; passed, with what the new colour measured over its passing windows. */
export type BakeResult = { ok: true; figures: VerifiedFigures | undefined } | { ok: false; reason: string };

/**
 * What a rollout learns of the stable colour while it bakes: its last p99 with enough traffic (the
 * baseline at 100%, when it serves nothing), and how many windows it served within the thresholds, so
 * that a stable colour measured good can be recorded known good.
 */
export interface Baseline {
  p99Ms: number | undefined;
  /** Windows in which the stable colour had enough requests for a verdict. */
  stableWindows: number;
  /** Of those, windows in which its error rate was over the threshold. */
  stableBad: number;
}

/**
 * Analyses the new colour window by window until `seconds` of passing windows are in, at least one.
 * Fails after `consecutiveFailures` failing windows in a row, or `maxInsufficientWindows` windows in a
 * row without enough data; a metrics source that cannot answer counts as no data, never as a pass.
 */
export async function bake(
  run: Run,
  deps: EngineDeps,
  settings: AnalysisSettings,
  fresh: Colour,
  step: number,
  weights: Weights,
  seconds: number,
  baseline: Baseline,
  signal: AbortSignal,
  opts: { holdOnQuiet?: boolean } = {},
): Promise<BakeResult> {
  const intervalMs = settings.intervalSeconds * 1000;
  let passedMs = 0;
  let failures = 0;
  let quiet = 0;
  const passed = { requests: 0, errors: 0, p99Sum: 0, p99Requests: 0, seconds: 0 };
  // A source that publishes late (CloudWatch) reads windows that end that long ago: the first one must
  // start after the weights changed.
  let waitMs = intervalMs + (deps.metrics.publicationDelaySeconds ?? 0) * 1000;
  do {
    await deps.clock.sleep(waitMs, signal);
    waitMs = intervalMs;
    const [now, stable] = await Promise.all([
      measure(run, deps, fresh, settings.intervalSeconds),
      measure(run, deps, otherColour(fresh), settings.intervalSeconds),
    ]);
    if (
      stable.figures &&
      stable.figures.requests >= settings.minRequests &&
      stable.figures.p99Ms !== undefined
    ) {
      baseline.p99Ms = stable.figures.p99Ms;
    }
    if (stable.figures && stable.figures.requests >= settings.minRequests) {
      baseline.stableWindows += 1;
      if (stable.figures.errorRate > settings.maxErrorRate) baseline.stableBad += 1;
    }
    const verdict = now.figures
      ? judge(now.figures, stable.figures, baseline.p99Ms, settings)
      : {
          outcome: 'insufficient' as const,
          newColour: { requests: 0, errors: 0, errorRate: 0, p99Ms: undefined },
          stableColour: stable.figures,
          baselineP99Ms: baseline.p99Ms,
          reasons: [`metrics unavailable: ${now.error ?? 'no answer'}`],
        };
    run.emit('analysis', { step, weights, newColour: fresh, verdict });
    if (verdict.outcome === 'pass') {
      passedMs += intervalMs;
      const f = verdict.newColour;
      passed.requests += f.requests;
      passed.errors += f.errors;
      passed.seconds += settings.intervalSeconds;
      if (f.p99Ms !== undefined) {
        passed.p99Sum += f.p99Ms * f.requests;
        passed.p99Requests += f.requests;
      }
      failures = 0;
      run.detectedAt = undefined;
      quiet = 0;
    } else if (verdict.outcome === 'fail') {
      quiet = 0;
      failures += 1;
      // MTTR counts from the first failing window of the run of failures that aborts.
      if (failures === 1) run.detectedAt = deps.clock.now();
      if (failures >= settings.consecutiveFailures) {
        return { ok: false, reason: `analysis failed at ${step}%: ${verdict.reasons.join('; ')}` };
      }
    } else {
      quiet += 1;
      if (quiet >= settings.maxInsufficientWindows && !opts.holdOnQuiet) {
        return {
          ok: false,
          reason: `no verdict at ${step}% after ${quiet} windows: ${verdict.reasons.join('; ')}`,
        };
      }
    }
  } while (passedMs < seconds * 1000);
  return {
    ok: true,
    figures:
      passed.seconds > 0
        ? {
            requests: passed.requests,
            errors: passed.errors,
            errorRate: passed.requests > 0 ? passed.errors / passed.requests : 0,
            p99Ms: passed.p99Requests > 0 ? passed.p99Sum / passed.p99Requests : undefined,
            seconds: passed.seconds,
          }
        : undefined,
  };
}

async function measure(
  run: Run,
  deps: EngineDeps,
  colour: Colour,
  windowSeconds: number,
): Promise<{ figures: ColourFigures | undefined; error?: string }> {
  try {
    const figures = await deps.metrics.window({
      env: run.route.env,
      service: run.route.service,
      colour,
      targetGroupArn: run.route.targetGroups[colour],
      windowSeconds,
    });
    return { figures };
  } catch (err) {
    return { figures: undefined, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Puts all traffic back on `stable` in one verified write and records the end. The journal says what is
 * about to happen first, so a crash in the middle is finished by recovery.
 */
export async function restoreStable(
  run: Run,
  stable: Colour,
  status: FinalStatus,
  reason: string,
  outcome?: ReleaseOutcome,
): Promise<Deployment> {
  const target = allOn(stable);
  await run.journal('abort', {
    reason,
    to: target,
    ...(run.detectedAt === undefined ? {} : { detectedAt: run.detectedAt }),
  });
  run.phase('abort', `${reason}; all traffic back to ${stable}`);
  const actual = await run.ports.traffic.readWeights(run.route);
  if (!sameWeights(actual, target)) await run.ports.traffic.setWeights(run.route, target, actual);
  return run.finish(status, reason, outcome);
}
