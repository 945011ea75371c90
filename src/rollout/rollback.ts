import { serviceOf } from '../config.js';
import { JarvisError, messageOf } from '../errors.js';
import type { RolloutListener } from './events.js';
import { resolve, withLease, type Internals } from './internals.js';
import { allOn, bake, prepare, restoreStable, type Baseline } from './phases.js';
import { controlled, startingState, type Check, type RolloutResult } from './release.js';
import { afterNoRelease, afterRollback } from './release-state.js';
import { describeRollback, planWithState, samePlan, type RollbackPlan } from './rollback-plan.js';

export {
  ago,
  describeRollback,
  planRollback,
  rollbackConfirmation,
  type RollbackPlan,
} from './rollback-plan.js';

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
        run.emit('started', {
          strategy: 'rollback',
          version: plan.to.version,
          colour: to,
          checks,
          state: startingState(before),
        });
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
        run.emit('weights', { step: 100, stepIndex: 0, steps: 1, weights: allOn(to), newColour: to });
        if (plan.named) {
          await run.journal('verify', { step: 100, weights: allOn(to), seconds: svc.verifySeconds });
          run.phase('verify', `holding ${to} at 100% for ${svc.verifySeconds}s`, {
            seconds: svc.verifySeconds,
          });
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
