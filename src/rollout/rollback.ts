import { previousEnvironment, serviceOf } from '../config.js';
import { JarvisError, messageOf } from '../errors.js';
import { otherColour, type Colour } from '../platform/types.js';
import type { ReleaseState, ReleaseVerdict } from '../store/store.js';
import type { RolloutListener } from './events.js';
import { currentState, resolve, runningOf, withLease, type Internals } from './internals.js';
import { allOn, bake, prepare, restoreStable, type Baseline } from './phases.js';
import { controlled, type Check, type RolloutResult } from './release.js';
import { afterNoRelease, afterRollback, rollbackTarget } from './release-state.js';

export interface RollbackRequest {
  env: string;
  service: string;
  actor: string;
  /** A named version to go back to; undefined: the last known-good version. */
  version?: string | undefined;
  /** Why, as the person said it; recorded on the release that was rolled back. */
  reason?: string | undefined;
  /** The plan the person confirmed: the rollback is refused (CONFLICT) when the state no longer matches. */
  expect?: RollbackPlan | undefined;
  onEvent?: RolloutListener;
  signal?: AbortSignal;
}

/** Exactly what a rollback will do, computed read-only before the person confirms it. */
export type RollbackPlan =
  | {
      kind: 'abort';
      env: string;
      service: string;
      /** The rollout in progress, which a rollback asked for now aborts. */
      deploymentId: number;
      version: string;
      stable: Colour;
      stableVersion: string | undefined;
    }
  | {
      kind: 'switch';
      env: string;
      service: string;
      from: { colour: Colour; version: string | undefined; verdict: ReleaseVerdict };
      to: {
        colour: Colour;
        version: string;
        /** When it was verified; undefined for a named version never verified here. */
        verifiedAt: number | undefined;
        /** The idle colour is prepared with it first (image, replicas, health). */
        prepare: boolean;
        /** Why it is the target. */
        why: string;
      };
      /** A named version: analysed for the verification window after the switch. */
      named: boolean;
    };

/**
 * What `rollback` would do now, read-only: abort a rollout in progress; else switch to the last known-good
 * version (one write when the standby holds it and is healthy, prepared first otherwise), or to a named
 * version the release policy allows. Throws CONFLICT (no known-good version) or FORBIDDEN (a named
 * version that was never verified here nor succeeded upstream) with the reason and what to do.
 */
export async function planRollback(
  x: Internals,
  env: string,
  service: string,
  version?: string,
): Promise<RollbackPlan> {
  return (await planWithState(x, env, service, version)).plan;
}

interface Planned {
  plan: RollbackPlan;
  /** The release state the plan was made from; undefined for an abort. */
  state?: ReleaseState;
  /** Replicas of the live colour, for preparing the target. */
  replicas?: number;
}

async function planWithState(x: Internals, env: string, service: string, version?: string): Promise<Planned> {
  const { route, ports } = resolve(x, env, service);
  const running = await runningOf(x, env, service);
  if (running) {
    return {
      plan: {
        kind: 'abort',
        env,
        service,
        deploymentId: running.id,
        version: running.version,
        stable: running.previousColour ?? otherColour(running.colour),
        stableVersion: running.previousVersion,
      },
    };
  }
  const read = {
    readWeights: ports.traffic.readWeights.bind(ports.traffic),
    getDeployment: ports.workloads.getDeployment.bind(ports.workloads),
  };
  const [{ state, states }, verdicts] = await Promise.all([
    currentState(x, route, read),
    x.deps.store.versionVerdicts(env, service),
  ]);
  const from = { colour: state.live.colour, version: state.live.version, verdict: state.live.verdict };
  const standby = state.standby;
  if (version !== undefined) {
    if (version === state.live.version) {
      throw new JarvisError(
        'INVALID_INPUT',
        `${env}/${service} already runs ${version} on ${state.live.colour}: nothing to roll back to.`,
        {
          resource: `${env}/${service}`,
        },
      );
    }
    const why = await namedVersionAllowed(x, state, version);
    const ready =
      standby.version === version &&
      states[standby.colour].readyReplicas > 0 &&
      (await healthy(ports, route.targetGroups[standby.colour]));
    const verifiedAt = verdicts.find((v) => v.version === version && v.verdict === 'known_good')?.at;
    return {
      plan: {
        kind: 'switch',
        env,
        service,
        from,
        to: { colour: standby.colour, version, verifiedAt, prepare: !ready, why },
        named: true,
      },
      state,
      replicas: states[state.live.colour].replicas,
    };
  }
  const target = rollbackTarget(state, verdicts);
  let prepareIt = target.prepare;
  if (!prepareIt) {
    const ready =
      states[target.colour].readyReplicas > 0 && (await healthy(ports, route.targetGroups[target.colour]));
    prepareIt = !ready;
  }
  return {
    plan: {
      kind: 'switch',
      env,
      service,
      from,
      to: {
        colour: target.colour,
        version: target.version,
        verifiedAt: target.verifiedAt,
        prepare: prepareIt,
        why: 'last good',
      },
      named: false,
    },
    state,
    replicas: states[state.live.colour].replicas,
  };
}

async function healthy(ports: ReturnType<typeof resolve>['ports'], targetGroupArn: string): Promise<boolean> {
  const targets = await ports.traffic.targetHealth(targetGroupArn);
  return targets.length > 0 && targets.every((t) => t.state === 'healthy');
}

/**
 * The release policy of a deploy, for a named rollback target: it was live and verified here before, or it
 * succeeded in the previous environment. Returns why it is allowed; throws FORBIDDEN otherwise.
 */
async function namedVersionAllowed(x: Internals, state: ReleaseState, version: string): Promise<string> {
  const { env, service } = state;
  const verdicts = await x.deps.store.versionVerdicts(env, service);
  const verdict = verdicts.find((v) => v.version === version);
  if (verdict?.verdict === 'known_good') return 'verified here before';
  const previous = previousEnvironment(x.deps.config, env);
  const upstream = previous ? await x.deps.store.lastSuccessful(previous, service, version) : undefined;
  if (upstream && verdict?.verdict !== 'failed') return `succeeded in ${previous} (#${upstream.id})`;
  const known = verdicts.filter((v) => v.verdict === 'known_good').map((v) => v.version);
  throw new JarvisError(
    'FORBIDDEN',
    verdict?.verdict === 'failed'
      ? `${service} ${version} failed in ${env} (${verdict.reason ?? 'failed'}): Jarvis will not roll back to it.`
      : `${service} ${version} was never live and verified in ${env}${previous ? ` and has no successful deployment in ${previous}` : ''}: a rollback must go to a version the release policy allows. ` +
          (known.length > 0
            ? `Verified here: ${known.join(', ')}.`
            : 'Deploy it through the promotion order instead.'),
    { resource: `${env}/${service}`, options: known },
  );
}

/** The confirmation line: `Blue (active) 1.3.0-errors ← 100%  →  Green 1.2.0 (last good, verified 2h ago)`. */
export function describeRollback(plan: RollbackPlan, now: number): string {
  if (plan.kind === 'abort') {
    return `A rollout of ${plan.service} ${plan.version} is in progress in ${plan.env} (deployment #${plan.deploymentId}): abort it, all traffic back to ${name(plan.stable)} ${plan.stableVersion ?? '(unknown version)'} in one verified write`;
  }
  const verified =
    plan.to.verifiedAt === undefined
      ? plan.to.why
      : `${plan.to.why}, verified ${ago(now - plan.to.verifiedAt)} ago`;
  const steps = [
    plan.to.prepare
      ? `prepares ${name(plan.to.colour)} with ${plan.to.version} first (image, replicas, health), then switches in one write`
      : 'one verified weight write',
  ];
  if (plan.named) steps.push('then holds for the verification window with analysis, reverting on failure');
  return `roll back ${plan.service} in ${plan.env}: ${name(plan.from.colour)} (active) ${plan.from.version ?? 'unknown'} ← 100%  →  ${name(plan.to.colour)} ${plan.to.version} (${verified}); ${steps.join(', ')}`;
}

function name(colour: Colour): string {
  return colour === 'blue' ? 'Blue' : 'Green';
}

/** 90 s → "1m", 2 h → "2h", 3 d → "3d". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function samePlan(a: RollbackPlan, b: RollbackPlan): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'abort' && b.kind === 'abort') return a.deploymentId === b.deploymentId;
  if (a.kind === 'switch' && b.kind === 'switch') {
    return (
      a.from.colour === b.from.colour &&
      a.from.version === b.from.version &&
      a.to.colour === b.to.colour &&
      a.to.version === b.to.version &&
      a.to.prepare === b.to.prepare
    );
  }
  return false;
}

/**
 * Rolls back as {@link planRollback} says (DESIGN.md, "rollback"). During a rollout of the same service it
 * is an abort (handled by the caller through `abort`). The release that was rolled back is marked
 * ROLLED_BACK with the reason. Refuses (CONFLICT) when `expect` no longer matches what would happen.
 */
export async function rollback(x: Internals, req: RollbackRequest): Promise<RolloutResult> {
  const { deps } = x;
  const svc = serviceOf(deps.config, req.env, req.service);
  const who = `${req.actor} rolling back ${req.service}${req.version ? ` to ${req.version}` : ''}`;
  return withLease(x, req.env, req.service, who, async (lease) => {
    const planned = await planWithState(x, req.env, req.service, req.version);
    const { plan } = planned;
    if (plan.kind !== 'switch' || !planned.state) {
      throw new JarvisError(
        'CONFLICT',
        `A rollout of ${req.service} in ${req.env} started meanwhile: abort it instead.`,
      );
    }
    if (req.expect && !samePlan(req.expect, plan)) {
      throw new JarvisError(
        'CONFLICT',
        `The state of ${req.service} in ${req.env} changed since you confirmed: now it would ${describeRollback(plan, deps.clock.now())}. Nothing was changed; ask again.`,
        { resource: `${req.env}/${req.service}` },
      );
    }
    const { route, ports } = resolve(x, req.env, req.service);
    const before = planned.state;
    const stable = plan.from.colour;
    const to = plan.to.colour;
    const replicas = Math.max(1, planned.replicas ?? 1);
    const checks: Check[] = [
      { name: 'traffic', ok: true, detail: `all traffic on ${stable} (${plan.from.version ?? 'unknown'})` },
      { name: 'target', ok: true, detail: `${plan.to.version} (${plan.to.why})` },
    ];
    const deployment = await deps.store.startDeployment({
      env: req.env,
      service: req.service,
      version: plan.to.version,
      colour: to,
      previousVersion: plan.from.version,
      previousColour: stable,
      strategy: 'rollback',
      actor: req.actor,
      startedAt: deps.clock.now(),
    });
    const rolledBack =
      plan.from.version === undefined
        ? undefined
        : await deps.store.lastSuccessful(req.env, req.service, plan.from.version);
    const reason = req.reason ? `rolled back by ${req.actor}: ${req.reason}` : `rolled back by ${req.actor}`;
    const done = await controlled(
      x,
      deployment,
      lease,
      req.signal,
      req.onEvent,
      async (run, _control, signal) => {
        const now = (): number => deps.clock.now();
        if (plan.to.prepare) {
          await run.journal('prepare', {
            stable,
            idle: to,
            version: plan.to.version,
            replicas,
          });
          try {
            await prepare(run, deps, svc, to, plan.to.version, replicas, signal);
          } catch (err) {
            const why = signal.aborted
              ? `cancelled while preparing: ${messageOf(signal.reason)}`
              : `prepare failed: ${messageOf(err)}`;
            const outcome = afterNoRelease(
              before,
              to,
              plan.to.version,
              deployment.id,
              now(),
              signal.aborted ? { verdict: 'unknown' } : { verdict: 'failed', reason: why },
              false,
            );
            // A known-good build that failed to prepare is not a bad build: its version verdict stands.
            outcome.verdicts = [];
            return run.finish(signal.aborted ? 'ABORTED' : 'FAILED', why, outcome);
          }
        }
        const baseline: Baseline = { p99Ms: undefined, stableWindows: 0, stableBad: 0 };
        if (plan.named) {
          const figures = await deps.metrics
            .window({
              env: req.env,
              service: req.service,
              colour: stable,
              targetGroupArn: route.targetGroups[stable],
              windowSeconds: svc.analysis.intervalSeconds,
            })
            .catch(() => undefined);
          baseline.p99Ms =
            figures && figures.requests >= svc.analysis.minRequests ? figures.p99Ms : undefined;
        }
        const weights = allOn(stable);
        await run.journal('switch', { from: weights, to: allOn(to), stable, standby: to });
        run.phase('switch', `all traffic to ${to} (${plan.to.version}) in one write`);
        try {
          await ports.traffic.setWeights(route, allOn(to), weights);
        } catch (err) {
          // The write may or may not have landed: put traffic back where it was, verified, and say why.
          return restoreStable(run, stable, 'FAILED', `switch failed: ${messageOf(err)}`);
        }
        if (plan.named) {
          await run.journal('verify', { step: 100, weights: allOn(to), seconds: svc.verifySeconds });
          run.phase('verify', `holding ${to} at 100% for ${svc.verifySeconds}s`);
          const verdict = await bake(
            run,
            deps,
            svc.analysis,
            to,
            100,
            allOn(to),
            svc.verifySeconds,
            baseline,
            signal,
          ).catch((err: unknown) => ({
            ok: false as const,
            reason: signal.aborted ? messageOf(signal.reason) : `verification failed: ${messageOf(err)}`,
          }));
          if (!verdict.ok) {
            const outcome = afterNoRelease(
              before,
              to,
              plan.to.version,
              deployment.id,
              now(),
              { verdict: 'failed', reason: verdict.reason },
              false,
            );
            return restoreStable(
              run,
              stable,
              'ROLLED_BACK',
              `${plan.to.version} ${verdict.reason}; traffic back on ${stable}`,
              outcome,
            );
          }
        }
        const verifiedAt = plan.named ? now() : (plan.to.verifiedAt ?? now());
        return run.finish(
          'SUCCESS',
          req.reason,
          afterRollback(
            before,
            to,
            plan.to.version,
            verifiedAt,
            deployment.id,
            now(),
            reason,
            rolledBack?.id,
          ),
        );
      },
    );
    return { deployment: done, checks };
  });
}
