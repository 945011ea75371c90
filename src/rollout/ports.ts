import type { Clock } from '../clock.js';
import type { LoadedConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { MetricsProvider } from '../platform/metrics/provider.js';
import type { NodeSummary } from '../platform/kube-nodes.js';
import type { ScalingPolicies } from '../platform/kube-policies.js';
import type { EventSummary, PodSummary } from '../platform/kube-types.js';
import type { DeploymentState, ServiceRoute, TargetHealthEntry, Weights } from '../platform/types.js';
import type { Store } from '../store/store.js';
import type { EvidenceReport, EvidenceRequest } from '../evidence/types.js';

/** What the engine needs of the load balancer (AlbAdapter implements it). */
export interface TrafficPort {
  readWeights(route: ServiceRoute): Promise<Weights>;
  /** Writes `desired` when the ALB holds `expected`, verified by reading back; refuses on drift. */
  setWeights(
    route: ServiceRoute,
    desired: Weights,
    expected: Weights,
  ): Promise<{ changed: boolean; weights: Weights }>;
  targetHealth(targetGroupArn: string): Promise<TargetHealthEntry[]>;
}

/** What the engine needs of the cluster (KubeAdapter implements it). */
export interface WorkloadPort {
  getDeployment(namespace: string, name: string, container: string): Promise<DeploymentState>;
  setImageAndReplicas(
    namespace: string,
    name: string,
    container: string,
    image: string,
    replicas: number,
  ): Promise<{ changed: boolean; state: DeploymentState }>;
  waitForRollout(
    namespace: string,
    name: string,
    container: string,
    opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
  ): Promise<DeploymentState>;
}

/**
 * What read-only callers (status, diagnoses, metrics) may do on an environment's platform: read weights,
 * target health, Deployments, pods, logs and events. Nothing here writes; the adapters implement it.
 */
export interface PlatformReader {
  readWeights(route: ServiceRoute): Promise<Weights>;
  targetHealth(targetGroupArn: string): Promise<TargetHealthEntry[]>;
  getDeployment(namespace: string, name: string, container: string): Promise<DeploymentState>;
  /** Pods matching a label selector, paged; `truncated` when more exist than `max`. (Diagnoses.) */
  listPods(
    namespace: string,
    labelSelector: string,
    opts?: { pageSize?: number; max?: number },
  ): Promise<{ pods: PodSummary[]; truncated: boolean }>;
  /** The bounded tail of a container's log; untrusted text. (Diagnoses.) */
  podLogs(
    namespace: string,
    pod: string,
    opts?: { container?: string; tailLines?: number; limitBytes?: number; previous?: boolean },
  ): Promise<string>;
  /** Events of a namespace, narrowed by field selectors, most recent first. (Diagnoses.) */
  events(
    namespace: string,
    opts?: {
      kind?: string;
      name?: string;
      type?: 'Normal' | 'Warning';
      pageSize?: number;
      max?: number;
    },
  ): Promise<{ events: EventSummary[]; truncated: boolean }>;
  /** The cluster's nodes with their conditions; absent where the reader cannot list them. (Diagnoses.) */
  nodes?(): Promise<NodeSummary[]>;
  /** The namespace's HPAs and PDBs; absent where the reader cannot list them. (Diagnoses.) */
  scalingPolicies?(namespace: string): Promise<ScalingPolicies>;
}

/** The adapters of one environment (its region's ALB, its cluster). */
export interface EnvironmentPorts {
  traffic: TrafficPort;
  workloads: WorkloadPort;
}

/** Release evidence of a version (image, scan, CI) as the environment requires it; never rejects upstream. */
export interface EvidencePort {
  collect(req: EvidenceRequest): Promise<EvidenceReport>;
}

export interface RolloutDeps {
  config: LoadedConfig;
  /** The adapters of an environment; throws NOT_FOUND for an unknown one. */
  ports: (env: string) => EnvironmentPorts;
  /** The read-only view of an environment's platform, for reads; throws NOT_FOUND for an unknown one. */
  reader: (env: string) => PlatformReader;
  metrics: MetricsProvider;
  /** The evidence gate of the pre-checks; undefined: no evidence is gathered (nothing is required). */
  evidence?: EvidencePort;
  store: Store;
  clock: Clock;
  logger?: Logger;
  /** Identifies this process in lock holders, e.g. `host:pid`. */
  processId: string;
  /** Lease of a rollout lock in clock milliseconds; renewed at a third of it. Default 120 s. */
  leaseMs?: number;
  /** How often target health is polled while preparing, in clock milliseconds. Default 2 s. */
  pollMs?: number;
  /** How often a running rollout looks for commands queued by other processes, in real ms. Default 250. */
  commandPollMs?: number;
}
