import type { World } from '../world.js';
import { matchesLabelsAndFields, META_FIELDS, ok, type Handler } from './handler.js';
import { listBody, pageOfArray, pageParams } from './list.js';
import { hash32, ts } from './meta.js';
import { isReady } from './pod-status.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { DeploymentRecord, NamespaceState } from './state.js';
import { notFound } from './status.js';
import type { ObjectMeta } from './types.js';

/*
 * Read-only kinds derived from the simulation: Namespaces (those that hold workloads, plus the ones every
 * cluster has), a ClusterIP Service per Deployment (its name and selector, as the manifests the sandbox
 * imitates declare them) and the Deployments' ReplicaSets, with their pods counted.
 */

interface Derived {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** The earliest creation among a namespace's Deployments, as the namespace's own (clock ms). */
function bornAt(ns: NamespaceState | undefined): number | undefined {
  const times = [...(ns?.deployments.values() ?? [])].map((r) =>
    Date.parse(r.dep.metadata.creationTimestamp),
  );
  return times.length > 0 ? Math.min(...times) : undefined;
}

function namespaces(world: World, cluster: string): Derived[] {
  const names = new Set(SYSTEM_NAMESPACES);
  const found = new Map<string, NamespaceState>();
  for (const name of world.kube.namespaceNames(cluster)) {
    names.add(name);
    const ns = world.kube.namespace(cluster, name);
    if (ns) found.set(name, ns);
  }
  const oldest = Math.min(...[...found.values()].map((n) => bornAt(n) ?? Infinity), world.clock.now());
  return [...names].sort().map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: uidOf(`${cluster}/ns/${name}`),
      resourceVersion: String(100 + (hash32(name) % 800)),
      creationTimestamp: ts(bornAt(found.get(name)) ?? oldest),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
}

function serviceOf(cluster: string, ns: NamespaceState, rec: DeploymentRecord): Derived {
  const dep = rec.dep;
  const name = dep.metadata.name;
  const h = hash32(`${cluster}/${ns.name}/${name}`);
  const ip = `172.20.${(h >> 8) & 255}.${1 + (h % 254)}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns.name,
      uid: uidOf(`${cluster}/svc/${dep.metadata.uid}`),
      resourceVersion: String(500 + (h % 400)),
      creationTimestamp: dep.metadata.creationTimestamp,
      labels: { ...dep.spec.selector.matchLabels },
    },
    spec: {
      type: 'ClusterIP',
      selector: { ...dep.spec.selector.matchLabels },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

function replicaSetsOf(ns: NamespaceState, rec: DeploymentRecord): Derived[] {
  const dep = rec.dep;
  const pods = ns
    .podsOfDeployment(dep.metadata.name)
    .filter((p) => p.stage !== 'terminating' && p.stage !== 'gone');
  return [...rec.replicaSets.values()].map((rs) => {
    const own = pods.filter((p) => p.pod.metadata.labels?.['pod-template-hash'] === rs.hash);
    const ready = own.filter((p) => isReady(p.pod)).length;
    const labels = { ...rs.template.metadata.labels, 'pod-template-hash': rs.hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rs.name,
        namespace: ns.name,
        uid: rs.uid,
        resourceVersion: dep.metadata.resourceVersion,
        generation: 1,
        creationTimestamp: rs.createdAt !== undefined ? ts(rs.createdAt) : dep.metadata.creationTimestamp,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(dep.spec.replicas),
          'deployment.kubernetes.io/max-replicas': String(dep.spec.replicas + 1),
          'deployment.kubernetes.io/revision': String(rs.revision),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: dep.metadata.name,
            uid: dep.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: rs.replicas,
        selector: { matchLabels: { ...dep.spec.selector.matchLabels, 'pod-template-hash': rs.hash } },
        template: { ...rs.template, metadata: { ...rs.template.metadata, labels } },
      },
      status: {
        replicas: own.length,
        fullyLabeledReplicas: own.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: 1,
      },
    };
  });
}

/** A stable uid for a derived object, shaped as the API server's. */
function uidOf(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash32(`${i}:${seed}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The derived objects of a kind in a namespace (or, for Namespaces, the cluster). */
export function derivedObjects(
  world: World,
  cluster: string,
  kind: DerivedKind,
  namespace: string,
): Derived[] {
  if (kind === 'Namespace') return namespaces(world, cluster);
  const ns = world.kube.namespace(cluster, namespace);
  if (!ns) return [];
  const deps = [...ns.deployments.values()];
  return kind === 'Service'
    ? deps.map((d) => serviceOf(cluster, ns, d))
    : deps.flatMap((d) => replicaSetsOf(ns, d));
}

export type DerivedKind = 'Namespace' | 'Service' | 'ReplicaSet';
const LISTS: Record<DerivedKind, { list: string; apiVersion: string; plural: string }> = {
  Namespace: { list: 'NamespaceList', apiVersion: 'v1', plural: 'namespaces' },
  Service: { list: 'ServiceList', apiVersion: 'v1', plural: 'services' },
  ReplicaSet: { list: 'ReplicaSetList', apiVersion: 'apps/v1', plural: 'replicasets' },
};

const listers = new Map<DerivedKind, Handler>();
const getters = new Map<DerivedKind, Handler>();

/** GET of a derived collection, with label and `metadata.*` field selectors, limit and continue (one handler per kind). */
export function listDerived(kind: DerivedKind): Handler {
  const known = listers.get(kind);
  if (known) return known;
  const handler: Handler = (world, cluster, req, ns) => {
    const q = req.url.searchParams;
    const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, META_FIELDS);
    const { list, apiVersion, plural } = LISTS[kind];
    const resource = `${plural}/${ns}`;
    const page = pageOfArray(derivedObjects(world, cluster, kind, ns), pageParams(q, resource), (o) =>
      matchesLabelsAndFields(o.metadata, labels, fields),
    );
    return ok(listBody(list, apiVersion, resource, world.kube.resourceVersion(cluster), page));
  };
  listers.set(kind, handler);
  return handler;
}

/** GET of one derived object; 404 NotFound when there is none. */
export function getDerived(kind: DerivedKind): Handler {
  const known = getters.get(kind);
  if (known) return known;
  const handler: Handler = (world, cluster, _req, ns, name) => {
    // Namespaces are cluster-scoped: their name is the first path parameter.
    const wanted = kind === 'Namespace' ? ns : name;
    const found = derivedObjects(world, cluster, kind, ns).find((o) => o.metadata.name === wanted);
    if (!found) throw notFound(kind, wanted);
    return ok(found);
  };
  getters.set(kind, handler);
  return handler;
}
