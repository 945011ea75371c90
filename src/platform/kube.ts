import type { V1Deployment } from '@kubernetes/client-node';
import type { SecurityAuthentication } from '@kubernetes/client-node/dist/gen/auth/auth.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
import { Agent } from 'undici';
import { systemClock, type Clock } from '../clock.js';
import { DriftError, isJarvisError, JarvisError } from '../errors.js';
import type { IngressAnnotations } from './alb.js';
import type * as KubeApiModule from './kube-api.js';
import { onDemand, type KubeClients } from './kube-clients.js';
import { callKube, pagedList, type KubeCallPolicy } from './kube-calls.js';
import { readIngressAnnotation, writeIngressAnnotation } from './kube-ingress.js';
import { nodeSummary, type NodeSummary } from './kube-nodes.js';
import { hpaSummary, pdbSummary, type ScalingPolicies } from './kube-policies.js';
import { rolloutAborted, rolloutFailed, rolloutTimedOut, rolloutVerdict } from './kube-rollout.js';
import {
  deploymentState,
  eventSummary,
  podSummary,
  type EventSummary,
  type PodSummary,
} from './kube-types.js';
import type { DeploymentState } from './types.js';

export type { ContainerSummary, EventSummary, PodSummary } from './kube-types.js';
export type { KubeClients } from './kube-clients.js';

/** Returns clients with a valid token; called per operation so tokens can be refreshed. */
export type KubeClientSource = () => Promise<KubeClients>;

/** Clients that share one pool of connections to the API server; `close` ends them. */
export interface PooledKubeClients extends KubeClients {
  close(): Promise<void>;
}

/** Where a cluster's API server is, and the CA (base64 PEM, as DescribeCluster returns it) that signs it. */
export interface KubeEndpoint {
  server: string;
  caData: string;
}

/**
 * The API clients of one cluster over one keep-alive connection pool that trusts only the
 * cluster's CA, the bearer token read on every request (EksAdapter hands out the same token until
 * shortly before it expires, so a refresh needs no new clients). `KubeConfig.makeApiClient` builds a new
 * dispatcher for every call in client-node 2.x: a TLS handshake per request, which a rollout's polling
 * and a diagnosis's paging pay many times over.
 */
export function pooledKubeClients(endpoint: KubeEndpoint, token: () => Promise<string>): PooledKubeClients {
  const dispatcher = new Agent({
    connect: { ca: Buffer.from(endpoint.caData, 'base64'), keepAlive: true, keepAliveInitialDelay: 30_000 },
    // A call the adapter has given up on (requestTimeoutMs) must not hold its connection for long.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const auth: SecurityAuthentication = {
    getName: () => 'EKS bearer token',
    applySecurityAuthentication: async (context) => {
      context.setHeaderParam('Authorization', `Bearer ${await token()}`);
      context.setDispatcher(dispatcher);
    },
  };
  const clients = onDemand(async () => (await kubeApi()).generatedClients(endpoint.server, auth));
  return { ...clients, close: () => dispatcher.close() };
}

type KubeApi = typeof KubeApiModule;
let loading: Promise<KubeApi> | undefined;

/** The generated calls' module, loaded once; a load that failed is not kept. */
function kubeApi(): Promise<KubeApi> {
  loading ??= import('./kube-api.js').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/**
 * Starts loading the Kubernetes client's code without waiting for it, so that the first call of a turn
 * does not pay for it (a person's request starts it: see Platform.warm). A failure is the first call's
 * to report.
 */
export function warmKubeApi(): void {
  kubeApi().catch(() => undefined);
}

/** What a KubeAdapter is built from; only `clients` is required. */
export interface KubeAdapterDeps {
  clients: KubeClientSource;
  /** Clock for back-offs and rollout polling; the wall clock by default. */
  clock?: Clock;
  /** Retries of throttled, failed (5xx) and unreachable calls. Default 4. */
  retries?: number;
  /** First back-off in clock milliseconds, doubling. Default 250. */
  retryBaseMs?: number;
  /** Real milliseconds one HTTP exchange may take. Default 30 000. */
  requestTimeoutMs?: number;
}

/** Read-decide-patch rounds before a write gives up on a resource that keeps changing. */
const CONFLICT_ATTEMPTS = 4;
const DEFAULT_LOG_LINES = 200;
const DEFAULT_LOG_BYTES = 64 * 1024;
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/**
 * The Kubernetes operations Jarvis needs, over `@kubernetes/client-node`: Deployments (read, set image
 * and replicas, wait for the rollout), pods, logs and events for diagnoses, and Ingress annotations for
 * ALBs owned by the AWS Load Balancer Controller. Every failure is a JarvisError naming
 * `namespace/kind/name` (see callKube for the codes).
 */
export class KubeAdapter implements IngressAnnotations {
  private readonly clients: KubeClientSource;
  private readonly clock: Clock;
  private readonly policy: KubeCallPolicy;

  constructor(deps: KubeAdapterDeps) {
    this.clients = deps.clients;
    this.clock = deps.clock ?? systemClock;
    this.policy = {
      clock: this.clock,
      retries: deps.retries ?? 4,
      retryBaseMs: deps.retryBaseMs ?? 250,
      requestTimeoutMs: deps.requestTimeoutMs ?? 30_000,
    };
  }

  /** The Deployment's state for `container` (image undefined when it has no such container). NOT_FOUND when absent. */
  async getDeployment(namespace: string, name: string, container: string): Promise<DeploymentState> {
    return deploymentState(await this.readDeployment(namespace, name), container);
  }

  /**
   * Sets `container`'s image and the replicas with a strategic-merge patch (other containers untouched),
   * guarded by the resourceVersion read just before; no request at all when both already hold. A
   * conflict (the controller writing status, someone else writing) means read, decide and patch again,
   * a few times. The answer is checked: DRIFT when it does not show the values written. INVALID_INPUT
   * when the container does not exist or the API refuses the values (422); CONFLICT when the Deployment
   * kept changing.
   */
  async setImageAndReplicas(
    namespace: string,
    name: string,
    container: string,
    image: string,
    replicas: number,
  ): Promise<{ changed: boolean; state: DeploymentState }> {
    const resource = `${namespace}/deployment/${name}`;
    for (let attempt = 1; ; attempt++) {
      const current = await this.readDeployment(namespace, name);
      const before = deploymentState(current, container);
      if (before.image === undefined) {
        const names = current.spec?.template.spec?.containers.map((c) => c.name) ?? [];
        const message = `${resource} has no container "${container}"; it has ${names.join(', ')}.`;
        throw new JarvisError('INVALID_INPUT', message, { resource, options: names });
      }
      if (before.image === image && before.replicas === replicas)
        return { changed: attempt > 1, state: before };
      const body = {
        metadata: { resourceVersion: current.metadata?.resourceVersion },
        spec: { replicas, template: { spec: { containers: [{ name: container, image }] } } },
      };
      let updated: V1Deployment;
      try {
        updated = await callKube({ op: 'patch', resource }, this.policy, async () =>
          (await this.clients()).apps.patchNamespacedDeployment({ name, namespace, body }, strategic),
        );
      } catch (err) {
        if (isJarvisError(err, 'CONFLICT') && attempt < CONFLICT_ATTEMPTS) continue;
        throw err;
      }
      const after = deploymentState(updated, container);
      if (after.image !== image || after.replicas !== replicas) {
        const actual = { image: after.image, replicas: after.replicas };
        throw new DriftError(resource, { image, replicas }, actual, 'Read it again before retrying.');
      }
      return { changed: true, state: after };
    }
  }

  /**
   * Polls (every `pollMs` of the injected clock, default 2 s) until the controller has observed the
   * latest generation and all replicas are updated and available with no old ones left, and returns that
   * state. ROLLOUT_FAILED when the Deployment reports ProgressDeadlineExceeded; TIMEOUT after `timeoutMs`;
   * ABORTED when `signal` fires.
   */
  async waitForRollout(
    namespace: string,
    name: string,
    container: string,
    opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
  ): Promise<DeploymentState> {
    const resource = `${namespace}/deployment/${name}`;
    const deadline = this.clock.now() + opts.timeoutMs;
    for (;;) {
      if (opts.signal?.aborted) throw rolloutAborted(resource, opts.signal);
      const { state, verdict } = rolloutVerdict(await this.readDeployment(namespace, name), container);
      if (verdict === 'failed') throw rolloutFailed(resource, state);
      if (verdict === 'done') return state;
      const left = deadline - this.clock.now();
      if (left <= 0) throw rolloutTimedOut(resource, state, opts.timeoutMs);
      try {
        await this.clock.sleep(Math.min(opts.pollMs ?? 2000, left), opts.signal);
      } catch {
        throw rolloutAborted(resource, opts.signal);
      }
    }
  }

  /**
   * Pods matching `labelSelector` (`app=x,colour in (blue)`; empty for all), fetched in pages of
   * `pageSize` (default 500) up to `max` (default 10 000): `truncated` says more exist. A listing whose
   * continue token expires midway is restarted once.
   */
  async listPods(
    namespace: string,
    labelSelector: string,
    opts: { pageSize?: number; max?: number } = {},
  ): Promise<{ pods: PodSummary[]; truncated: boolean }> {
    const { items, truncated } = await pagedList(
      `${namespace}/pods`,
      this.policy,
      opts,
      async (limit, token) => {
        const list = await (
          await this.clients()
        ).core.listNamespacedPod({
          namespace,
          ...(labelSelector ? { labelSelector } : {}),
          limit,
          ...(token ? { _continue: token } : {}),
        });
        return { items: list.items.map(podSummary), next: list.metadata?._continue };
      },
    );
    return { pods: items, truncated };
  }

  /**
   * The tail of a container's log: `tailLines` (default 200) and at most `limitBytes` (default 64 KiB),
   * so that what reaches a person or a model is bounded; `previous` reads the instance that ended last
   * (what a crash loop is diagnosed from). The text is the workload's: untrusted data.
   * INVALID_INPUT when the container has not started (the message says why, e.g. image pull failures).
   */
  async podLogs(
    namespace: string,
    pod: string,
    opts: { container?: string; tailLines?: number; limitBytes?: number; previous?: boolean } = {},
  ): Promise<string> {
    return callKube({ op: 'read log', resource: `${namespace}/pod/${pod}` }, this.policy, async () =>
      (await this.clients()).core.readNamespacedPodLog({
        name: pod,
        namespace,
        ...(opts.container ? { container: opts.container } : {}),
        ...(opts.previous ? { previous: true } : {}),
        tailLines: opts.tailLines ?? DEFAULT_LOG_LINES,
        limitBytes: opts.limitBytes ?? DEFAULT_LOG_BYTES,
      }),
    );
  }

  /**
   * Events of a namespace, optionally about one object (`kind`, `name`) and of one `type` (Warning
   * narrows a busy namespace to what matters), most recent first, fetched in pages of `pageSize`
   * (default 500) up to `max` (default 1 000): `truncated` says more exist.
   */
  async events(
    namespace: string,
    opts: { kind?: string; name?: string; type?: 'Normal' | 'Warning'; pageSize?: number; max?: number } = {},
  ): Promise<{ events: EventSummary[]; truncated: boolean }> {
    const fields = [
      ...(opts.kind ? [`involvedObject.kind=${opts.kind}`] : []),
      ...(opts.name ? [`involvedObject.name=${opts.name}`] : []),
      ...(opts.type ? [`type=${opts.type}`] : []),
    ].join(',');
    const resource = `${namespace}/events${opts.name ? `/${opts.kind ?? 'object'}/${opts.name}` : ''}`;
    const { items, truncated } = await pagedList(
      resource,
      this.policy,
      { pageSize: opts.pageSize, max: opts.max ?? 1000 },
      async (limit, token) => {
        const list = await (
          await this.clients()
        ).core.listNamespacedEvent({
          namespace,
          ...(fields ? { fieldSelector: fields } : {}),
          limit,
          ...(token ? { _continue: token } : {}),
        });
        return { items: list.items.map(eventSummary), next: list.metadata?._continue };
      },
    );
    items.sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''));
    return { events: items, truncated };
  }

  /** The value of annotation `key` on an Ingress; undefined when unset. NOT_FOUND when the Ingress is absent. */
  readAnnotation(namespace: string, ingress: string, key: string): Promise<string | undefined> {
    return readIngressAnnotation(this.clients, this.policy, namespace, ingress, key);
  }

  /**
   * Sets annotation `key` of an Ingress with a merge patch guarded by the resourceVersion just read; no
   * request when it already holds `value`. DRIFT when the answer does not show it; CONFLICT when the
   * Ingress changed meanwhile.
   */
  writeAnnotation(namespace: string, ingress: string, key: string, value: string): Promise<void> {
    return writeIngressAnnotation(this.clients, this.policy, namespace, ingress, key, value);
  }

  /** The namespace's HorizontalPodAutoscalers and PodDisruptionBudgets, for diagnoses. */
  async scalingPolicies(namespace: string): Promise<ScalingPolicies> {
    const clients = await this.clients();
    const [hpas, pdbs] = await Promise.all([
      callKube({ op: 'list', resource: `${namespace}/horizontalpodautoscalers` }, this.policy, () =>
        clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace, limit: 500 }),
      ),
      callKube({ op: 'list', resource: `${namespace}/poddisruptionbudgets` }, this.policy, () =>
        clients.policy.listNamespacedPodDisruptionBudget({ namespace, limit: 500 }),
      ),
    ]);
    return { hpas: hpas.items.map(hpaSummary), pdbs: pdbs.items.map(pdbSummary) };
  }

  /** The cluster's nodes with their conditions (at most 1,000: a diagnosis needs only those under its pods). */
  async listNodes(): Promise<NodeSummary[]> {
    const list = await callKube({ op: 'list', resource: 'nodes' }, this.policy, async () =>
      (await this.clients()).core.listNode({ limit: 1000 }),
    );
    return list.items.map(nodeSummary);
  }

  private async readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    return callKube({ op: 'get', resource: `${namespace}/deployment/${name}` }, this.policy, async () =>
      (await this.clients()).apps.readNamespacedDeployment({ name, namespace }),
    );
  }
}
