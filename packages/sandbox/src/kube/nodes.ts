import type { World } from '../world.js';
import { ok, type KubeRequest, type Reply } from './handler.js';
import type { SimNode } from './state.js';
import { notFound } from './status.js';

/** The kubelet's conditions of a healthy node, in the order `kubectl describe node` shows them. */
const HEALTHY: Record<string, { status: 'True' | 'False'; reason: string; message: string }> = {
  MemoryPressure: {
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  DiskPressure: {
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  PIDPressure: {
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
};

const SINCE = '2025-01-01T00:00:00Z';

function nodeJson(node: SimNode, rv: string): unknown {
  const conditions = Object.entries(HEALTHY).map(([type, healthy]) => {
    const c = node.conditions?.[type] ?? healthy;
    return { type, ...c, lastHeartbeatTime: SINCE, lastTransitionTime: SINCE };
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: `node-${node.ip}`,
      resourceVersion: rv,
      creationTimestamp: SINCE,
      labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux' },
    },
    spec: {},
    status: {
      conditions,
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
    },
  };
}

/** `GET /api/v1/nodes`: the cluster's nodes with their conditions. */
export function listNodes(world: World, cluster: string, _req: KubeRequest): Reply {
  const rv = world.kube.resourceVersion(cluster);
  return ok({
    apiVersion: 'v1',
    kind: 'NodeList',
    metadata: { resourceVersion: rv },
    items: world.kube.nodes(cluster).map((n) => nodeJson(n, rv)),
  });
}

/** `GET /api/v1/nodes/{name}`. */
export function getNode(world: World, cluster: string, _req: KubeRequest, _ns: string, name: string): Reply {
  const node = world.kube.nodes(cluster).find((n) => n.name === name);
  if (!node) throw notFound('nodes', name);
  return ok(nodeJson(node, world.kube.resourceVersion(cluster)));
}

/**
 * Scenario: sets one condition of a node of `cluster` (`Ready` False for NotReady, `MemoryPressure` or
 * `DiskPressure` True), as the kubelet or the node controller would report it.
 */
export function setNodeCondition(
  world: World,
  cluster: string,
  node: string,
  type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure',
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
): void {
  const n = world.kube.nodes(cluster).find((x) => x.name === node);
  if (!n) throw new Error(`no node ${node} in cluster ${cluster}`);
  n.conditions = { ...n.conditions, [type]: { status, reason, message } };
}
