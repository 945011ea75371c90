import type { World } from '../world.js';
import { ok, type KubeRequest, type Reply } from './handler.js';
import { notFound } from './status.js';

/** A HorizontalPodAutoscaler a scenario puts in a namespace; its status is what the controller reports. */
export interface HpaSeed {
  name: string;
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  /** What the metrics ask for; above maxReplicas when the HPA is held at its ceiling. */
  wantedReplicas: number;
}

/** A PodDisruptionBudget a scenario puts in a namespace, with the disruption controller's status. */
export interface PdbSeed {
  name: string;
  matchLabels: Record<string, string>;
  minAvailable?: number;
  maxUnavailable?: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
}

interface Seeds {
  hpas: HpaSeed[];
  pdbs: PdbSeed[];
}

/** Kept beside the world (whose file is long enough), by cluster and namespace. */
const seeds = new WeakMap<World, Map<string, Seeds>>();

function of(world: World, cluster: string, ns: string): Seeds {
  let byNs = seeds.get(world);
  if (!byNs) seeds.set(world, (byNs = new Map<string, Seeds>()));
  let s = byNs.get(`${cluster}/${ns}`);
  if (!s) byNs.set(`${cluster}/${ns}`, (s = { hpas: [], pdbs: [] }));
  return s;
}

/** Scenario: an HPA of a Deployment (replaced when one has the same name). */
export function seedHpa(world: World, cluster: string, ns: string, hpa: HpaSeed): void {
  const s = of(world, cluster, ns);
  s.hpas = [...s.hpas.filter((h) => h.name !== hpa.name), hpa];
}

/** Scenario: a PDB over the pods its labels select (replaced when one has the same name). */
export function seedPdb(world: World, cluster: string, ns: string, pdb: PdbSeed): void {
  const s = of(world, cluster, ns);
  s.pdbs = [...s.pdbs.filter((p) => p.name !== pdb.name), pdb];
}

const meta = (name: string, ns: string, rv: string) => ({
  name,
  namespace: ns,
  uid: `${ns}-${name}`,
  resourceVersion: rv,
  creationTimestamp: '2025-01-01T00:00:00Z',
});

/** `GET /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers`. */
export function listHpas(world: World, cluster: string, _req: KubeRequest, ns: string): Reply {
  const rv = world.kube.resourceVersion(cluster);
  const items = of(world, cluster, ns).hpas.map((h) => {
    const limited = h.wantedReplicas > h.maxReplicas;
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(h.name, ns, rv),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: h.deployment },
        minReplicas: h.minReplicas,
        maxReplicas: h.maxReplicas,
      },
      status: {
        currentReplicas: h.currentReplicas,
        desiredReplicas: Math.min(h.wantedReplicas, h.maxReplicas),
        conditions: [
          {
            type: 'ScalingLimited',
            status: limited ? 'True' : 'False',
            reason: limited ? 'TooManyReplicas' : 'DesiredWithinRange',
            message: limited
              ? 'the desired replica count is more than the maximum replica count'
              : 'the desired count is within the acceptable range',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
      },
    };
  });
  return ok({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscalerList',
    metadata: { resourceVersion: rv },
    items,
  });
}

/** `GET /apis/policy/v1/namespaces/{ns}/poddisruptionbudgets`. */
export function listPdbs(world: World, cluster: string, _req: KubeRequest, ns: string): Reply {
  const rv = world.kube.resourceVersion(cluster);
  const items = of(world, cluster, ns).pdbs.map((p) => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(p.name, ns, rv),
    spec: {
      selector: { matchLabels: p.matchLabels },
      ...(p.minAvailable !== undefined ? { minAvailable: p.minAvailable } : {}),
      ...(p.maxUnavailable !== undefined ? { maxUnavailable: p.maxUnavailable } : {}),
    },
    status: {
      currentHealthy: p.currentHealthy,
      desiredHealthy: p.desiredHealthy,
      expectedPods: p.expectedPods,
      disruptionsAllowed: Math.max(0, p.currentHealthy - p.desiredHealthy),
      observedGeneration: 1,
    },
  }));
  return ok({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudgetList',
    metadata: { resourceVersion: rv },
    items,
  });
}

/** `GET .../horizontalpodautoscalers/{name}`: one item of the list, or NotFound. */
export function getHpa(world: World, cluster: string, req: KubeRequest, ns: string, name: string): Reply {
  return itemOf(listHpas(world, cluster, req, ns), 'horizontalpodautoscalers.autoscaling', name);
}

/** `GET .../poddisruptionbudgets/{name}`: one item of the list, or NotFound. */
export function getPdb(world: World, cluster: string, req: KubeRequest, ns: string, name: string): Reply {
  return itemOf(listPdbs(world, cluster, req, ns), 'poddisruptionbudgets.policy', name);
}

function itemOf(list: Reply, kind: string, name: string): Reply {
  const items = (list.body as { items: Array<{ metadata: { name: string } }> }).items;
  const item = items.find((i) => i.metadata.name === name);
  if (!item) throw notFound(kind, name);
  return ok(item);
}
