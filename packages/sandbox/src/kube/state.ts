import type { VersionProfile } from '../scenarios.js';
import { Collection } from './collection.js';
import { EventLog } from './events.js';
import type { Deployment, Ingress, Pod, PodTemplate } from './types.js';

/** Where a pod is in its simulated life; drives the status written to its JSON. */
export type PodStage =
  | 'unschedulable'
  | 'scheduled'
  | 'pulling'
  | 'pull-failed'
  | 'pull-backoff'
  | 'config-error'
  | 'starting'
  | 'running'
  | 'crashed'
  | 'crash-backoff'
  | 'ready'
  | 'terminating'
  | 'gone';

/** The simulation's bookkeeping for one pod beside its served JSON. */
export interface PodRecord {
  pod: Pod;
  namespace: string;
  /** The owning Deployment, when a Deployment controls the pod. */
  deployment: string | undefined;
  /** The container whose image decides the pod's behaviour (the first with a faulty version, else the first). */
  primary: string;
  profile: VersionProfile;
  createdAt: number;
  stage: PodStage;
  /** Bumped whenever the pod is rescheduled; timer entries carrying an older value are stale. */
  token: number;
  restarts: number;
  pullAttempts: number;
  /** When the running container instance started (clock ms). */
  runningSince: number | undefined;
  /**
   * Start and end (clock ms) of the container instance that ended last: what `previous=true` reads, and
   * where the current instance's log stops while it waits to be restarted.
   */
  lastRun: { start: number; end: number } | undefined;
  readyAt: number | undefined;
  lastProbeAt: number | undefined;
  lastScheduleAttemptAt: number | undefined;
}

/** A ReplicaSet of a Deployment: kept by the controller, served read-only (see replicasets.ts). */
export interface ReplicaSetRecord {
  name: string;
  uid: string;
  /** Clock ms of its creation. */
  createdAt?: number;
  hash: string;
  revision: number;
  replicas: number;
  template: PodTemplate;
}

/** A Deployment as served, with the controller's own bookkeeping. */
export interface DeploymentRecord {
  dep: Deployment;
  replicaSets: Map<string, ReplicaSetRecord>;
  token: number;
  /** Clock ms of the last progress, from which the progress deadline is counted. */
  lastProgressAt: number;
}

/** An Ingress as served, with when its annotations last changed. */
export interface IngressRecord {
  ingress: Ingress;
  /** Clock ms of the last change of its annotations. */
  updatedAt: number;
}

/** The objects of one namespace, indexed for the API and the controller. */
export class NamespaceState {
  readonly pods = new Collection<Pod>();
  readonly podRecords = new Map<string, PodRecord>();
  /** Names of the pods of each Deployment. */
  readonly podsByDeployment = new Map<string, Set<string>>();
  readonly deployments = new Map<string, DeploymentRecord>();
  readonly ingresses = new Map<string, IngressRecord>();
  readonly events: EventLog;

  constructor(
    readonly name: string,
    nextRv: () => string,
  ) {
    this.events = new EventLog(name, nextRv);
  }

  addPod(rec: PodRecord): void {
    this.pods.set(rec.pod);
    this.podRecords.set(rec.pod.metadata.name, rec);
    if (rec.deployment !== undefined) {
      let names = this.podsByDeployment.get(rec.deployment);
      if (!names) this.podsByDeployment.set(rec.deployment, (names = new Set()));
      names.add(rec.pod.metadata.name);
    }
  }

  removePod(rec: PodRecord): void {
    const name = rec.pod.metadata.name;
    this.pods.delete(name);
    this.podRecords.delete(name);
    if (rec.deployment !== undefined) this.podsByDeployment.get(rec.deployment)?.delete(name);
  }

  /** Pod records of a Deployment (terminating ones included). */
  podsOfDeployment(deployment: string): PodRecord[] {
    const out: PodRecord[] = [];
    for (const name of this.podsByDeployment.get(deployment) ?? []) {
      const rec = this.podRecords.get(name);
      if (rec) out.push(rec);
    }
    return out;
  }
}

/** A node of a simulated cluster. */
export interface SimNode {
  name: string;
  ip: string;
  /** Conditions set by a scenario (`Ready`, `MemoryPressure`...); the rest are healthy. */
  conditions?: Record<string, { status: 'True' | 'False' | 'Unknown'; reason: string; message: string }>;
}

/** One simulated cluster: its namespaces, nodes, resourceVersion counter and pod IPs. */
export class ClusterState {
  readonly namespaces = new Map<string, NamespaceState>();
  readonly nodes: SimNode[] = [1, 2, 3].map((i) => ({
    name: `ip-10-0-${i * 16}-${10 + i}.compute.internal`,
    ip: `10.0.${i * 16}.${10 + i}`,
  }));
  private rv = 1000;
  private ips = 0;
  private nodeTurn = 0;

  constructor(readonly name: string) {}

  /** The next resourceVersion: one counter per cluster, as etcd's revision. */
  readonly nextRv = (): string => String(++this.rv);

  currentRv(): string {
    return String(this.rv);
  }

  /** A pod IP in 10.1.0.0/16 and up, never reused. */
  nextIp(): string {
    const n = 256 + this.ips++;
    return `10.${1 + ((n >> 16) & 0x7f)}.${(n >> 8) & 255}.${n & 255}`;
  }

  nextNode(): SimNode {
    return this.nodes[this.nodeTurn++ % this.nodes.length]!;
  }

  namespace(name: string): NamespaceState {
    let ns = this.namespaces.get(name);
    if (!ns) this.namespaces.set(name, (ns = new NamespaceState(name, this.nextRv)));
    return ns;
  }
}
