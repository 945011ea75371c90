import { tagOf, type VersionProfile } from '../scenarios.js';
import type { InvolvedObject } from './events.js';
import { newUid, ts } from './meta.js';
import { initialStatuses, setCondition, syncReadiness } from './pod-status.js';
import type { ClusterState, NamespaceState, PodRecord } from './state.js';
import type { Container, OwnerReference, Pod, PodTemplate } from './types.js';

/** What the pod lifecycle needs from the simulation around it. */
export interface PodContext {
  cluster: ClusterState;
  ns: NamespaceState;
  profile(version: string): VersionProfile;
  /** Asks for `stepPod(rec)` at simulated time `at`. */
  wake(rec: PodRecord, at: number): void;
  /** The pod's readiness or existence changed at `at`: its owner reconciles. */
  changed(rec: PodRecord, at: number): void;
}

/** Simulated durations of a pod's life, in clock milliseconds. */
export const S = 1000;
export const PULL_AFTER = 0.5 * S;
export const PULL_TAKES = 1.5 * S;
export const BACKOFF_NOTICED = 2 * S;
export const CRASH_AFTER = 3 * S;
export const OOM_AFTER = 6 * S;
export const PROBE_DELAY = 5 * S;
export const PROBE_PERIOD = 10 * S;
export const SCHEDULE_RETRY = 60 * S;
const GRACE = 3 * S;
export const UNSCHEDULABLE = '0/3 nodes are available: 3 Insufficient cpu.';

/** Kubelet's back-off: 10 s doubling per restart, capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempt - 1), 300) * S;
}

/** A duration as Go prints it, the way kubelet's messages show back-offs: `10s`, `2m40s`, `5m0s`. */
export function goDuration(ms: number): string {
  const seconds = Math.round(ms / S);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** The behaviour a container's image gives it; a missing tag behaves like a missing image. */
function profileOfContainer(ctx: PodContext, c: Container): VersionProfile {
  return ctx.profile(tagOf(c.image) ?? 'latest');
}

/** What a pod is created from: its name, template, labels and owner. */
export interface NewPod {
  name: string;
  template: PodTemplate;
  labels: Record<string, string>;
  owner: OwnerReference | undefined;
  deployment: string | undefined;
  at: number;
}

/** Creates a pod from a template at `at`, schedules it (or fails to), and stores it. */
export function createPod(ctx: PodContext, spec: NewPod): PodRecord {
  const containers = spec.template.spec.containers;
  const faulty = containers.find((c) => profileOfContainer(ctx, c).behaviour !== 'good');
  const primary = (faulty ?? containers[0])!;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      ...(spec.owner ? { generateName: `${spec.owner.name}-` } : {}),
      namespace: ctx.ns.name,
      uid: newUid(),
      resourceVersion: ctx.cluster.nextRv(),
      creationTimestamp: ts(spec.at),
      labels: { ...spec.labels },
      ...(spec.owner ? { ownerReferences: [spec.owner] } : {}),
    },
    spec: {
      ...structuredClone(spec.template.spec),
      serviceAccountName: 'default',
      serviceAccount: 'default',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
    status: { phase: 'Pending', conditions: [], qosClass: 'Burstable' },
  };
  const rec: PodRecord = {
    pod,
    namespace: ctx.ns.name,
    deployment: spec.deployment,
    primary: primary.name,
    profile: profileOfContainer(ctx, primary),
    createdAt: spec.at,
    stage: 'scheduled',
    token: 0,
    restarts: 0,
    pullAttempts: 0,
    runningSince: undefined,
    lastRun: undefined,
    readyAt: undefined,
    lastProbeAt: undefined,
    lastScheduleAttemptAt: undefined,
  };
  ctx.ns.addPod(rec);
  if (rec.profile.behaviour === 'unschedulable') {
    rec.stage = 'unschedulable';
    rec.lastScheduleAttemptAt = spec.at;
    setCondition(pod.status.conditions, 'PodScheduled', 'False', spec.at, 'Unschedulable', UNSCHEDULABLE);
    event(ctx, rec, spec.at, 'Warning', 'FailedScheduling', UNSCHEDULABLE, undefined, 1, 'default-scheduler');
    ctx.wake(rec, spec.at + SCHEDULE_RETRY);
    return rec;
  }
  const node = ctx.cluster.nextNode();
  pod.spec.nodeName = node.name;
  pod.status.hostIP = node.ip;
  pod.status.hostIPs = [{ ip: node.ip }];
  pod.status.startTime = ts(spec.at);
  pod.status.containerStatuses = initialStatuses(pod, 'ContainerCreating');
  setCondition(pod.status.conditions, 'PodReadyToStartContainers', 'False', spec.at);
  setCondition(pod.status.conditions, 'Initialized', 'True', spec.at);
  syncReadiness(pod, spec.at);
  setCondition(pod.status.conditions, 'PodScheduled', 'True', spec.at);
  const message = `Successfully assigned ${ctx.ns.name}/${spec.name} to ${node.name}`;
  event(ctx, rec, spec.at, 'Normal', 'Scheduled', message, undefined, 1, 'default-scheduler');
  ctx.wake(rec, spec.at + PULL_AFTER);
  return rec;
}

/** Begins the graceful termination of a pod at `at`; it disappears after the grace period. */
export function terminatePod(ctx: PodContext, rec: PodRecord, at: number): void {
  if (rec.stage === 'terminating' || rec.stage === 'gone') return;
  const pod = rec.pod;
  const started = rec.runningSince !== undefined;
  pod.metadata.deletionTimestamp = ts(at + 30 * S);
  pod.metadata.deletionGracePeriodSeconds = 30;
  for (const s of pod.status.containerStatuses ?? []) {
    s.ready = false;
    if (started && s.state.running) {
      event(ctx, rec, at, 'Normal', 'Killing', `Stopping container ${s.name}`, s.name);
    }
  }
  if (pod.status.containerStatuses) syncReadiness(pod, at);
  next(ctx, rec, 'terminating', started ? at + GRACE : at);
  ctx.changed(rec, at);
}

/** Moves a pod to `stage` and asks to be woken at `at` for its next transition. */
export function next(ctx: PodContext, rec: PodRecord, stage: PodRecord['stage'], at: number): void {
  rec.stage = stage;
  rec.token++;
  touch(ctx, rec);
  ctx.wake(rec, at);
}

/** Gives the pod a new resourceVersion after its status changed. */
export function touch(ctx: PodContext, rec: PodRecord): void {
  rec.pod.metadata.resourceVersion = ctx.cluster.nextRv();
}

/** Records an event about the pod (or one of its containers) from kubelet or the scheduler. */
export function event(
  ctx: PodContext,
  rec: PodRecord,
  at: number,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  container: string | undefined,
  times = 1,
  component = 'kubelet',
  firstAt?: number,
): void {
  const pod = rec.pod;
  const about: InvolvedObject = {
    kind: 'Pod',
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    apiVersion: 'v1',
    resourceVersion: pod.metadata.resourceVersion,
    ...(container !== undefined ? { fieldPath: `spec.containers{${container}}` } : {}),
  };
  const host = component === 'kubelet' ? pod.spec.nodeName : undefined;
  const source = { component, ...(host !== undefined ? { host } : {}) };
  ctx.ns.events.record(at, about, type, reason, message, source, times, firstAt ?? at);
}
