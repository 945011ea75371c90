import type { VersionBehaviour } from '../scenarios.js';
import {
  markRunning,
  markTerminated,
  markWaiting,
  setCondition,
  statusOf,
  syncReadiness,
} from './pod-status.js';
import {
  backoffMs,
  BACKOFF_NOTICED,
  CRASH_AFTER,
  event,
  goDuration,
  next,
  OOM_AFTER,
  PROBE_DELAY,
  PROBE_PERIOD,
  PULL_TAKES,
  S,
  SCHEDULE_RETRY,
  touch,
  UNSCHEDULABLE,
  type PodContext,
} from './pods.js';
import type { PodRecord } from './state.js';

/** Advances a pod by one transition due at `at`; `now` lets periodic happenings be folded together. */
export function stepPod(ctx: PodContext, rec: PodRecord, at: number, now: number): void {
  const pod = rec.pod;
  const image = pod.spec.containers.find((c) => c.name === rec.primary)?.image ?? '';
  const behaviour: VersionBehaviour = rec.profile.behaviour;
  switch (rec.stage) {
    case 'unschedulable': {
      const times = Math.max(1, Math.floor((now - rec.lastScheduleAttemptAt!) / SCHEDULE_RETRY));
      rec.lastScheduleAttemptAt! += times * SCHEDULE_RETRY;
      event(
        ctx,
        rec,
        rec.lastScheduleAttemptAt!,
        'Warning',
        'FailedScheduling',
        UNSCHEDULABLE,
        undefined,
        times,
        'default-scheduler',
      );
      ctx.wake(rec, rec.lastScheduleAttemptAt! + SCHEDULE_RETRY);
      return;
    }
    case 'scheduled':
      pod.status.podIP = ctx.cluster.nextIp();
      pod.status.podIPs = [{ ip: pod.status.podIP }];
      setCondition(pod.status.conditions, 'PodReadyToStartContainers', 'True', at);
      return pull(ctx, rec, at, image);
    case 'pull-backoff':
      return pull(ctx, rec, at, image);
    case 'pulling':
      if (behaviour === 'image-missing') {
        const why = notFound(image);
        markWaiting(pod, rec.primary, 'ErrImagePull', why);
        event(ctx, rec, at, 'Warning', 'Failed', `Failed to pull image "${image}": ${why}`, rec.primary);
        event(ctx, rec, at, 'Warning', 'Failed', 'Error: ErrImagePull', rec.primary);
        return next(ctx, rec, 'pull-failed', at + BACKOFF_NOTICED);
      }
      if (behaviour === 'config-missing') return configError(ctx, rec, at);
      return start(ctx, rec, at, image, true);
    case 'config-error':
      return configError(ctx, rec, at);
    case 'pull-failed':
      markWaiting(
        pod,
        rec.primary,
        'ImagePullBackOff',
        `Back-off pulling image "${image}": ErrImagePull: ${notFound(image)}`,
      );
      event(ctx, rec, at, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, rec.primary);
      event(ctx, rec, at, 'Warning', 'Failed', 'Error: ImagePullBackOff', rec.primary);
      return next(ctx, rec, 'pull-backoff', at + backoffMs(rec.pullAttempts));
    case 'running':
      return running(ctx, rec, at, now, behaviour);
    case 'crashed': {
      if (rec.restarts === 0) return start(ctx, rec, at, image, false);
      const wait = backoffMs(rec.restarts);
      const who = `${pod.metadata.name}_${ctx.ns.name}(${pod.metadata.uid})`;
      const s = statusOf(pod, rec.primary);
      s.lastState = s.state;
      markWaiting(
        pod,
        rec.primary,
        'CrashLoopBackOff',
        `back-off ${goDuration(wait)} restarting failed container=${rec.primary} pod=${who}`,
      );
      event(
        ctx,
        rec,
        at,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${rec.primary} in pod ${who}`,
        rec.primary,
      );
      return next(ctx, rec, 'crash-backoff', at + wait);
    }
    case 'crash-backoff':
      return start(ctx, rec, at, image, false);
    case 'terminating':
      rec.stage = 'gone';
      ctx.ns.removePod(rec);
      ctx.changed(rec, at);
      return;
    case 'starting':
    case 'ready':
    case 'gone':
      return;
  }
}

/** The name of the ConfigMap the `-noconfig` versions reference and nobody created. */
export const MISSING_CONFIGMAP = 'checkout-settings';

/** The kubelet cannot build the container: a ConfigMap it references is missing. Retried, as kubelet does. */
function configError(ctx: PodContext, rec: PodRecord, at: number): void {
  const why = `configmap "${MISSING_CONFIGMAP}" not found`;
  markWaiting(rec.pod, rec.primary, 'CreateContainerConfigError', why);
  event(ctx, rec, at, 'Warning', 'Failed', `Error: ${why}`, rec.primary);
  next(ctx, rec, 'config-error', at + BACKOFF_NOTICED);
}

function pull(ctx: PodContext, rec: PodRecord, at: number, image: string): void {
  rec.pullAttempts++;
  event(ctx, rec, at, 'Normal', 'Pulling', `Pulling image "${image}"`, rec.primary);
  next(ctx, rec, 'pulling', at + PULL_TAKES);
}

function notFound(image: string): string {
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
}

/** Starts the containers: the first time after a pull, later as a restart of the primary one. */
function start(ctx: PodContext, rec: PodRecord, at: number, image: string, first: boolean): void {
  const pod = rec.pod;
  const statuses = pod.status.containerStatuses ?? [];
  if (!first) {
    rec.restarts++;
    const s = statusOf(pod, rec.primary);
    if (s.state.terminated) s.lastState = s.state;
    s.restartCount = rec.restarts;
  }
  for (const s of statuses) {
    if (!first && s.name !== rec.primary) continue;
    const pulled = first
      ? `Successfully pulled image "${s.image}" in 1.5s (1.5s including waiting). Image size: 48213477 bytes.`
      : `Container image "${image}" already present on machine`;
    event(ctx, rec, at, 'Normal', 'Pulled', pulled, s.name);
    event(ctx, rec, at, 'Normal', 'Created', `Created container: ${s.name}`, s.name);
    event(ctx, rec, at, 'Normal', 'Started', `Started container ${s.name}`, s.name);
    markRunning(pod, s.name, at, s.name === rec.primary ? rec.restarts : 0);
    // Sidecars with a good image are ready as soon as they run.
    if (s.name !== rec.primary) s.ready = true;
  }
  pod.status.phase = 'Running';
  rec.runningSince = at;
  syncReadiness(pod, at);
  const b = rec.profile.behaviour;
  const due =
    b === 'crash-loop'
      ? at + CRASH_AFTER
      : b === 'oom-killed'
        ? at + OOM_AFTER
        : b === 'readiness-fails'
          ? at + PROBE_DELAY
          : Math.max(at, rec.createdAt + rec.profile.readySeconds * S);
  next(ctx, rec, 'running', due);
}

function running(
  ctx: PodContext,
  rec: PodRecord,
  at: number,
  now: number,
  behaviour: VersionBehaviour,
): void {
  const pod = rec.pod;
  if (behaviour === 'crash-loop' || behaviour === 'oom-killed') {
    const oom = behaviour === 'oom-killed';
    markTerminated(pod, rec.primary, at, oom ? 'OOMKilled' : 'Error', oom ? 137 : 1);
    rec.lastRun = { start: rec.runningSince ?? at, end: at };
    syncReadiness(pod, at);
    return next(ctx, rec, 'crashed', at + S);
  }
  if (behaviour === 'readiness-fails') {
    const first = rec.lastProbeAt === undefined;
    const times = first ? 1 : Math.max(1, Math.floor((now - rec.lastProbeAt!) / PROBE_PERIOD));
    const last = first ? at : rec.lastProbeAt! + times * PROBE_PERIOD;
    rec.lastProbeAt = last;
    const message = 'Readiness probe failed: HTTP probe failed with statuscode: 503';
    event(
      ctx,
      rec,
      last,
      'Warning',
      'Unhealthy',
      message,
      rec.primary,
      times,
      'kubelet',
      first ? last : undefined,
    );
    return next(ctx, rec, 'running', last + PROBE_PERIOD);
  }
  statusOf(pod, rec.primary).ready = true;
  rec.readyAt = at;
  rec.stage = 'ready';
  rec.token++;
  if (syncReadiness(pod, at)) ctx.changed(rec, at);
  touch(ctx, rec);
}
