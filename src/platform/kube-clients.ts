import type {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  NetworkingV1Api,
  PolicyV1Api,
} from '@kubernetes/client-node';

/**
 * The calls of client-node's API classes that the adapter makes, with the library's own signatures, so
 * that the classes themselves (`KubeConfig.makeApiClient`) satisfy it as well as the
 * generated request factories Jarvis runs with (kube-api.ts).
 */
export interface KubeClients {
  apps: Pick<AppsV1Api, 'readNamespacedDeployment' | 'patchNamespacedDeployment'>;
  core: Pick<CoreV1Api, 'listNamespacedPod' | 'readNamespacedPodLog' | 'listNamespacedEvent' | 'listNode'>;
  networking: Pick<NetworkingV1Api, 'readNamespacedIngress' | 'patchNamespacedIngress'>;
  autoscaling: Pick<AutoscalingV2Api, 'listNamespacedHorizontalPodAutoscaler'>;
  policy: Pick<PolicyV1Api, 'listNamespacedPodDisruptionBudget'>;
}

/**
 * {@link KubeClients} whose implementation is built by the first call that needs it: client-node's
 * generated code (about 800 modules) is loaded by a process once it talks to Kubernetes, not by one that
 * has only started. A failed build is not kept; the next call builds again.
 */
export function onDemand(build: () => Promise<KubeClients>): KubeClients {
  let built: Promise<KubeClients> | undefined;
  const clients = async (): Promise<KubeClients> => {
    built ??= build();
    try {
      return await built;
    } catch (err) {
      built = undefined;
      throw err;
    }
  };
  return {
    apps: {
      readNamespacedDeployment: async (p, o) => (await clients()).apps.readNamespacedDeployment(p, o),
      patchNamespacedDeployment: async (p, o) => (await clients()).apps.patchNamespacedDeployment(p, o),
    },
    core: {
      listNamespacedPod: async (p, o) => (await clients()).core.listNamespacedPod(p, o),
      readNamespacedPodLog: async (p, o) => (await clients()).core.readNamespacedPodLog(p, o),
      listNamespacedEvent: async (p, o) => (await clients()).core.listNamespacedEvent(p, o),
      listNode: async (p, o) => (await clients()).core.listNode(p, o),
    },
    networking: {
      readNamespacedIngress: async (p, o) => (await clients()).networking.readNamespacedIngress(p, o),
      patchNamespacedIngress: async (p, o) => (await clients()).networking.patchNamespacedIngress(p, o),
    },
    autoscaling: {
      listNamespacedHorizontalPodAutoscaler: async (p, o) =>
        (await clients()).autoscaling.listNamespacedHorizontalPodAutoscaler(p, o),
    },
    policy: {
      listNamespacedPodDisruptionBudget: async (p, o) =>
        (await clients()).policy.listNamespacedPodDisruptionBudget(p, o),
    },
  };
}
