import { serviceOf } from '../config.js';
import { JarvisError, messageOf } from '../errors.js';
import { lockKey, type Deployment, type JournalEntry } from '../store/store.js';
import { resolve, stateBefore, type Internals } from './internals.js';
import { holderIsGone, Lease } from './lease.js';
import { allOn, bake, restoreStable, sameWeights, type Baseline } from './phases.js';
import { afterNoRelease, afterRelease } from './release-state.js';
import { Run } from './run.js';

export interface RecoveryReport {
  deployment: Deployment;
  /** aborted: traffic back on stable; finished: it was verifying and passed; skipped: its holder lives; failed: retried later. */
  action: 'aborted' | 'finished' | 'skipped' | 'failed';
  detail: string;
}

/**
 * Adopts every rollout the journal shows unfinished whose lease has lapsed, or whose holder is provably
 * gone (same host, no such process): takes its lock (a new fencing token, so a holder that wakes up cannot
 * write), then aborts it to the stable colour — or finishes it when it was verifying at 100% and the
 * analysis passes. A rollout run by a live process is left alone; one that cannot be recovered now (an
 * API down) is reported `failed` and adopted again on the next pass.
 */
export async function adoptOrphans(x: Internals): Promise<RecoveryReport[]> {
  const { store, clock, logger } = x.deps;
  const reports: RecoveryReport[] = [];
  for (const { deployment, last } of await store.unfinishedRollouts()) {
    const key = lockKey(deployment.env, deployment.service);
    if (x.active.get(key)?.deploymentId === deployment.id) continue;
    const lock = await store.getLock(key);
    const live = lock !== undefined && lock.expiresAt > clock.now();
    if (live && !holderIsGone(lock.holder)) {
      reports.push({ deployment, action: 'skipped', detail: `still held by ${lock.holder}` });
      continue;
    }
    const who = `reconciler adopting deployment #${deployment.id}`;
    let lease: Lease | undefined;
    try {
      lease = live
        ? await Lease.takeOver(store, clock, key, lock.holder, who, x.deps.processId, x.leaseMs)
        : await Lease.acquire(store, clock, key, who, x.deps.processId, x.leaseMs);
    } catch (err) {
      reports.push({ deployment, action: 'skipped', detail: messageOf(err) });
      continue;
    }
    if (!lease) {
      reports.push({ deployment, action: 'skipped', detail: 'another process took it over first' });
      continue;
    }
    try {
      const from = live
        ? `its holder ${lock.holder} is gone`
        : `its lease lapsed${lock ? ` (${lock.holder})` : ''}`;
      const report = await recoverOne(x, deployment, lease, last, from);
      reports.push(report);
    } catch (err) {
      logger?.error(
        { err: messageOf(err), deploymentId: deployment.id },
        'recovery failed; retrying on the next pass',
      );
      reports.push({ deployment, action: 'failed', detail: messageOf(err) });
    } finally {
      await lease.release();
    }
  }
  return reports;
}

/**
 * Ends one orphaned rollout under `lease`: finishes it when the journal shows it verifying (or finalising)
 * at 100% on the new colour and the verification analysis passes; otherwise puts all traffic back on the
 * colour that was stable before it, verified on the ALB, and records it ABORTED with where it stopped.
 */
export async function recoverOne(
  x: Internals,
  deployment: Deployment,
  lease: Lease,
  last: JournalEntry | undefined,
  why = 'its process stopped',
): Promise<RecoveryReport> {
  const { deps } = x;
  const { route, ports } = resolve(x, deployment.env, deployment.service);
  const run = new Run(deployment, route, ports, deps.store, deps.clock, undefined, deps.logger, lease.token);
  run.continueAfter((await deps.store.journal(deployment.id)).at(-1)?.seq ?? 0);
  const stable = deployment.previousColour ?? (deployment.colour === 'blue' ? 'green' : 'blue');
  const before = await stateBefore(x, deployment);
  const where = `${last?.state ?? 'start'}${typeof last?.data.step === 'number' ? ` at ${last.data.step}%` : ''}`;
  const actual = await ports.traffic.readWeights(route);
  const onNew = sameWeights(actual, allOn(deployment.colour));
  if (
    deployment.strategy !== 'rollback' &&
    onNew &&
    (last?.state === 'verify' || last?.state === 'finalise')
  ) {
    const svc = serviceOf(deps.config, deployment.env, deployment.service);
    await run.journal('recover', {
      reason: `${why} during ${where}; finishing the verification`,
      at: actual,
    });
    const baseline: Baseline = { p99Ms: undefined, stableWindows: 0, stableBad: 0 };
    const verdict =
      last.state === 'finalise'
        ? ({ ok: true } as const)
        : await bake(
            run,
            deps,
            svc.analysis,
            deployment.colour,
            100,
            actual,
            svc.verifySeconds,
            baseline,
            lease.lost,
          );
    if (verdict.ok) {
      await run.journal('finalise', { stable: deployment.colour, standby: stable });
      const outcome = afterRelease(
        before,
        deployment.colour,
        deployment.version,
        deployment.id,
        deps.clock.now(),
        false,
      );
      const done = await run.finish('SUCCESS', `adopted after ${why}: verification passed`, outcome);
      return {
        deployment: done,
        action: 'finished',
        detail: `${why} during ${where}; verification passed, ${deployment.version} is live`,
      };
    }
    const reason = `adopted after ${why}: ${verdict.reason}`;
    const outcome = afterNoRelease(
      before,
      deployment.colour,
      deployment.version,
      deployment.id,
      deps.clock.now(),
      { verdict: 'failed', reason },
      false,
    );
    const done = await restoreStable(run, stable, 'ROLLED_BACK', reason, outcome);
    return { deployment: done, action: 'aborted', detail: reason };
  }
  const reason = `${why} during ${where}; recovered to 100% ${stable}`;
  const target = allOn(stable);
  await run.journal('recover', { reason, to: target });
  if (!sameWeights(actual, target)) await ports.traffic.setWeights(route, target, actual);
  const outcome = afterNoRelease(
    before,
    deployment.colour,
    deployment.version,
    deployment.id,
    deps.clock.now(),
    { verdict: 'unknown' },
    false,
  );
  const finished = await run.finish('ABORTED', reason, outcome);
  return { deployment: finished, action: 'aborted', detail: reason };
}

/** NOT_FOUND: nothing runs for the service. */
export function noRollout(env: string, service: string, what: string): JarvisError {
  return new JarvisError(
    'NOT_FOUND',
    `No rollout of ${service} in ${env} is in progress: nothing to ${what}.`,
    {
      resource: lockKey(env, service),
    },
  );
}
