import { ok, type Handler } from './handler.js';

/* The API server's discovery documents (legacy, non-aggregated): what kubectl reads before any command. */

/** One resource of a group version, as an APIResourceList lists it. */
export interface DiscoveredResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const READ = ['get', 'list', 'watch'];
const READ_PATCH = ['get', 'list', 'patch', 'watch'];
/** Served without watch: the simulation has no change feed for them. */
const GET_LIST = ['get', 'list'];

/**
 * The resources the sandbox serves, per group version. Subresources are listed as the API server lists
 * them (`pods/log`, `deployments/scale`). Verbs name only what the sandbox answers.
 */
export const API_RESOURCES: Record<string, DiscoveredResource[]> = {
  v1: [
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: READ,
      shortNames: ['ns'],
    },
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: READ,
      shortNames: ['po'],
      categories: ['all'],
    },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    {
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: READ,
      shortNames: ['ev'],
    },
    {
      name: 'services',
      singularName: 'service',
      namespaced: true,
      kind: 'Service',
      verbs: READ,
      shortNames: ['svc'],
      categories: ['all'],
    },
    // Read by diagnoses (node conditions): `kubectl describe node` is one of their hints.
    {
      name: 'nodes',
      singularName: 'node',
      namespaced: false,
      kind: 'Node',
      verbs: GET_LIST,
      shortNames: ['no'],
    },
  ],
  'apps/v1': [
    {
      name: 'deployments',
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      verbs: READ_PATCH,
      shortNames: ['deploy'],
      categories: ['all'],
    },
    { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get'] },
    { name: 'deployments/scale', singularName: '', namespaced: true, kind: 'Scale', verbs: ['get', 'patch'] },
    {
      name: 'replicasets',
      singularName: 'replicaset',
      namespaced: true,
      kind: 'ReplicaSet',
      verbs: READ,
      shortNames: ['rs'],
      categories: ['all'],
    },
  ],
  // Read by diagnoses (an HPA at its maximum, a PDB blocking): `kubectl describe hpa|pdb` are their hints.
  'autoscaling/v2': [
    {
      name: 'horizontalpodautoscalers',
      singularName: 'horizontalpodautoscaler',
      namespaced: true,
      kind: 'HorizontalPodAutoscaler',
      verbs: GET_LIST,
      shortNames: ['hpa'],
      categories: ['all'],
    },
  ],
  'policy/v1': [
    {
      name: 'poddisruptionbudgets',
      singularName: 'poddisruptionbudget',
      namespaced: true,
      kind: 'PodDisruptionBudget',
      verbs: GET_LIST,
      shortNames: ['pdb'],
    },
  ],
  'networking.k8s.io/v1': [
    {
      name: 'ingresses',
      singularName: 'ingress',
      namespaced: true,
      kind: 'Ingress',
      verbs: READ_PATCH,
      shortNames: ['ing'],
    },
  ],
};

const groupVersions = (): string[] => Object.keys(API_RESOURCES).filter((gv) => gv.includes('/'));
const LOOPBACK = [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }];

const apiVersions: Handler = () =>
  ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: LOOPBACK });

const apiGroupList: Handler = () => {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    const [group, version] = gv.split('/') as [string, string];
    groups.set(group, [...(groups.get(group) ?? []), version]);
  }
  return ok({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  });
};

const resourceList =
  (groupVersion: string): Handler =>
  () =>
    ok({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: API_RESOURCES[groupVersion]!.map((r) => ({ ...r, storageVersionHash: '' })),
    });

/** The discovery routes: `/api`, `/api/v1`, `/apis` and `/apis/<group>/<version>` of each served group. */
export const DISCOVERY_ROUTES: Array<{ pattern: RegExp; verbs: Partial<Record<string, Handler>> }> = [
  { pattern: /^\/api\/?$/, verbs: { GET: apiVersions } },
  { pattern: /^\/api\/v1\/?$/, verbs: { GET: resourceList('v1') } },
  { pattern: /^\/apis\/?$/, verbs: { GET: apiGroupList } },
  ...groupVersions().map((gv) => ({
    pattern: new RegExp(`^/apis/${gv.replace(/\./g, '\\.')}/?$`),
    verbs: { GET: resourceList(gv) },
  })),
];
