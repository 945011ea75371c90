import type { Clock } from '../../../../src/clock.js';
import type { VersionProfile } from '../scenarios.js';
import { reconcileDeployment, type DeploymentContext } from './deployments.js';
import { TimerHeap } from './heap.js';
import { podLog, type LogOptions } from './logs.js';
import { clone } from './meta.js';
import {
  buildDeployment,
  buildIngress,
  checkMetadata,
  validateDeployment,
  type DeploymentSeed,
  type IngressSeed,
} from './objects.js';
import { isReady } from './pod-status.js';
import { stepPod } from './pod-lifecycle.js';
import { populate, type PopulateOptions, type PopulateResult } from './populate.js';
import { ClusterState, type NamespaceState, type PodRecord, type SimNode } from './state.js';
import { notFound } from './status.js';
import type { Deployment, Ingress, Pod } from './types.js';

export type { PopulateOptions, PopulateResult } from './populate.js';

/** A pod as the rest of the sandbox (target health, traffic) sees it. */
export interface SimPod {
  name: string;
  /** Pod IP; undefined until the pod's sandbox exists (never for an unschedulable pod). */
  ip: string | undefined;
  ready: boolean;
  phase: string;
  /** Image of the container whose version decides the pod's behaviour. */
  image: string;
  /** Simulated seconds since the current container instance started (or since creation when none did). */
  sinceStartSeconds: number;
  restarts: number;
  /** Waiting or terminated reason of that container (CrashLoopBackOff, ImagePullBackOff...), if any. */
  reason: string | undefined;
  node: string | undefined;
}

type Task =
  | { kind: 'pod'; cluster: string; rec: PodRecord; token: number }
  | { kind: 'deployment'; cluster: string; namespace: string; name: string };

/** How long before start-up the seeded workloads were deployed: they are settled when the sandbox opens. */
const SEED_AGE_MS = 2 * 3600 * 1000;

/**
 * The Kubernetes side of the sandbox: clusters, namespaces, Deployments with their ReplicaSets and pods,
 * events and Ingresses, stored as the API server's JSON. Time is simulated lazily: every read or write
 * first plays all that was due up to `clock.now()` (pods starting, crashing, becoming Ready; the
 * Deployment controller rolling out; progress deadlines expiring), in time order.
 */
export class KubeSimulation {
  private readonly clusters = new Map<string, ClusterState>();
  private readonly timers = new TimerHeap<Task>();
  private readonly contexts = new WeakMap<NamespaceState, DeploymentContext>();

  constructor(
    private readonly clock: Clock,
    private readonly profile: (version: string) => VersionProfile,
  ) {}

  ensureCluster(cluster: string): void {
    if (!this.clusters.has(cluster)) this.clusters.set(cluster, new ClusterState(cluster));
  }

  ensureNamespace(cluster: string, namespace: string): void {
    this.ensureCluster(cluster);
    this.cluster(cluster).namespace(namespace);
  }

  /** Creates a Deployment as deployed a while ago; with a good version its pods are Ready at once. */
  seedDeployment(cluster: string, namespace: string, spec: DeploymentSeed): void {
    this.advance();
    const c = this.cluster(cluster);
    const ns = c.namespace(namespace);
    const at = this.clock.now() - SEED_AGE_MS;
    const dep = buildDeployment(namespace, spec, at, c.nextRv());
    ns.deployments.set(spec.name, { dep, replicaSets: new Map(), token: 0, lastProgressAt: at });
    this.timers.push(at, { kind: 'deployment', cluster, namespace, name: spec.name });
    this.advance();
  }

  seedIngress(cluster: string, namespace: string, spec: IngressSeed): void {
    const c = this.cluster(cluster);
    const at = this.clock.now();
    c.namespace(namespace).ingresses.set(spec.name, {
      ingress: buildIngress(namespace, spec, at - SEED_AGE_MS, c.nextRv()),
      updatedAt: at - SEED_AGE_MS,
    });
  }

  /** The live (not terminating) pods of a Deployment: Ready ones first, then the newest first. */
  podsOf(cluster: string, namespace: string, deployment: string): SimPod[] {
    this.advance();
    const ns = this.clusters.get(cluster)?.namespaces.get(namespace);
    if (!ns) return [];
    const now = this.clock.now();
    return ns
      .podsOfDeployment(deployment)
      .filter((p) => p.stage !== 'terminating' && p.stage !== 'gone')
      .sort((a, b) => Number(isReady(b.pod)) - Number(isReady(a.pod)) || b.createdAt - a.createdAt)
      .map((rec) => simPod(rec, now));
  }

  /** Annotations of an Ingress and when they last changed (clock ms); undefined when it does not exist. */
  ingress(
    cluster: string,
    namespace: string,
    name: string,
  ): { annotations: Record<string, string>; updatedAt: number } | undefined {
    const rec = this.clusters.get(cluster)?.namespaces.get(namespace)?.ingresses.get(name);
    if (!rec) return undefined;
    return { annotations: { ...rec.ingress.metadata.annotations }, updatedAt: rec.updatedAt };
  }

  /** Bulk-fills a namespace with settled pods and events for scale tests; see {@link populate}. */
  populate(cluster: string, namespace: string, opts: PopulateOptions): PopulateResult {
    this.advance();
    const c = this.cluster(cluster);
    return populate(this.context(c, c.namespace(namespace)), this.clock.now(), opts);
  }

  /** The namespace after playing time up to now; undefined when it does not exist. */
  /** The nodes of a cluster (none for an unknown one); scenarios change their conditions in place. */
  nodes(cluster: string): SimNode[] {
    return this.clusters.get(cluster)?.nodes ?? [];
  }

  namespace(cluster: string, namespace: string): NamespaceState | undefined {
    this.advance();
    return this.clusters.get(cluster)?.namespaces.get(namespace);
  }

  /** Names of the namespaces that hold simulated objects in `cluster` (none for an unknown cluster). */
  namespaceNames(cluster: string): string[] {
    return [...(this.clusters.get(cluster)?.namespaces.keys() ?? [])];
  }

  /** The cluster's current resourceVersion, for list metadata. */
  resourceVersion(cluster: string): string {
    return this.cluster(cluster).currentRv();
  }

  /** A Deployment's JSON (live object: clone before changing it); throws a 404 KubeApiError when absent. */
  deployment(cluster: string, namespace: string, name: string): Deployment {
    const rec = this.namespace(cluster, namespace)?.deployments.get(name);
    if (!rec) throw notFound('Deployment', name);
    return rec.dep;
  }

  /**
   * Stores `next` as the new state of a Deployment after validating it (422 on invalid specs); a spec
   * change bumps the generation, and the controller acts on it as soon as time is next played.
   */
  updateDeployment(cluster: string, namespace: string, name: string, next: Deployment): Deployment {
    const current = this.deployment(cluster, namespace, name);
    validateDeployment(current, next);
    const rec = this.namespace(cluster, namespace)!.deployments.get(name)!;
    const stored: Deployment = {
      ...next,
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        ...next.metadata,
        uid: current.metadata.uid,
        namespace,
        creationTimestamp: current.metadata.creationTimestamp,
      },
      status: clone(current.status),
    };
    const specChanged = JSON.stringify(stored.spec) !== JSON.stringify(current.spec);
    stored.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (JSON.stringify(stored) === JSON.stringify(current)) return current;
    stored.metadata.resourceVersion = this.cluster(cluster).nextRv();
    rec.dep = stored;
    if (specChanged) this.timers.push(this.clock.now(), { kind: 'deployment', cluster, namespace, name });
    return stored;
  }

  /** An Ingress's JSON; throws a 404 KubeApiError when absent. */
  getIngress(cluster: string, namespace: string, name: string): Ingress {
    const rec = this.namespace(cluster, namespace)?.ingresses.get(name);
    if (!rec) throw notFound('Ingress', name);
    return rec.ingress;
  }

  /** Stores a patched Ingress; a change of its annotations moves `updatedAt` to now. */
  updateIngress(cluster: string, namespace: string, name: string, next: Ingress): Ingress {
    const current = this.getIngress(cluster, namespace, name);
    checkMetadata('Ingress', current.metadata, next);
    const rec = this.namespace(cluster, namespace)!.ingresses.get(name)!;
    const stored: Ingress = {
      ...next,
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...next.metadata,
        uid: current.metadata.uid,
        namespace,
        creationTimestamp: current.metadata.creationTimestamp,
      },
      status: clone(current.status),
    };
    const specChanged = JSON.stringify(stored.spec) !== JSON.stringify(current.spec);
    stored.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (JSON.stringify(stored) === JSON.stringify(current)) return current;
    stored.metadata.resourceVersion = this.cluster(cluster).nextRv();
    if (
      JSON.stringify(stored.metadata.annotations ?? {}) !== JSON.stringify(current.metadata.annotations ?? {})
    ) {
      rec.updatedAt = this.clock.now();
    }
    rec.ingress = stored;
    return stored;
  }

  /** A pod's JSON; throws a 404 KubeApiError when absent. */
  pod(cluster: string, namespace: string, name: string): Pod {
    const pod = this.namespace(cluster, namespace)?.pods.get(name);
    if (!pod) throw notFound('Pod', name);
    return pod;
  }

  /** A container's log as text; throws 404 for an unknown pod and 400 for a container without one. */
  podLog(cluster: string, namespace: string, name: string, opts: LogOptions): string {
    const rec = this.namespace(cluster, namespace)?.podRecords.get(name);
    if (!rec) throw notFound('Pod', name);
    return podLog(rec, this.clock.now(), opts);
  }

  /** Plays every due happening, in time order, up to now. */
  advance(): void {
    const now = this.clock.now();
    while (this.timers.peekTime() <= now) {
      const { at, value } = this.timers.pop()!;
      const c = this.clusters.get(value.cluster);
      if (!c) continue;
      if (value.kind === 'pod') {
        if (value.token !== value.rec.token) continue;
        stepPod(this.context(c, c.namespace(value.rec.namespace)), value.rec, at, now);
      } else {
        const ns = c.namespace(value.namespace);
        const rec = ns.deployments.get(value.name);
        if (rec) reconcileDeployment(this.context(c, ns), rec, at);
      }
    }
  }

  private cluster(name: string): ClusterState {
    const c = this.clusters.get(name);
    if (!c) throw notFound('Cluster', name);
    return c;
  }

  private context(cluster: ClusterState, ns: NamespaceState): DeploymentContext {
    let ctx = this.contexts.get(ns);
    if (!ctx) {
      ctx = {
        cluster,
        ns,
        profile: this.profile,
        wake: (rec, at) =>
          this.timers.push(at, { kind: 'pod', cluster: cluster.name, rec, token: rec.token }),
        changed: (rec, at) => {
          if (rec.deployment !== undefined) {
            this.timers.push(at, {
              kind: 'deployment',
              cluster: cluster.name,
              namespace: ns.name,
              name: rec.deployment,
            });
          }
        },
        wakeDeployment: (name, at) =>
          this.timers.push(at, { kind: 'deployment', cluster: cluster.name, namespace: ns.name, name }),
      };
      this.contexts.set(ns, ctx);
    }
    return ctx;
  }
}

function simPod(rec: PodRecord, now: number): SimPod {
  const pod = rec.pod;
  const status = pod.status.containerStatuses?.find((c) => c.name === rec.primary);
  const image = status?.image ?? pod.spec.containers.find((c) => c.name === rec.primary)?.image ?? '';
  return {
    name: pod.metadata.name,
    ip: pod.status.podIP,
    ready: isReady(pod),
    phase: pod.status.phase,
    image,
    sinceStartSeconds: Math.max(0, (now - (rec.runningSince ?? rec.createdAt)) / 1000),
    restarts: status?.restartCount ?? 0,
    reason: status?.state.waiting?.reason ?? status?.state.terminated?.reason,
    node: pod.spec.nodeName,
  };
}
