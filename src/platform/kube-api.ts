/*
 * The Kubernetes calls Jarvis makes (KubeClients), over client-node's generated request factories and
 * response processors of the five API groups it uses, imported from their own modules. The package's
 * entry point loads every API group's wrappers (about 14 MB of generated JavaScript) and its kubeconfig
 * machinery (OIDC, SOCKS, exec plugins); these modules are what those wrappers call for these nine
 * operations, so requests, authentication, errors (ApiException) and deserialised objects (dates as
 * Date) are the library's own. Loaded on demand (kube-clients.ts onDemand).
 */
import {
  AppsV1ApiRequestFactory,
  AppsV1ApiResponseProcessor,
} from '@kubernetes/client-node/dist/gen/apis/AppsV1Api.js';
import {
  AutoscalingV2ApiRequestFactory,
  AutoscalingV2ApiResponseProcessor,
} from '@kubernetes/client-node/dist/gen/apis/AutoscalingV2Api.js';
import {
  CoreV1ApiRequestFactory,
  CoreV1ApiResponseProcessor,
} from '@kubernetes/client-node/dist/gen/apis/CoreV1Api.js';
import {
  NetworkingV1ApiRequestFactory,
  NetworkingV1ApiResponseProcessor,
} from '@kubernetes/client-node/dist/gen/apis/NetworkingV1Api.js';
import {
  PolicyV1ApiRequestFactory,
  PolicyV1ApiResponseProcessor,
} from '@kubernetes/client-node/dist/gen/apis/PolicyV1Api.js';
import type { SecurityAuthentication } from '@kubernetes/client-node/dist/gen/auth/auth.js';
import {
  createConfiguration,
  type Configuration,
  type ConfigurationOptions,
} from '@kubernetes/client-node/dist/gen/configuration.js';
import type {
  HttpInfo,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node/dist/gen/http/http.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import type { KubeClients } from './kube-clients.js';

/**
 * One exchange as client-node's wrappers make it: the request built (and authenticated) by the factory,
 * the call's middleware before and after, the response unwrapped by the processor (ApiException on a
 * status outside 2xx). Call options may only add middleware (what `setHeaderOptions` gives): a server,
 * HTTP library or authentication per call would be ignored here, so it is refused.
 */
async function exchange<T>(
  config: Configuration,
  options: ConfigurationOptions | undefined,
  request: (config: Configuration) => Promise<RequestContext>,
  unwrap: (response: ResponseContext) => Promise<HttpInfo<T>>,
): Promise<T> {
  if (options?.baseServer || options?.httpApi || options?.authMethods) {
    throw new Error('Kubernetes call options may only add middleware; the client has its server and auth');
  }
  const middleware = options?.middleware ?? [];
  let context = await request(config);
  for (const m of middleware) context = await m.pre(context).toPromise();
  let response = await config.httpApi.send(context).toPromise();
  for (const m of [...middleware].reverse()) response = await m.post(response).toPromise();
  return (await unwrap(response)).data;
}

/** The query parameters every list call takes, in the order of the generated request factories. */
interface ListParams {
  pretty?: string;
  allowWatchBookmarks?: boolean;
  _continue?: string;
  fieldSelector?: string;
  labelSelector?: string;
  limit?: number;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: boolean;
  shardSelector?: string;
  timeoutSeconds?: number;
  watch?: boolean;
}

function listTail(p: ListParams) {
  return [
    p.pretty,
    p.allowWatchBookmarks,
    p._continue,
    p.fieldSelector,
    p.labelSelector,
    p.limit,
    p.resourceVersion,
    p.resourceVersionMatch,
    p.sendInitialEvents,
    p.shardSelector,
    p.timeoutSeconds,
    p.watch,
  ] as const;
}

/** The body and parameters every patch call takes after the object's name and namespace. */
interface PatchParams {
  body: unknown;
  pretty?: string;
  dryRun?: string;
  fieldManager?: string;
  fieldValidation?: string;
  force?: boolean;
}

function patchTail(p: PatchParams) {
  return [p.body, p.pretty, p.dryRun, p.fieldManager, p.fieldValidation, p.force] as const;
}

/** The {@link KubeClients} calls to the API server at `server`, each request authenticated by `auth`. */
export function generatedClients(server: string, auth: SecurityAuthentication): KubeClients {
  const config = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: auth },
  });
  const apps = { req: new AppsV1ApiRequestFactory(config), res: new AppsV1ApiResponseProcessor() };
  const core = { req: new CoreV1ApiRequestFactory(config), res: new CoreV1ApiResponseProcessor() };
  const networking = {
    req: new NetworkingV1ApiRequestFactory(config),
    res: new NetworkingV1ApiResponseProcessor(),
  };
  const autoscaling = {
    req: new AutoscalingV2ApiRequestFactory(config),
    res: new AutoscalingV2ApiResponseProcessor(),
  };
  const policy = { req: new PolicyV1ApiRequestFactory(config), res: new PolicyV1ApiResponseProcessor() };
  return {
    apps: {
      readNamespacedDeployment: (p, o) =>
        exchange(
          config,
          o,
          (c) => apps.req.readNamespacedDeployment(p.name, p.namespace, p.pretty, c),
          (r) => apps.res.readNamespacedDeploymentWithHttpInfo(r),
        ),
      patchNamespacedDeployment: (p, o) =>
        exchange(
          config,
          o,
          (c) => apps.req.patchNamespacedDeployment(p.name, p.namespace, ...patchTail(p), c),
          (r) => apps.res.patchNamespacedDeploymentWithHttpInfo(r),
        ),
    },
    core: {
      listNamespacedPod: (p, o) =>
        exchange(
          config,
          o,
          (c) => core.req.listNamespacedPod(p.namespace, ...listTail(p), c),
          (r) => core.res.listNamespacedPodWithHttpInfo(r),
        ),
      readNamespacedPodLog: (p, o) =>
        exchange(
          config,
          o,
          (c) =>
            core.req.readNamespacedPodLog(
              p.name,
              p.namespace,
              p.container,
              p.follow,
              p.insecureSkipTLSVerifyBackend,
              p.limitBytes,
              p.pretty,
              p.previous,
              p.sinceSeconds,
              p.stream,
              p.tailLines,
              p.timestamps,
              c,
            ),
          (r) => core.res.readNamespacedPodLogWithHttpInfo(r),
        ),
      listNamespacedEvent: (p, o) =>
        exchange(
          config,
          o,
          (c) => core.req.listNamespacedEvent(p.namespace, ...listTail(p), c),
          (r) => core.res.listNamespacedEventWithHttpInfo(r),
        ),
      listNode: (p, o) =>
        exchange(
          config,
          o,
          (c) => core.req.listNode(...listTail(p ?? {}), c),
          (r) => core.res.listNodeWithHttpInfo(r),
        ),
    },
    networking: {
      readNamespacedIngress: (p, o) =>
        exchange(
          config,
          o,
          (c) => networking.req.readNamespacedIngress(p.name, p.namespace, p.pretty, c),
          (r) => networking.res.readNamespacedIngressWithHttpInfo(r),
        ),
      patchNamespacedIngress: (p, o) =>
        exchange(
          config,
          o,
          (c) => networking.req.patchNamespacedIngress(p.name, p.namespace, ...patchTail(p), c),
          (r) => networking.res.patchNamespacedIngressWithHttpInfo(r),
        ),
    },
    autoscaling: {
      listNamespacedHorizontalPodAutoscaler: (p, o) =>
        exchange(
          config,
          o,
          (c) => autoscaling.req.listNamespacedHorizontalPodAutoscaler(p.namespace, ...listTail(p), c),
          (r) => autoscaling.res.listNamespacedHorizontalPodAutoscalerWithHttpInfo(r),
        ),
    },
    policy: {
      listNamespacedPodDisruptionBudget: (p, o) =>
        exchange(
          config,
          o,
          (c) => policy.req.listNamespacedPodDisruptionBudget(p.namespace, ...listTail(p), c),
          (r) => policy.res.listNamespacedPodDisruptionBudgetWithHttpInfo(r),
        ),
    },
  };
}
