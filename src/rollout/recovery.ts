import { messageOf } from '../errors.js';
import { lockKey, type Deployment } from '../store/store.js';
import type { RolloutEngine } from './engine.js';
import { allOn, sameWeights } from './phases.js';
import { Run } from './run.js';

export interface RecoveryReport {
  deployment: Deployment;
  action: 'aborted' | 'skipped' | 'failed';
  detail: string;
}

/**
 * Start-up reconciliation: expires stale locks, then ends every rollout the journal shows unfinished and
 * whose lock is no longer held (its process died). Traffic is put back on the colour that was stable
 * before it, verified on the ALB, and the deployment is recorded ABORTED with where it stopped. A rollout
 * whose lease is still live belongs to a running process and is left alone.
 */
export async function recover(engine: RolloutEngine): Promise<RecoveryReport[]> {
  const { store, clock, logger } = engine.deps;
  await store.expireStaleLocks(clock.now());
  const reports: RecoveryReport[] = [];
  for (const { deployment, last } of await store.unfinishedRollouts()) {
    const key = lockKey(deployment.env, deployment.service);
    const lock = await store.getLock(key);
    if (lock && lock.expiresAt > clock.now()) {
      reports.push({ deployment, action: 'skipped', detail: `still held by ${lock.holder}` });
      continue;
    }
    try {
      reports.push(await abortUnfinished(engine, deployment, last?.state, last?.data));
    } catch (err) {
      logger?.error({ err, deploymentId: deployment.id }, 'recovery failed');
      reports.push({ deployment, action: 'failed', detail: messageOf(err) });
    }
  }
  return reports;
}

async function abortUnfinished(
  engine: RolloutEngine,
  deployment: Deployment,
  state: string | undefined,
  data: Record<string, unknown> | undefined,
): Promise<RecoveryReport> {
  const { deps } = engine;
  const { route, ports } = engine.resolve(deployment.env, deployment.service);
  // The colour that held all traffic before this rollout; a rollback's "previous" is the one it left.
  const stable = deployment.previousColour ?? (deployment.colour === 'blue' ? 'green' : 'blue');
  const reason = `process stopped during ${state ?? 'start'}${typeof data?.step === 'number' ? ` at ${data.step}%` : ''}; recovered to 100% ${stable}`;
  return engine.withLock(
    deployment.env,
    deployment.service,
    `recovery of deployment #${deployment.id}`,
    async () => {
      const run = new Run(deployment, route, ports, deps.store, deps.clock, undefined, deps.logger);
      run.continueAfter((await deps.store.journal(deployment.id)).at(-1)?.seq ?? 0);
      const target = allOn(stable);
      await run.journal('recover', { reason, to: target });
      const actual = await ports.traffic.readWeights(route);
      if (!sameWeights(actual, target)) await ports.traffic.setWeights(route, target, actual);
      const finished = await run.finish('ABORTED', reason);
      return { deployment: finished, action: 'aborted', detail: reason };
    },
  );
}
