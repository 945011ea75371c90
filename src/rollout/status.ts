import { lockKey, type Deployment } from '../store/store.js';
import type { Colour, Weights } from '../platform/types.js';
import type { RolloutEngine } from './engine.js';

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
}

/** A read-only picture of one service: weights, what each colour runs, target health, rollout in progress. */
export async function serviceStatus(
  engine: RolloutEngine,
  env: string,
  service: string,
): Promise<ServiceStatus> {
  const { route, ports } = engine.resolve(env, service);
  const { store, clock } = engine.deps;
  const weights = await ports.traffic.readWeights(route);
  const colour = async (c: Colour): Promise<ColourStatus> => {
    const [state, targets] = await Promise.all([
      ports.workloads.getDeployment(route.namespace, route.deployments[c], route.container),
      ports.traffic.targetHealth(route.targetGroups[c]),
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
  const [blue, green, running, lock] = await Promise.all([
    colour('blue'),
    colour('green'),
    store.runningDeployments().then((all) => all.find((d) => d.env === env && d.service === service)),
    store.getLock(lockKey(env, service)),
  ]);
  const live =
    lock && lock.expiresAt > clock.now() ? { holder: lock.holder, expiresAt: lock.expiresAt } : undefined;
  return { env, service, weights, colours: { blue, green }, running, lock: live };
}
