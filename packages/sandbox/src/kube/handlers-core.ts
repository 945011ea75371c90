import type { World } from '../world.js';
import { metaField, ok, type KubeRequest, type Reply } from './handler.js';
import { boolParam, intParam, listBody, pageParams } from './list.js';
import { followLog } from './log-follow.js';
import { wallClockLog } from './wall-clock.js';
import type { LogOptions } from './logs.js';
import { matchesFields, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { notFound } from './status.js';
import type { KubeEvent, Pod } from './types.js';

/* Handlers of the core/v1 pod, pod log and event paths. */

const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'status.phase',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'status.podIP',
];
const EVENT_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];
function podField(pod: Pod, field: string): string | undefined {
  switch (field) {
    case 'status.phase':
      return pod.status.phase;
    case 'spec.nodeName':
      return pod.spec.nodeName;
    case 'status.podIP':
      return pod.status.podIP;
    case 'spec.restartPolicy':
    case 'spec.schedulerName':
    case 'spec.serviceAccountName':
      return pod.spec[field.slice('spec.'.length)] as string | undefined;
    default:
      return metaField(pod.metadata, field);
  }
}

/** GET /api/v1/namespaces/{ns}/pods with labelSelector, fieldSelector, limit and continue. */
export function listPods(world: World, cluster: string, req: KubeRequest, ns: string): Reply {
  const q = req.url.searchParams;
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, POD_FIELDS);
  const resource = `pods/${ns}`;
  const paging = pageParams(q, resource);
  const pods = world.kube.namespace(cluster, ns)?.pods;
  const page = pods
    ? pods.list({
        labels,
        ...(fields.length > 0 ? { filter: (p: Pod) => matchesFields(fields, (f) => podField(p, f)) } : {}),
        ...(paging.limit !== undefined ? { limit: paging.limit } : {}),
        ...(paging.after !== undefined ? { after: paging.after } : {}),
      })
    : { items: [], continueAfter: undefined, remaining: undefined };
  return ok(listBody('PodList', 'v1', resource, world.kube.resourceVersion(cluster), page));
}

/** GET /api/v1/namespaces/{ns}/pods/{name}/log: container, tailLines, limitBytes, sinceSeconds, timestamps, previous, follow. */
export function podLog(world: World, cluster: string, req: KubeRequest, ns: string, name: string): Reply {
  const q = req.url.searchParams;
  const opts: LogOptions = {};
  const container = q.get('container');
  if (container) opts.container = container;
  const tailLines = intParam(q, 'tailLines', 0);
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = intParam(q, 'limitBytes', 1);
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  const sinceSeconds = intParam(q, 'sinceSeconds', 1);
  // Seconds of real time, as kubectl means them: more of the simulation's faster ones.
  if (sinceSeconds !== undefined) opts.sinceSeconds = Math.ceil(sinceSeconds * world.clock.scale);
  opts.timestamps = boolParam(q, 'timestamps');
  opts.previous = boolParam(q, 'previous');
  if (boolParam(q, 'follow')) return followLog(world, cluster, ns, name, opts);
  const text = world.kube.podLog(cluster, ns, name, opts);
  return { status: 200, body: opts.timestamps ? wallClockLog(world.clock, text) : text, type: 'text/plain' };
}

function eventField(e: KubeEvent, field: string): string | undefined {
  if (field.startsWith('involvedObject.')) {
    return (e.involvedObject as unknown as Record<string, string | undefined>)[
      field.slice('involvedObject.'.length)
    ];
  }
  if (field === 'source') return e.source.component;
  if (field === 'reason' || field === 'type' || field === 'reportingComponent') return e[field];
  return metaField(e.metadata, field);
}

/** GET /api/v1/namespaces/{ns}/events with fieldSelector (involvedObject.*, type, reason...), limit and continue. */
export function listEvents(world: World, cluster: string, req: KubeRequest, ns: string): Reply {
  const q = req.url.searchParams;
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, EVENT_FIELDS);
  const resource = `events/${ns}`;
  const paging = pageParams(q, resource);
  const byName = fields.find((f) => f.field === 'involvedObject.name' && !f.negate);
  const events = world.kube.namespace(cluster, ns)?.events.items;
  const page = events
    ? events.list({
        labels,
        ...(byName ? { index: { name: 'involvedObject.name', value: byName.value } } : {}),
        ...(fields.length > 0
          ? { filter: (e: KubeEvent) => matchesFields(fields, (f) => eventField(e, f)) }
          : {}),
        ...(paging.limit !== undefined ? { limit: paging.limit } : {}),
        ...(paging.after !== undefined ? { after: paging.after } : {}),
      })
    : { items: [], continueAfter: undefined, remaining: undefined };
  return ok(listBody('EventList', 'v1', resource, world.kube.resourceVersion(cluster), page));
}

/** GET /api/v1/namespaces/{ns}/events/{name} */
export function getEvent(world: World, cluster: string, _req: KubeRequest, ns: string, name: string): Reply {
  const event = world.kube.namespace(cluster, ns)?.events.items.get(name);
  if (!event) throw notFound('Event', name);
  return ok(event);
}
