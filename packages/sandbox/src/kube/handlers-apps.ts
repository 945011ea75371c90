import type { World } from '../world.js';
import { matchesLabelsAndFields, META_FIELDS, ok, type KubeRequest, type Reply } from './handler.js';
import { listBody, pageOfArray, pageParams } from './list.js';
import { applyPatch } from './patch.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { conflict } from './status.js';
import type { Deployment, Ingress, ObjectMeta } from './types.js';

/* Handlers of the apps/v1 Deployment and networking.k8s.io/v1 Ingress paths. */

/** GET /apis/apps/v1/namespaces/{ns}/deployments */
export function listDeployments(world: World, cluster: string, req: KubeRequest, ns: string): Reply {
  const q = req.url.searchParams;
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, META_FIELDS);
  const resource = `deployments/${ns}`;
  const items = [...(world.kube.namespace(cluster, ns)?.deployments.values() ?? [])].map((r) => r.dep);
  const page = pageOfArray(items, pageParams(q, resource), (d) =>
    matchesLabelsAndFields(d.metadata, labels, fields),
  );
  return ok(listBody('DeploymentList', 'apps/v1', resource, world.kube.resourceVersion(cluster), page));
}

/** GET /apis/networking.k8s.io/v1/namespaces/{ns}/ingresses */
export function listIngresses(world: World, cluster: string, req: KubeRequest, ns: string): Reply {
  const q = req.url.searchParams;
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, META_FIELDS);
  const resource = `ingresses/${ns}`;
  const items = [...(world.kube.namespace(cluster, ns)?.ingresses.values() ?? [])].map((r) => r.ingress);
  const page = pageOfArray(items, pageParams(q, resource), (i) =>
    matchesLabelsAndFields(i.metadata, labels, fields),
  );
  return ok(
    listBody('IngressList', 'networking.k8s.io/v1', resource, world.kube.resourceVersion(cluster), page),
  );
}

/** GET /apis/apps/v1/namespaces/{ns}/deployments/{name} (and its /status) */
export function getDeployment(
  world: World,
  cluster: string,
  _req: KubeRequest,
  ns: string,
  name: string,
): Reply {
  return ok(world.kube.deployment(cluster, ns, name));
}

/** Applies a patch with optimistic concurrency: a resourceVersion in the patched object must be current. */
function patched<T extends { metadata: ObjectMeta }>(kind: string, current: T, req: KubeRequest): T {
  const next = applyPatch(current, req.contentType, req.body) as T;
  const rv = (next as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
  if (rv !== undefined && rv !== null && rv !== '' && rv !== current.metadata.resourceVersion) {
    throw conflict(kind, current.metadata.name);
  }
  if (
    typeof next === 'object' &&
    next !== null &&
    typeof next.metadata === 'object' &&
    next.metadata !== null
  ) {
    next.metadata.resourceVersion = current.metadata.resourceVersion;
  }
  return next;
}

/** PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}: merge, strategic-merge or JSON patch. */
export function patchDeployment(
  world: World,
  cluster: string,
  req: KubeRequest,
  ns: string,
  name: string,
): Reply {
  world.traffic.settle();
  const current = world.kube.deployment(cluster, ns, name);
  const next = patched<Deployment>('Deployment', current, req);
  return ok(world.kube.updateDeployment(cluster, ns, name, next));
}

function scaleOf(dep: Deployment): unknown {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = dep.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: dep.spec.replicas },
    status: {
      replicas: dep.status.replicas ?? 0,
      selector: Object.entries(dep.spec.selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

/** GET /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale */
export function getScale(world: World, cluster: string, _req: KubeRequest, ns: string, name: string): Reply {
  return ok(scaleOf(world.kube.deployment(cluster, ns, name)));
}

/** PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale */
export function patchScale(world: World, cluster: string, req: KubeRequest, ns: string, name: string): Reply {
  world.traffic.settle();
  const current = world.kube.deployment(cluster, ns, name);
  const scale = patched<{ metadata: ObjectMeta; spec?: { replicas?: unknown } }>(
    'Deployment',
    scaleOf(current) as { metadata: ObjectMeta },
    req,
  );
  const next = structuredClone(current);
  next.spec.replicas = scale.spec?.replicas as number;
  return ok(scaleOf(world.kube.updateDeployment(cluster, ns, name, next)));
}

/** PATCH /apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{name} */
export function patchIngress(
  world: World,
  cluster: string,
  req: KubeRequest,
  ns: string,
  name: string,
): Reply {
  world.traffic.settle();
  const current = world.kube.getIngress(cluster, ns, name);
  return ok(world.kube.updateIngress(cluster, ns, name, patched<Ingress>('Ingress', current, req)));
}
