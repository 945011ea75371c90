import type { VersionBehaviour } from '../scenarios.js';
import { event, type PodContext } from './pods.js';
import type { PodRecord } from './state.js';

/** Writes exactly `budget` distinct events, spread over the pods, the telling ones first. */
export function fillEvents(ctx: PodContext, records: PodRecord[], budget: number, at: number): number {
  if (records.length === 0) return 0;
  let written = 0;
  const lists = records.map(eventsFor);
  for (let round = 0; written < budget; round++) {
    for (const [i, rec] of records.entries()) {
      if (written >= budget) break;
      const [type, reason, message] = eventFor(rec, lists[i]!, round);
      event(
        ctx,
        rec,
        at - 60_000 + round * 10,
        type,
        reason,
        message,
        rec.pod.spec.nodeName ? 'app' : undefined,
        1,
        reason === 'Scheduled' || reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet',
        rec.createdAt + round * 1000,
      );
      written++;
    }
  }
  return written;
}

type EventSpec = ['Normal' | 'Warning', string, string];

/** The distinct events a settled pod of its behaviour has: the telling one first. */
function eventsFor(rec: PodRecord): EventSpec[] {
  const name = rec.pod.metadata.name;
  const image = rec.pod.spec.containers[0]!.image;
  const telling: Partial<Record<VersionBehaviour, ['Normal' | 'Warning', string, string]>> = {
    'crash-loop': [
      'Warning',
      'BackOff',
      `Back-off restarting failed container app in pod ${name}_${rec.namespace}(${rec.pod.metadata.uid})`,
    ],
    'oom-killed': [
      'Warning',
      'BackOff',
      `Back-off restarting failed container app in pod ${name}_${rec.namespace}(${rec.pod.metadata.uid})`,
    ],
    'image-missing': [
      'Warning',
      'Failed',
      `Failed to pull image "${image}": rpc error: code = NotFound desc = ${image}: not found`,
    ],
    'readiness-fails': [
      'Warning',
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
    ],
    unschedulable: ['Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.'],
  };
  const common: Array<['Normal' | 'Warning', string, string]> = [
    [
      'Normal',
      'Scheduled',
      `Successfully assigned ${rec.namespace}/${name} to ${rec.pod.spec.nodeName ?? 'node'}`,
    ],
    ['Normal', 'Pulling', `Pulling image "${image}"`],
    [
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in 1.5s (1.5s including waiting). Image size: 48213477 bytes.`,
    ],
    ['Normal', 'Created', 'Created container: app'],
    ['Normal', 'Started', 'Started container app'],
  ];
  const first = telling[rec.profile.behaviour];
  // An unscheduled pod has nothing but the scheduler's complaints.
  return rec.profile.behaviour === 'unschedulable' ? [first!] : first ? [first, ...common] : common;
}

/** The event of a pod for a round; past its distinct events, numbered repeats keep each one distinct. */
function eventFor(rec: PodRecord, list: EventSpec[], round: number): EventSpec {
  const image = rec.pod.spec.containers[0]!.image;
  const picked = list[round];
  if (picked) return picked;
  const n = round - list.length + 1;
  return rec.profile.behaviour === 'unschedulable'
    ? ['Warning', 'FailedScheduling', `0/3 nodes are available: 3 Insufficient cpu. (attempt ${n + 1})`]
    : ['Normal', 'Pulled', `Container image "${image}" already present on machine (#${n})`];
}
