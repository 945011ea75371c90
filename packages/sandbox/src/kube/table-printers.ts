/* The API server's table printers of the kinds the sandbox serves: columns and cells as kube-apiserver writes them. */

export type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };
type Cell = string | number;
interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
}

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
const col = (name: string, priority = 0, type = 'string', format?: string): Column => ({
  name,
  type,
  ...(format ? { format } : {}),
  priority,
});
const NAME = col('Name', 0, 'string', 'name');
const AGE = col('Age', 0, 'string');

/** The columns of a kind and how to fill them; `age` renders a time as kubectl's AGE. */
export interface Printer {
  columns: Column[];
  cells(o: Obj, age: (t: unknown) => string): Cell[];
}

function podStatus(o: Obj): string {
  const status = rec(o.status);
  let reason = str(status.reason) || str(status.phase);
  for (const cs of [...arr(status.containerStatuses)].reverse()) {
    const state = rec(cs.state);
    const waiting = rec(state.waiting);
    const terminated = rec(state.terminated);
    if (str(waiting.reason)) reason = str(waiting.reason);
    else if (state.terminated) reason = str(terminated.reason) || `ExitCode:${num(terminated.exitCode)}`;
  }
  if (o.metadata?.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podRestarts(o: Obj, age: (t: unknown) => string): string {
  let restarts = 0;
  let last: unknown;
  for (const cs of arr(rec(o.status).containerStatuses)) {
    restarts += num(cs.restartCount);
    const finished = rec(rec(cs.lastState).terminated).finishedAt;
    if (typeof finished === 'string' && (typeof last !== 'string' || finished > last)) last = finished;
  }
  return restarts > 0 && typeof last === 'string' ? `${restarts} (${age(last)} ago)` : String(restarts);
}

const containersOf = (spec: Record<string, unknown>): Record<string, unknown>[] =>
  arr(rec(rec(spec.template).spec).containers);
const selectorText = (sel: unknown): string =>
  Object.entries(rec(rec(sel).matchLabels ?? sel))
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(',');

/** The printers by kind. */
export const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts', 0, 'string'),
      AGE,
      col('IP', 1),
      col('Node', 1),
      col('Nominated Node', 1),
      col('Readiness Gates', 1),
    ],
    cells: (o, age) => {
      const statuses = arr(rec(o.status).containerStatuses);
      const total = arr(rec(o.spec).containers).length;
      const ready = statuses.filter((c) => c.ready === true).length;
      return [
        str(o.metadata?.name),
        `${ready}/${total}`,
        podStatus(o),
        podRestarts(o, age),
        age(o.metadata?.creationTimestamp),
        str(rec(o.status).podIP) || '<none>',
        str(rec(o.spec).nodeName) || '<none>',
        '<none>',
        '<none>',
      ];
    },
  },
  Deployment: {
    columns: [
      NAME,
      col('Ready'),
      col('Up-to-date', 0, 'integer'),
      col('Available', 0, 'integer'),
      AGE,
      col('Containers', 1),
      col('Images', 1),
      col('Selector', 1),
    ],
    cells: (o, age) => {
      const spec = rec(o.spec);
      const status = rec(o.status);
      const cs = containersOf(spec);
      return [
        str(o.metadata?.name),
        `${num(status.readyReplicas)}/${num(spec.replicas)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(o.metadata?.creationTimestamp),
        cs.map((c) => str(c.name)).join(','),
        cs.map((c) => str(c.image)).join(','),
        selectorText(spec.selector),
      ];
    },
  },
  ReplicaSet: {
    columns: [
      NAME,
      col('Desired', 0, 'integer'),
      col('Current', 0, 'integer'),
      col('Ready', 0, 'integer'),
      AGE,
      col('Containers', 1),
      col('Images', 1),
      col('Selector', 1),
    ],
    cells: (o, age) => {
      const spec = rec(o.spec);
      const status = rec(o.status);
      const cs = containersOf(spec);
      return [
        str(o.metadata?.name),
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(o.metadata?.creationTimestamp),
        cs.map((c) => str(c.name)).join(','),
        cs.map((c) => str(c.image)).join(','),
        selectorText(spec.selector),
      ];
    },
  },
  Service: {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 1),
    ],
    cells: (o, age) => {
      const spec = rec(o.spec);
      const ports = arr(spec.ports)
        .map((p) => `${num(p.port)}/${str(p.protocol) || 'TCP'}`)
        .join(',');
      return [
        str(o.metadata?.name),
        str(spec.type),
        str(spec.clusterIP),
        '<none>',
        ports || '<none>',
        age(o.metadata?.creationTimestamp),
        selectorText(spec.selector) || '<none>',
      ];
    },
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (o, age) => [str(o.metadata?.name), str(rec(o.status).phase), age(o.metadata?.creationTimestamp)],
  },
  Ingress: {
    columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), AGE],
    cells: (o, age) => {
      const spec = rec(o.spec);
      const hosts = arr(spec.rules)
        .map((r) => str(r.host) || '*')
        .join(',');
      const lb = arr(rec(rec(o.status).loadBalancer).ingress)
        .map((i) => str(i.hostname) || str(i.ip))
        .join(',');
      return [
        str(o.metadata?.name),
        str(spec.ingressClassName) || '<none>',
        hosts || '*',
        lb,
        arr(spec.tls).length > 0 ? '80, 443' : '80',
        age(o.metadata?.creationTimestamp),
      ];
    },
  },
  Event: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 1),
      col('Source', 1),
      col('Message'),
      col('First Seen', 1),
      col('Count', 1, 'integer'),
      { ...NAME, priority: 1 },
    ],
    cells: (o, age) => {
      const involved = rec(o.involvedObject);
      const source = rec(o.source);
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp;
      const first = o.firstTimestamp ?? o.eventTime ?? last;
      const count = num(o.count) || 1;
      const lastSeen = count > 1 ? `${age(last)} (x${count} over ${age(first)})` : age(last);
      return [
        lastSeen,
        str(o.type),
        str(o.reason),
        `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
        str(involved.fieldPath),
        [str(source.component), str(source.host)].filter(Boolean).join(', '),
        str(o.message),
        age(first),
        count,
        str(o.metadata?.name),
      ];
    },
  },
};

/** NAME and AGE, for kinds without a printer of their own. */
export const FALLBACK: Printer = {
  columns: [NAME, AGE],
  cells: (o, age) => [str(o.metadata?.name), age(o.metadata?.creationTimestamp)],
};
