import type { CoreV1Event, V1Deployment, V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { DeploymentState } from './types.js';

/** One container of a pod, flattened for diagnoses. */
export interface ContainerSummary {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  /** Which of the container's states is set now. */
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** Reason of the waiting or terminated state (CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error...). */
  reason?: string;
  message?: string;
  /** Exit code when the current state is terminated. */
  exitCode?: number;
  /** When the running instance started (ISO 8601). */
  startedAt?: string;
  /** How the previous instance ended: what a crash loop is diagnosed from. */
  lastTermination?: { reason?: string; exitCode: number; finishedAt?: string };
}

/** A pod, flattened: what diagnoses and status views need, without the spec. */
export interface PodSummary {
  name: string;
  namespace: string;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  phase: string;
  /** The pod's Ready condition is True. */
  ready: boolean;
  /** Sum of the containers' restart counts. */
  restarts: number;
  node?: string;
  ip?: string;
  labels: Record<string, string>;
  containers: ContainerSummary[];
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
  /** When the kubelet accepted the pod (ISO 8601); absent while unscheduled. */
  startTime?: string;
  createdAt?: string;
  /** A deletion was requested: the pod is terminating. */
  terminating: boolean;
  /** `Kind/name` of the controller that owns the pod, e.g. `ReplicaSet/checkout-blue-7d9f8c6b5`. */
  owner?: string;
}

/** An event, flattened. */
export interface EventSummary {
  /** Normal or Warning. */
  type: string;
  reason: string;
  message: string;
  /** How many times it happened (repeats are folded into one event). */
  count: number;
  involvedObject: { kind: string; name: string; fieldPath?: string };
  /** First and last occurrence (ISO 8601). */
  firstTimestamp?: string;
  lastTimestamp?: string;
  /** The component that reported it: kubelet, default-scheduler, deployment-controller... */
  source?: string;
}

const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined
    ? undefined
    : d instanceof Date
      ? Number.isNaN(d.getTime())
        ? undefined
        : d.toISOString()
      : d;

/** `T` with its possibly-undefined properties made optional instead. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops the keys whose value is undefined, for exactOptionalPropertyTypes-friendly objects. */
function defined<T extends object>(value: T): Defined<T> {
  // A plain loop: this runs for every pod and event of namespaces with tens of thousands of them.
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = value[key];
    if (v !== undefined) out[key] = v;
  }
  return out as Defined<T>;
}

/** The tag of an image reference (`repo:tag` → `tag`); undefined for a digest or no tag. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at === -1 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
}

/** A label selector as the `labelSelector` query parameter writes it. */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The DeploymentState of `container` in a Deployment. */
export function deploymentState(dep: V1Deployment, container: string): DeploymentState {
  const image = dep.spec?.template.spec?.containers.find((c) => c.name === container)?.image;
  const conditions = (dep.status?.conditions ?? []).map((c) =>
    defined({ type: c.type, status: c.status, reason: c.reason, message: c.message }),
  );
  return {
    namespace: dep.metadata?.namespace ?? '',
    name: dep.metadata?.name ?? '',
    image,
    version: image === undefined ? undefined : imageTag(image),
    replicas: dep.spec?.replicas ?? 1,
    generation: dep.metadata?.generation ?? 0,
    observedGeneration: dep.status?.observedGeneration ?? 0,
    updatedReplicas: dep.status?.updatedReplicas ?? 0,
    readyReplicas: dep.status?.readyReplicas ?? 0,
    availableReplicas: dep.status?.availableReplicas ?? 0,
    selector: selectorString(dep.spec?.selector),
    progressDeadlineExceeded: conditions.some(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    ),
    conditions,
  };
}

/** A PodSummary of a client-node V1Pod; containers without a status yet are listed from the spec. */
export function podSummary(pod: V1Pod): PodSummary {
  const containers = (pod.status?.containerStatuses ?? []).map((s): ContainerSummary => {
    const state: ContainerSummary['state'] = s.state?.running
      ? 'running'
      : s.state?.waiting
        ? 'waiting'
        : s.state?.terminated
          ? 'terminated'
          : 'unknown';
    const last = s.lastState?.terminated;
    return defined({
      name: s.name,
      image: s.image,
      ready: s.ready,
      restartCount: s.restartCount,
      state,
      reason: s.state?.waiting?.reason ?? s.state?.terminated?.reason,
      message: s.state?.waiting?.message ?? s.state?.terminated?.message,
      exitCode: s.state?.terminated?.exitCode,
      startedAt: iso(s.state?.running?.startedAt),
      lastTermination: last
        ? defined({ reason: last.reason, exitCode: last.exitCode, finishedAt: iso(last.finishedAt) })
        : undefined,
    });
  });
  // Containers without a status yet (unscheduled pods) are still listed, from the spec.
  for (const c of pod.spec?.containers ?? []) {
    if (!containers.some((s) => s.name === c.name)) {
      containers.push({
        name: c.name,
        image: c.image ?? '',
        ready: false,
        restartCount: 0,
        state: 'unknown',
      });
    }
  }
  const conditions = (pod.status?.conditions ?? []).map((c) =>
    defined({ type: c.type, status: c.status, reason: c.reason, message: c.message }),
  );
  const owner =
    pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  return defined({
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: containers.reduce((sum, c) => sum + c.restartCount, 0),
    node: pod.spec?.nodeName,
    ip: pod.status?.podIP,
    labels: { ...pod.metadata?.labels },
    containers,
    conditions,
    startTime: iso(pod.status?.startTime),
    createdAt: iso(pod.metadata?.creationTimestamp),
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    owner: owner ? `${owner.kind}/${owner.name}` : undefined,
  });
}

/** An EventSummary of a CoreV1Event, falling back to eventTime/series for events.k8s.io-style events. */
export function eventSummary(e: CoreV1Event): EventSummary {
  return defined({
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? e.series?.count ?? 1,
    involvedObject: defined({
      kind: e.involvedObject.kind ?? '',
      name: e.involvedObject.name ?? '',
      fieldPath: e.involvedObject.fieldPath,
    }),
    firstTimestamp: iso(e.firstTimestamp ?? e.eventTime),
    lastTimestamp: iso(e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime),
    source: e.source?.component ?? e.reportingComponent,
  });
}
