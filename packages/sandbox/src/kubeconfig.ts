import { stringify } from 'yaml';

/** What a kubeconfig of one sandbox cluster needs. */
export interface KubeconfigInput {
  cluster: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Base64 PEM of the cluster's CA, as EKS hands it out. */
  caData: string;
  /** A bearer token the cluster's API server accepts. */
  token: string;
  /** The context's default namespace, when one is known. */
  namespace: string | undefined;
}

/**
 * A kubeconfig (YAML) for one sandbox cluster: cluster, user and context all named after the cluster, the
 * context current, so that `KUBECONFIG=<file> kubectl get pods` and, with several files in KUBECONFIG,
 * `kubectl --context <cluster>` work as they are.
 */
export function kubeconfigYaml(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      { name: input.cluster, cluster: { server: input.server, 'certificate-authority-data': input.caData } },
    ],
    users: [{ name: input.cluster, user: { token: input.token } }],
    contexts: [
      {
        name: input.cluster,
        context: {
          cluster: input.cluster,
          user: input.cluster,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    'current-context': input.cluster,
  });
}
