import { serviceOf, type ServiceConfig } from '../config.js';
import { JarvisError, isJarvisError, messageOf, type ErrorCode, type Refusal } from '../errors.js';
import { upstreamCheck } from '../policies/release.js';
import { otherColour, type Colour, type ServiceRoute, type Weights } from '../platform/types.js';
import {
  lockKey,
  type Deployment,
  type DeploymentStrategy,
  type ReleaseState,
  type VerifiedFigures,
} from '../store/store.js';
import { RolloutControl } from './control.js';
import type { ColourView, RolloutListener } from './events.js';
import { checkVersion, currentState, resolve, runningOf, withLease, type Internals } from './internals.js';
import type { Lease } from './lease.js';
import { allOn, bake, prepare, restoreStable, split, type BakeResult, type Baseline } from './phases.js';
import type { BuiltAt } from '../evidence/types.js';
import type { EnvironmentPorts } from './ports.js';
import { recoverOne } from './recovery.js';
import { afterNoRelease, afterRelease } from './release-state.js';
import { Run } from './run.js';

export interface DeployRequest {
  env: string;
  service: string;
  version: string;
  actor: string;
  strategy?: DeploymentStrategy;
  /** Checks made before (a promotion's order and upstream success), listed first with the pre-checks. */
  checks?: Check[];
  onEvent?: RolloutListener;
  /** Aborting it (a person's cancel) rolls traffic back to the stable colour and records ABORTED. */
  signal?: AbortSignal;
}

/** One item of a pre-check list, shown to people and the model. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** The release policy's code, for a failed check that is a policy rule (NOT_PROMOTED...). */
  code?: ErrorCode;
}

function codeOf(refusal: Refusal | undefined): { code?: ErrorCode } {
  return refusal ? { code: refusal.code } : {};
}

export interface RolloutResult {
  deployment: Deployment;
  checks: Check[];
}

/**
 * Deploys `version` to the idle colour and shifts traffic to it (DESIGN.md, "Blue/green on an ALB").
 * Resolves with the recorded deployment whatever its final status; rejects before anything changes when a
 * pre-check fails (NOT_PROMOTED for the release policy, else FORBIDDEN, with the checklist), the lock is held (LOCKED), or a name is unknown
 * (NOT_FOUND). A failure of the abort itself rejects, leaving the journal for the reconciler.
 */
export async function deploy(x: Internals, req: DeployRequest): Promise<RolloutResult> {
  const { route, ports } = resolve(x, req.env, req.service);
  const svc = serviceOf(x.deps.config, req.env, req.service);
  checkVersion(req.env, req.service, req.version);
  const who = `${req.actor} deploying ${req.service} ${req.version}`;
  return withLease(x, req.env, req.service, who, async (lease) => {
    await adoptLeftover(x, req.env, req.service, lease);
    const pre = await precheck(x, route, ports, req.version);
    const { before, replicas, builtAt } = pre;
    const checks = [...(req.checks ?? []), ...pre.checks];
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new JarvisError(
        failed.find((c) => c.code !== undefined)?.code ?? 'FORBIDDEN',
        `Pre-checks failed for ${req.service} ${req.version} in ${req.env}: ${failed.map((c) => `${c.name}: ${c.detail.replace(/\.$/, '')}`).join('; ')}.`,
        { resource: `${req.env}/${req.service}`, facts: { checks } },
      );
    }
    const stable = before.live.colour;
    const deployment = await x.deps.store.startDeployment({
      env: req.env,
      service: req.service,
      version: req.version,
      colour: otherColour(stable),
      previousVersion: before.live.version,
      previousColour: stable,
      strategy: req.strategy ?? 'blue-green',
      actor: req.actor,
      startedAt: x.deps.clock.now(),
    });
    const done = await controlled(x, deployment, lease, req.signal, req.onEvent, (run, control, signal) => {
      run.emit('started', {
        strategy: deployment.strategy,
        version: req.version,
        colour: deployment.colour,
        checks,
        state: startingState(before),
      });
      return release(x, run, control, svc, before, req.version, replicas, signal, builtAt);
    });
    return { deployment: done, checks };
  });
}

/** The two colours as a release starts from them: the live one with all traffic, the standby. */
export function startingState(state: ReleaseState): ColourView[] {
  return [
    { colour: state.live.colour, version: state.live.version, weight: 100, role: 'active' as const },
    { colour: state.standby.colour, version: state.standby.version, weight: 0, role: 'standby' as const },
  ].sort((a, b) => a.colour.localeCompare(b.colour));
}

/**
 * Runs `work` as the rollout of `deployment`: registered so that abort, pause and resume reach it (from this
 * process at once, from others through the store), journalled under the lease's fencing token.
 */
export async function controlled(
  x: Internals,
  deployment: Deployment,
  lease: Lease,
  signal: AbortSignal | undefined,
  onEvent: RolloutListener | undefined,
  work: (run: Run, control: RolloutControl, signal: AbortSignal) => Promise<Deployment>,
): Promise<Deployment> {
  const { deps } = x;
  const { route, ports } = resolve(x, deployment.env, deployment.service);
  const run = new Run(deployment, route, ports, deps.store, deps.clock, onEvent, deps.logger, lease.token);
  const key = lockKey(deployment.env, deployment.service);
  const control = new RolloutControl(deployment.id, key);
  control.onChange((change) => {
    const why = change.reason ? `: ${change.reason}` : '';
    run
      .journal(change.kind, { actor: change.actor, ...(change.reason ? { reason: change.reason } : {}) })
      .catch((err: unknown) =>
        deps.logger?.warn({ err: messageOf(err) }, `could not journal ${change.kind}`),
      );
    run.phase(
      change.kind,
      change.kind === 'pause'
        ? `paused by ${change.actor}${why}; analysis goes on, a failure still aborts`
        : `resumed by ${change.actor}`,
    );
  });
  control.watch(deps.store, deps.commandPollMs ?? 250, deps.logger);
  x.active.set(key, control);
  const all = AbortSignal.any([control.signal, lease.lost, ...(signal ? [signal] : [])]);
  const done = work(run, control, all);
  control.done = done;
  try {
    return await done;
  } finally {
    control.stop();
    if (x.active.get(key) === control) x.active.delete(key);
  }
}

/** A RUNNING deployment of this service whose lease we now hold is an orphan: end it before anything else. */
async function adoptLeftover(x: Internals, env: string, service: string, lease: Lease): Promise<void> {
  const orphan = await runningOf(x, env, service);
  if (!orphan) return;
  const last = (await x.deps.store.journal(orphan.id)).at(-1);
  const report = await recoverOne(x, orphan, lease, last);
  x.deps.logger?.warn({ deploymentId: orphan.id, action: report.action }, report.detail);
}

async function release(
  x: Internals,
  run: Run,
  control: RolloutControl,
  svc: ServiceConfig,
  before: ReleaseState,
  version: string,
  replicas: number,
  signal: AbortSignal,
  builtAt?: BuiltAt,
): Promise<Deployment> {
  const { deps } = x;
  const stable = before.live.colour;
  const idle = otherColour(stable);
  const id = run.deployment.id;
  const now = (): number => deps.clock.now();
  const idleState = await run.ports.workloads.getDeployment(
    run.route.namespace,
    run.route.deployments[idle],
    run.route.container,
  );
  await run.journal('prepare', {
    stable,
    idle,
    version,
    replicas,
    standbyImage: idleState.image ?? null,
    standbyReplicas: idleState.replicas,
    // When the version was built (commit or image push), for lead time.
    ...(builtAt ? { builtAt } : {}),
  });
  try {
    await prepare(run, deps, svc, idle, version, replicas, signal);
  } catch (err) {
    const cancelled = signal.aborted;
    const reason = cancelled
      ? `cancelled while preparing: ${messageOf(signal.reason)}`
      : `prepare failed: ${messageOf(err)}`;
    const restored = await restoreStandby(x, run, idle, idleState.image, idleState.replicas);
    const judged = restored
      ? ({ verdict: 'restored' } as const)
      : cancelled
        ? ({ verdict: 'unknown' } as const)
        : ({ verdict: 'failed', reason } as const);
    return run.finish(
      cancelled ? 'ABORTED' : 'FAILED',
      reason,
      afterNoRelease(before, idle, version, id, now(), judged, false),
    );
  }
  let current = allOn(stable);
  const baseline: Baseline = { p99Ms: undefined, stableWindows: 0, stableBad: 0 };
  const plan = svc.steps.map((step) => ({ step, seconds: svc.bakeSeconds, verify: false }));
  plan.push({ step: 100, seconds: svc.verifySeconds, verify: true });
  const stableVerified = (): boolean => baseline.stableWindows > 0 && baseline.stableBad === 0;
  const backOut = (status: 'ROLLED_BACK' | 'ABORTED', reason: string) =>
    restoreStable(
      run,
      stable,
      status,
      reason,
      afterNoRelease(
        before,
        idle,
        version,
        id,
        now(),
        status === 'ROLLED_BACK' ? { verdict: 'failed', reason } : { verdict: 'unknown' },
        stableVerified(),
      ),
    );
  // What the new colour measured while it was verified at 100 %: kept with its known-good verdict.
  let verified: VerifiedFigures | undefined;
  for (const [i, { step, seconds, verify }] of plan.entries()) {
    const desired = split(idle, step);
    try {
      if (verify) {
        await run.journal('verify', { step, weights: current, seconds });
        run.phase('verify', `holding ${idle} at 100% for ${seconds}s`, { seconds });
      } else {
        await run.journal('shift', { step, from: current, to: desired });
        current = (await run.ports.traffic.setWeights(run.route, desired, current)).weights;
        run.emit('weights', {
          step,
          stepIndex: i,
          steps: svc.steps.length,
          weights: current,
          newColour: idle,
        });
      }
      const verdict = await bake(run, deps, svc.analysis, idle, step, current, seconds, baseline, signal);
      if (!verdict.ok) return await backOut('ROLLED_BACK', verdict.reason);
      if (verify) verified = verdict.figures;
      // Paused: hold this step, analysis goes on window by window, and a failure still aborts.
      while (control.isPaused && !signal.aborted) {
        const held = await holdWhilePaused(run, x, control, svc, idle, step, current, baseline, signal);
        if (!held.ok) return await backOut('ROLLED_BACK', held.reason);
      }
      signal.throwIfAborted();
    } catch (err) {
      if (signal.aborted) return backOut('ABORTED', messageOf(signal.reason));
      const reason = `${isJarvisError(err) ? err.code : 'ERROR'} at ${step}%: ${messageOf(err)}`;
      return backOut('ABORTED', reason);
    }
  }
  await run.journal('finalise', { stable: idle, standby: stable });
  run.phase('finalise', `${idle} is stable at ${version}; ${stable} stays as standby`);
  return run.finish(
    'SUCCESS',
    undefined,
    afterRelease(before, idle, version, id, now(), stableVerified(), verified),
  );
}

/** Analyses window by window while paused; resolves ok once resumed, or with the failure. */
async function holdWhilePaused(
  run: Run,
  x: Internals,
  control: RolloutControl,
  svc: ServiceConfig,
  fresh: Colour,
  step: number,
  weights: Weights,
  baseline: Baseline,
  signal: AbortSignal,
): Promise<BakeResult> {
  const hold = new AbortController();
  void control.whileResumed().then(() => hold.abort(new Error('resumed')));
  const both = AbortSignal.any([signal, hold.signal]);
  try {
    // Quiet windows hold instead of failing: a paused rollout may sit at a step for as long as people need.
    for (;;) {
      const verdict = await bake(
        run,
        x.deps,
        svc.analysis,
        fresh,
        step,
        weights,
        svc.analysis.intervalSeconds,
        baseline,
        both,
        {
          holdOnQuiet: true,
        },
      );
      if (!verdict.ok) return verdict;
    }
  } catch (err) {
    if (hold.signal.aborted && !signal.aborted) return { ok: true, figures: undefined };
    throw err;
  }
}

/** Puts the standby colour back as it was after a failed prepare, so rollback stays instant; true when done. */
async function restoreStandby(
  x: Internals,
  run: Run,
  idle: Colour,
  image: string | undefined,
  replicas: number,
): Promise<boolean> {
  if (!image) return false;
  try {
    await run.ports.workloads.setImageAndReplicas(
      run.route.namespace,
      run.route.deployments[idle],
      run.route.container,
      image,
      replicas,
    );
    return true;
  } catch (err) {
    x.deps.logger?.warn(
      { err, deployment: run.route.deployments[idle] },
      'could not restore the standby colour',
    );
    return false;
  }
}

/** The pre-check list of DESIGN.md: promotion order, the lock (already held), weights, stable health. */
export async function precheck(
  x: Internals,
  route: ServiceRoute,
  ports: EnvironmentPorts,
  version: string,
): Promise<{ checks: Check[]; before: ReleaseState; replicas: number; builtAt?: BuiltAt }> {
  const { config, store } = x.deps;
  const checks: Check[] = [
    { name: 'lock', ok: true, detail: `no other rollout of ${route.service} in ${route.env}` },
  ];
  const upstream = await upstreamCheck(config, store, route.env, route.service, version);
  if (upstream.applies) {
    checks.push({ name: 'promotion', ok: upstream.ok, detail: upstream.detail, ...codeOf(upstream.refusal) });
  }
  const read = {
    readWeights: ports.traffic.readWeights.bind(ports.traffic),
    getDeployment: ports.workloads.getDeployment.bind(ports.workloads),
  };
  const { state: before, states } = await currentState(x, route, read);
  const stable = before.live.colour;
  checks.push({ name: 'traffic', ok: true, detail: `all traffic on ${stable}` });
  const live = states[stable];
  checks.push({
    name: 'version',
    ok: live.version !== version,
    detail:
      live.version === version
        ? `${version} is already live on ${stable}`
        : `live: ${live.version ?? 'unknown'}`,
  });
  const targets = await ports.traffic.targetHealth(route.targetGroups[stable]);
  const healthy = targets.filter((t) => t.state === 'healthy').length;
  checks.push({
    name: 'stable health',
    ok: healthy > 0,
    detail: `${healthy}/${targets.length} ${stable} targets healthy`,
  });
  const evidence = await x.deps.evidence?.collect({ env: route.env, service: route.service, version });
  checks.push(...(evidence?.checks ?? []));
  return {
    checks,
    before,
    replicas: Math.max(1, live.replicas),
    ...(evidence?.builtAt ? { builtAt: evidence.builtAt } : {}),
  };
}
