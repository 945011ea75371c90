import type { VersionBehaviour } from '../scenarios.js';
import { newUid, nameSuffix, templateHash, ts } from './meta.js';
import {
  initialStatuses,
  markRunning,
  markTerminated,
  markWaiting,
  setCondition,
  statusOf,
  syncReadiness,
} from './pod-status.js';
import { fillEvents } from './populate-events.js';
import type { PodContext } from './pods.js';
import type { PodRecord, PodStage } from './state.js';
import type { Pod, PodTemplate } from './types.js';

/** How to fill a namespace for scale tests. */
export interface PopulateOptions {
  pods: number;
  events: number;
  /** Prefix of the `app` label of the generated workloads; `load` by default. */
  app?: string;
  /**
   * Labels every generated pod carries, over the generated `app` label: `{ app: 'checkout', colour:
   * 'green' }` puts all of them under one service's selector, as a very large Deployment would.
   */
  labels?: Record<string, string>;
  /** How many workloads (ReplicaSets) the pods are spread over; 50 by default. */
  workloads?: number;
  /** Share of pods per behaviour; the rest are good. Defaults to a few percent of each fault. */
  mix?: Partial<Record<VersionBehaviour, number>>;
  /** Image repository of the generated containers. */
  repository?: string;
}

/** What was created. */
export interface PopulateResult {
  pods: number;
  events: number;
  /** How many pods got each behaviour. */
  behaviours: Partial<Record<VersionBehaviour, number>>;
}

const DEFAULT_MIX: Partial<Record<VersionBehaviour, number>> = {
  'crash-loop': 0.01,
  'oom-killed': 0.005,
  'image-missing': 0.005,
  'readiness-fails': 0.005,
  unschedulable: 0.005,
};

const SUFFIX: Record<VersionBehaviour, string> = {
  good: '',
  'high-error-rate': '-errors',
  slow: '-slow',
  'crash-loop': '-crashloop',
  'image-missing': '-missing',
  'oom-killed': '-oom',
  'readiness-fails': '-notready',
  unschedulable: '-pending',
  'config-missing': '-noconfig',
};

/**
 * Fills a namespace with `pods` pods that are already in their settled state (running, crash-looping,
 * failing to pull...) and exactly `events` events about them, for scale tests. These pods belong to no
 * Deployment and do not change afterwards: they cost nothing when time passes.
 */
export function populate(ctx: PodContext, at: number, opts: PopulateOptions): PopulateResult {
  const prefix = opts.app ?? 'load';
  const workloads = Math.max(1, opts.workloads ?? 50);
  const repository = opts.repository ?? '123456789012.dkr.ecr.eu-west-1.amazonaws.com/load';
  const plan = behaviourPlan(opts.pods, opts.mix ?? DEFAULT_MIX);
  const behaviours: Partial<Record<VersionBehaviour, number>> = {};
  const records: PodRecord[] = [];
  for (let i = 0; i < opts.pods; i++) {
    const behaviour = plan(i);
    behaviours[behaviour] = (behaviours[behaviour] ?? 0) + 1;
    const app = `${prefix}-${String(i % workloads).padStart(3, '0')}`;
    const labels = { app, ...opts.labels };
    const template: PodTemplate = {
      metadata: { labels },
      spec: { containers: [{ name: 'app', image: `${repository}:2.0.0${SUFFIX[behaviour]}` }] },
    };
    const hash = templateHash(template);
    const rs = `${app}-${hash}`;
    let name = `${rs}-${nameSuffix(`${prefix}/${i}`)}`;
    for (let n = 0; ctx.ns.pods.get(name); n++) name = `${rs}-${nameSuffix(`${prefix}/${i}/${n}`)}`;
    const created = at - 3_600_000 - i * 100;
    records.push(
      settledPod(ctx, name, template, { ...labels, 'pod-template-hash': hash }, rs, behaviour, created, at),
    );
  }
  const events = fillEvents(ctx, records, opts.events, at);
  return { pods: records.length, events, behaviours };
}

/** A deterministic assignment of behaviours spreading each share evenly over the pods. */
function behaviourPlan(
  total: number,
  mix: Partial<Record<VersionBehaviour, number>>,
): (i: number) => VersionBehaviour {
  const slots: VersionBehaviour[] = new Array<VersionBehaviour>(total).fill('good');
  let offset = 0;
  for (const [behaviour, share] of Object.entries(mix) as Array<[VersionBehaviour, number]>) {
    const count = Math.min(total, Math.round(total * share));
    if (count === 0) continue;
    const stride = total / count;
    for (let k = 0; k < count; k++) slots[(Math.floor(k * stride) + offset) % total] = behaviour;
    offset++;
  }
  return (i) => slots[i]!;
}

function settledPod(
  ctx: PodContext,
  name: string,
  template: PodTemplate,
  labels: Record<string, string>,
  rs: string,
  behaviour: VersionBehaviour,
  created: number,
  at: number,
): PodRecord {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${rs}-`,
      namespace: ctx.ns.name,
      uid: newUid(),
      resourceVersion: ctx.cluster.nextRv(),
      creationTimestamp: ts(created),
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs,
          uid: newUid(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...structuredClone(template.spec), restartPolicy: 'Always', serviceAccountName: 'default' },
    status: { phase: 'Pending', conditions: [], qosClass: 'BestEffort' },
  };
  const tag = template.spec.containers[0]!.image.split(':').at(-1)!;
  const rec: PodRecord = {
    pod,
    namespace: ctx.ns.name,
    deployment: undefined,
    primary: 'app',
    profile: ctx.profile(tag),
    createdAt: created,
    stage: 'ready',
    token: 0,
    restarts: 0,
    pullAttempts: 1,
    runningSince: undefined,
    lastRun: undefined,
    readyAt: undefined,
    lastProbeAt: undefined,
    lastScheduleAttemptAt: undefined,
  };
  const started = created + 2000;
  const c = pod.status.conditions;
  let stage: PodStage = 'ready';
  if (behaviour === 'unschedulable') {
    setCondition(
      c,
      'PodScheduled',
      'False',
      created,
      'Unschedulable',
      '0/3 nodes are available: 3 Insufficient cpu.',
    );
    stage = 'unschedulable';
  } else {
    const node = ctx.cluster.nextNode();
    pod.spec.nodeName = node.name;
    pod.status.hostIP = node.ip;
    pod.status.podIP = ctx.cluster.nextIp();
    pod.status.podIPs = [{ ip: pod.status.podIP }];
    pod.status.startTime = ts(created);
    pod.status.containerStatuses = initialStatuses(pod, 'ContainerCreating');
    setCondition(c, 'PodReadyToStartContainers', 'True', created);
    setCondition(c, 'Initialized', 'True', created);
    setCondition(c, 'PodScheduled', 'True', created);
    if (behaviour === 'image-missing') {
      const image = template.spec.containers[0]!.image;
      markWaiting(
        pod,
        'app',
        'ImagePullBackOff',
        `Back-off pulling image "${image}": ErrImagePull: not found`,
      );
      stage = 'pull-backoff';
    } else if (behaviour === 'config-missing') {
      markWaiting(pod, 'app', 'CreateContainerConfigError', 'configmap "checkout-settings" not found');
      stage = 'config-error';
    } else {
      pod.status.phase = 'Running';
      rec.runningSince = started;
      markRunning(pod, 'app', started, 0);
      if (behaviour === 'crash-loop' || behaviour === 'oom-killed') {
        const oom = behaviour === 'oom-killed';
        const s = statusOf(pod, 'app');
        rec.restarts = s.restartCount = 5 + (name.length % 10);
        rec.runningSince = at - 60_000;
        markRunning(pod, 'app', rec.runningSince, rec.restarts);
        s.lastState = markTerminated(pod, 'app', at - 57_000, oom ? 'OOMKilled' : 'Error', oom ? 137 : 1);
        rec.lastRun = { start: rec.runningSince, end: at - 57_000 };
        markWaiting(
          pod,
          'app',
          'CrashLoopBackOff',
          `back-off 5m0s restarting failed container=app pod=${name}_${ctx.ns.name}(${pod.metadata.uid})`,
        );
        stage = 'crash-backoff';
      } else if (behaviour === 'readiness-fails') {
        stage = 'running';
      } else {
        statusOf(pod, 'app').ready = true;
        rec.readyAt = started + 6000;
      }
    }
    syncReadiness(pod, rec.readyAt ?? started);
  }
  rec.stage = stage;
  ctx.ns.addPod(rec);
  return rec;
}
