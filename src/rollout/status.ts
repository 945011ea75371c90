import { messageOf } from '../errors.js';
import type { Colour, Weights } from '../platform/types.js';
import { lockKey, type Deployment, type ReleaseState } from '../store/store.js';
import type { RolloutService } from './service.js';

export interface ColourStatus {
  colour: Colour;
  deployment: string;
  version: string | undefined;
  replicas: number;
  readyReplicas: number;
  weight: number;
  /** stable: all traffic; standby: none, kept for rollback; canary: part of the traffic. */
  role: 'stable' | 'standby' | 'canary';
  targets: { healthy: number; total: number; problems: string[] };
}

export interface ServiceStatus {
  env: string;
  service: string;
  weights: Weights;
  colours: Record<Colour, ColourStatus>;
  /** The rollout in progress, if any. */
  running: Deployment | undefined;
  lock: { holder: string; expiresAt: number } | undefined;
  /** What Jarvis knows for sure (live, standby and their verdicts); undefined while traffic is split. */
  release: ReleaseState | undefined;
  /** Why the release state could not be worked out, when it could not. */
  releaseProblem?: string;
}

/**
 * A read-only picture of one service: weights, what each colour runs, target health, the release state
 * and the rollout in progress. Reads only: no lock, no recovery, no write.
 */
export async function serviceStatus(
  rollouts: RolloutService,
  store: { getLock(key: string): Promise<{ holder: string; expiresAt: number } | undefined> },
  now: number,
  env: string,
  service: string,
): Promise<ServiceStatus> {
  const route = rollouts.route(env, service);
  const reader = rollouts.reader(env);
  const weights = await reader.readWeights(route);
  const colour = async (c: Colour): Promise<ColourStatus> => {
    const [state, targets] = await Promise.all([
      reader.getDeployment(route.namespace, route.deployments[c], route.container),
      reader.targetHealth(route.targetGroups[c]),
    ]);
    const problems = [
      ...new Set(
        targets
          .filter((t) => t.state !== 'healthy')
          .map((t) => `${t.id} ${t.state}${t.reason ? ` (${t.reason})` : ''}`),
      ),
    ].slice(0, 5);
    return {
      colour: c,
      deployment: route.deployments[c],
      version: state.version,
      replicas: state.replicas,
      readyReplicas: state.readyReplicas,
      weight: weights[c],
      role: weights[c] === 100 ? 'stable' : weights[c] === 0 ? 'standby' : 'canary',
      targets: {
        healthy: targets.filter((t) => t.state === 'healthy').length,
        total: targets.length,
        problems,
      },
    };
  };
  const [blue, green, running, lock, release] = await Promise.all([
    colour('blue'),
    colour('green'),
    rollouts.running(env, service),
    store.getLock(lockKey(env, service)),
    rollouts.releaseState(env, service).then(
      (state) => ({ state }),
      (err: unknown) => ({ problem: messageOf(err) }),
    ),
  ]);
  const live = lock && lock.expiresAt > now ? { holder: lock.holder, expiresAt: lock.expiresAt } : undefined;
  return {
    env,
    service,
    weights,
    colours: { blue, green },
    running,
    lock: live,
    release: 'state' in release ? release.state : undefined,
    ...('problem' in release ? { releaseProblem: release.problem } : {}),
  };
}
