import { serviceOf } from '../config.js';
import { JarvisError, isJarvisError } from '../errors.js';
import {
  otherColour,
  routeOf,
  type Colour,
  type DeploymentState,
  type ServiceRoute,
} from '../platform/types.js';
import { lockKey, type Deployment, type ReleaseState } from '../store/store.js';
import type { RolloutControl } from './control.js';
import { holderIsGone, Lease } from './lease.js';
import type { EnvironmentPorts, RolloutDeps } from './ports.js';
import { reconcileState, rebuildState } from './release-state.js';

/**
 * What the rollout service's flows share. It stays inside src/rollout: nothing outside reads the
 * service's dependencies (STYLE.md, "a service keeps its dependencies private").
 */
export interface Internals {
  deps: RolloutDeps;
  leaseMs: number;
  /** Rollouts this process runs now, by lock key. */
  active: Map<string, RolloutControl>;
}

/** A version is an image tag: what registries accept, nothing that could smuggle a path or digest. */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function checkVersion(env: string, service: string, version: string): void {
  if (!VERSION.test(version)) {
    throw new JarvisError(
      'INVALID_INPUT',
      `"${version}" is not a valid version (an image tag such as 1.3.0).`,
      {
        resource: `${env}/${service}`,
      },
    );
  }
}

/** The service's route and its environment's adapters; NOT_FOUND for unknown names. */
export function resolve(
  x: Internals,
  env: string,
  service: string,
): { route: ServiceRoute; ports: EnvironmentPorts } {
  serviceOf(x.deps.config, env, service);
  return { route: routeOf(x.deps.config, env, service), ports: x.deps.ports(env) };
}

/** Holds the service's lock around `work`; LOCKED when another rollout holds it. */
export async function withLease<T>(
  x: Internals,
  env: string,
  service: string,
  who: string,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const lease = await takeLease(x, lockKey(env, service), who);
  try {
    return await work(lease);
  } finally {
    await lease.release();
  }
}

/**
 * The lease on `key`: a free or lapsed one, or a live one whose holder is provably gone (a process killed
 * on this host), taken over with a new fencing token. LOCKED when a live process holds it.
 */
async function takeLease(x: Internals, key: string, who: string): Promise<Lease> {
  const { store, clock, processId } = x.deps;
  try {
    return await Lease.acquire(store, clock, key, who, processId, x.leaseMs);
  } catch (err) {
    const holder = isJarvisError(err) && err.code === 'LOCKED' ? err.details.facts?.holder : undefined;
    if (typeof holder !== 'string' || !holderIsGone(holder)) throw err;
    const lease = await Lease.takeOver(store, clock, key, holder, who, processId, x.leaseMs);
    if (!lease) throw err;
    return lease;
  }
}

/** Both colours' Deployments. */
export async function colourStates(
  route: ServiceRoute,
  ports: { getDeployment: EnvironmentPorts['workloads']['getDeployment'] },
): Promise<Record<Colour, DeploymentState>> {
  const [blue, green] = await Promise.all(
    (['blue', 'green'] as const).map((c) =>
      ports.getDeployment(route.namespace, route.deployments[c], route.container),
    ),
  );
  return { blue: blue!, green: green! };
}

/**
 * The release state as it stands: the recorded one checked against the ALB and the Deployments, or
 * rebuilt read-only from them when none is recorded. Reads only. CONFLICT when traffic is split.
 */
export async function currentState(
  x: Internals,
  route: ServiceRoute,
  read: {
    readWeights: EnvironmentPorts['traffic']['readWeights'];
    getDeployment: EnvironmentPorts['workloads']['getDeployment'];
  },
): Promise<{ state: ReleaseState; states: Record<Colour, DeploymentState> }> {
  const { store, clock } = x.deps;
  const [weights, states, recorded, verdicts] = await Promise.all([
    read.readWeights(route),
    colourStates(route, read),
    store.getReleaseState(route.env, route.service),
    store.versionVerdicts(route.env, route.service),
  ]);
  const rebuilt = rebuildState(route.env, route.service, weights, states, verdicts, clock.now());
  return { state: reconcileState(recorded, rebuilt, verdicts), states };
}

/**
 * The state a crashed rollout started from, without reading the ALB (traffic may be split): the recorded
 * state, or the deployment's own record of the colour and version that were live.
 */
export async function stateBefore(x: Internals, d: Deployment): Promise<ReleaseState> {
  const recorded = await x.deps.store.getReleaseState(d.env, d.service);
  const stable = d.previousColour ?? otherColour(d.colour);
  if (recorded && recorded.live.colour === stable) return recorded;
  return {
    env: d.env,
    service: d.service,
    live: { colour: stable, version: d.previousVersion, verdict: 'unknown' },
    standby: { colour: otherColour(stable), version: undefined, verdict: 'unknown' },
    updatedAt: x.deps.clock.now(),
    source: 'rebuilt',
  };
}

/** The RUNNING deployment of the service, if any. */
export async function runningOf(x: Internals, env: string, service: string): Promise<Deployment | undefined> {
  return (await x.deps.store.runningDeployments()).find((d) => d.env === env && d.service === service);
}
