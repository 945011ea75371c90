import type { World } from '../world.js';
import { ok, type Handler, type KubeRequest, type Reply } from './handler.js';
import {
  getDeployment,
  getScale,
  listDeployments,
  listIngresses,
  patchDeployment,
  patchIngress,
  patchScale,
} from './handlers-apps.js';
import { acrossNamespaces } from './all-namespaces.js';
import { getDerived, listDerived } from './derived.js';
import { DISCOVERY_ROUTES } from './discovery.js';
import { getEvent, listEvents, listPods, podLog } from './handlers-core.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { watchCollection } from './watch.js';
import { boolParam } from './list.js';
import { getNode, listNodes } from './nodes.js';
import { getHpa, getPdb, listHpas, listPdbs } from './scaling.js';
import { methodNotAllowed, pathNotFound } from './status.js';

export type { KubeRequest, Reply } from './handler.js';

interface Route {
  pattern: RegExp;
  verbs: Partial<Record<string, Handler>>;
}

const ROUTES: Route[] = [
  ...DISCOVERY_ROUTES,
  { pattern: /^\/api\/v1\/pods$/, verbs: { GET: acrossNamespaces(listPods) } },
  { pattern: /^\/api\/v1\/events$/, verbs: { GET: acrossNamespaces(listEvents) } },
  { pattern: /^\/api\/v1\/services$/, verbs: { GET: acrossNamespaces(listDerived('Service')) } },
  { pattern: /^\/apis\/apps\/v1\/deployments$/, verbs: { GET: acrossNamespaces(listDeployments) } },
  { pattern: /^\/apis\/apps\/v1\/replicasets$/, verbs: { GET: acrossNamespaces(listDerived('ReplicaSet')) } },
  {
    pattern: /^\/apis\/networking\.k8s\.io\/v1\/ingresses$/,
    verbs: { GET: acrossNamespaces(listIngresses) },
  },
  { pattern: /^\/api\/v1\/namespaces$/, verbs: { GET: listDerived('Namespace') } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)$/, verbs: { GET: getDerived('Namespace') } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/services$/, verbs: { GET: listDerived('Service') } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/, verbs: { GET: getDerived('Service') } },
  {
    pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/,
    verbs: { GET: listDerived('ReplicaSet') },
  },
  {
    pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets\/([^/]+)$/,
    verbs: { GET: getDerived('ReplicaSet') },
  },
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments$/, verbs: { GET: listDeployments } },
  {
    pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/,
    verbs: { GET: getDeployment, PATCH: patchDeployment },
  },
  {
    pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/status$/,
    verbs: { GET: getDeployment },
  },
  {
    pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/,
    verbs: { GET: getScale, PATCH: patchScale },
  },
  { pattern: /^\/api\/v1\/nodes$/, verbs: { GET: listNodes } },
  {
    pattern: /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers$/,
    verbs: { GET: listHpas },
  },
  { pattern: /^\/apis\/policy\/v1\/namespaces\/([^/]+)\/poddisruptionbudgets$/, verbs: { GET: listPdbs } },
  {
    pattern: /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers\/([^/]+)$/,
    verbs: { GET: getHpa },
  },
  {
    pattern: /^\/apis\/policy\/v1\/namespaces\/([^/]+)\/poddisruptionbudgets\/([^/]+)$/,
    verbs: { GET: getPdb },
  },
  { pattern: /^\/api\/v1\/nodes\/([^/]+)$/, verbs: { GET: (w, c, r, name) => getNode(w, c, r, '', name) } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/pods$/, verbs: { GET: listPods } },
  {
    pattern: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/,
    verbs: { GET: (w, c, _r, ns, name) => ok(w.kube.pod(c, ns, name)) },
  },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, verbs: { GET: podLog } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/events$/, verbs: { GET: listEvents } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/events\/([^/]+)$/, verbs: { GET: getEvent } },
  {
    pattern: /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/ingresses$/,
    verbs: { GET: listIngresses },
  },
  {
    pattern: /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/ingresses\/([^/]+)$/,
    verbs: { GET: (w, c, _r, ns, name) => ok(w.kube.getIngress(c, ns, name)), PATCH: patchIngress },
  },
  { pattern: /^\/version$/, verbs: { GET: () => ok(VERSION) } },
  {
    pattern: /^\/(healthz|readyz|livez)$/,
    verbs: { GET: () => ({ status: 200, body: 'ok', type: 'text/plain; charset=utf-8' }) },
  },
];

const VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-eks-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/**
 * Routes one authenticated request to its handler; KubeApiErrors thrown there become Status replies.
 * `?watch=true` on a collection streams its changes; the Table Accept header gets a Table of the answer.
 */
export function route(world: World, cluster: string, req: KubeRequest): Reply {
  for (const r of ROUTES) {
    const m = r.pattern.exec(req.url.pathname);
    if (!m) continue;
    const handler = r.verbs[req.method];
    if (!handler) throw methodNotAllowed();
    const ns = decodeURIComponent(m[1] ?? '');
    if (req.method === 'GET' && boolParam(req.url.searchParams, 'watch')) {
      if (!WATCHABLE.has(handler)) throw methodNotAllowed();
      return watchCollection(handler, world, cluster, req, ns);
    }
    const reply = handler(world, cluster, req, ns, decodeURIComponent(m[2] ?? ''));
    if (reply.status === 200 && !reply.stream && wantsTable(req.accept) && isKubeObject(reply.body))
      return { ...reply, body: toTable(reply.body, world.clock, includeObjectOf(req.url.searchParams)) };
    return reply;
  }
  throw pathNotFound();
}

/** The collections that can be watched. */
const WATCHABLE = new Set<Handler>([listPods, listDeployments, listEvents, listIngresses]);
for (const kind of ['Namespace', 'Service', 'ReplicaSet'] as const) WATCHABLE.add(listDerived(kind));
for (const list of [...WATCHABLE])
  if (list !== listDerived('Namespace')) WATCHABLE.add(acrossNamespaces(list));

function isKubeObject(body: unknown): boolean {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return (
    typeof kind === 'string' &&
    !['Status', 'Scale', 'APIResourceList', 'APIGroupList', 'APIVersions'].includes(kind)
  );
}
