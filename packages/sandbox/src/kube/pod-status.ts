import { createHash } from 'node:crypto';
import { ts } from './meta.js';
import type { Condition, ContainerState, ContainerStatus, Pod } from './types.js';

/** Condition types in the order kubelet writes them. */
const CONDITION_ORDER = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
];

/**
 * Sets a condition; its lastTransitionTime moves only when the status changes, as the API documents.
 */
export function setCondition(
  conditions: Condition[],
  type: string,
  status: Condition['status'],
  at: number,
  reason?: string,
  message?: string,
  order: readonly string[] = CONDITION_ORDER,
): void {
  const existing = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime! : ts(at),
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  };
  if (existing) conditions.splice(conditions.indexOf(existing), 1, next);
  else conditions.push(next);
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));
}

function rank(order: readonly string[], type: string): number {
  const i = order.indexOf(type);
  return i === -1 ? order.length : i;
}

/** The `imageID` a runtime reports for an image: the repository with a digest. */
export function imageIdOf(image: string): string {
  const repo = image.replace(/[:@][^/]*$/, '');
  return `${repo}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** A stable `containerd://` ID per pod, container and instance (restart). */
export function containerIdOf(pod: string, container: string, instance: number): string {
  return `containerd://${createHash('sha256').update(`${pod}/${container}/${instance}`).digest('hex')}`;
}

/** Fresh container statuses, all waiting with `reason`. */
export function initialStatuses(pod: Pod, reason: string): ContainerStatus[] {
  return pod.spec.containers.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason } },
    lastState: {},
  }));
}

/** The status of a container of the pod; throws when the pod has none (a programming error). */
export function statusOf(pod: Pod, container: string): ContainerStatus {
  const found = pod.status.containerStatuses?.find((c) => c.name === container);
  if (!found) throw new Error(`pod ${pod.metadata.name} has no status for container ${container}`);
  return found;
}

/** Marks a container as running since `at` (a new instance when `instance` grows). */
export function markRunning(pod: Pod, container: string, at: number, instance: number): void {
  const s = statusOf(pod, container);
  s.imageID = imageIdOf(s.image);
  s.containerID = containerIdOf(pod.metadata.name, container, instance);
  s.state = { running: { startedAt: ts(at) } };
  s.started = true;
}

/** Puts a container in the waiting state with `reason` (ContainerCreating, CrashLoopBackOff...). */
export function markWaiting(pod: Pod, container: string, reason: string, message?: string): void {
  const s = statusOf(pod, container);
  s.state = { waiting: { reason, ...(message !== undefined ? { message } : {}) } };
  s.ready = false;
  s.started = false;
}

/** Ends the running instance of a container with `reason` and `exitCode`. */
export function markTerminated(
  pod: Pod,
  container: string,
  at: number,
  reason: string,
  exitCode: number,
): ContainerState {
  const s = statusOf(pod, container);
  const startedAt = s.state.running?.startedAt ?? ts(at);
  const terminated: ContainerState = {
    terminated: {
      exitCode,
      reason,
      startedAt,
      finishedAt: ts(at),
      ...(s.containerID !== undefined ? { containerID: s.containerID } : {}),
    },
  };
  s.state = terminated;
  s.ready = false;
  s.started = false;
  return terminated;
}

/** Recomputes the pod's Ready and ContainersReady conditions from its containers. */
export function syncReadiness(pod: Pod, at: number): boolean {
  const statuses = pod.status.containerStatuses ?? [];
  const notReady = statuses.filter((c) => !c.ready).map((c) => c.name);
  const ready = statuses.length > 0 && notReady.length === 0;
  const reason = ready ? undefined : 'ContainersNotReady';
  const message = ready ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  setCondition(pod.status.conditions, 'Ready', ready ? 'True' : 'False', at, reason, message);
  setCondition(pod.status.conditions, 'ContainersReady', ready ? 'True' : 'False', at, reason, message);
  return ready;
}

/** True when the pod's Ready condition is True. */
export function isReady(pod: Pod): boolean {
  return pod.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
