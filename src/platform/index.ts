import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Clock } from '../clock.js';
import { environmentOf, type LoadedConfig } from '../config.js';
import { JarvisError } from '../errors.js';
import { AlbAdapter } from './alb.js';
import { EksAdapter } from './eks.js';
import { clientsFromKubeConfig, KubeAdapter, type KubeClients } from './kube.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import type { MetricsProvider } from './metrics/provider.js';
import { SandboxMetrics } from './metrics/sandbox.js';

export interface PlatformOptions {
  config: LoadedConfig;
  clock: Clock;
  /** Static credentials (the sandbox's); undefined: the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Endpoint overrides (the sandbox's); undefined: the SDK's own resolution, AWS_ENDPOINT_URL_* included. */
  endpoints?: { elbv2?: string | undefined; eks?: string | undefined } | undefined;
  /** Base URL of the sandbox's control API, for `metrics.provider: sandbox`. */
  sandboxUrl?: string | undefined;
  /** SDK attempts per call, retries of throttling and 5xx included. Default 5. */
  maxAttempts?: number;
}

/** The adapters of one environment. */
export interface EnvironmentPlatform {
  alb: AlbAdapter;
  eks: EksAdapter;
  kube: KubeAdapter;
}

/**
 * Builds the SDK clients and adapters, once per region and environment, and hands them out. Nothing else
 * creates an SDK client (STYLE.md 7).
 */
export class Platform {
  readonly metrics: MetricsProvider;
  private readonly byEnv = new Map<string, EnvironmentPlatform>();
  private readonly elbv2 = new Map<string, ElasticLoadBalancingV2Client>();
  private readonly eksClients = new Map<string, EKSClient>();

  constructor(private readonly options: PlatformOptions) {
    this.metrics = metricsProvider(options);
  }

  /** The adapters of `env`; NOT_FOUND for an unknown environment. */
  forEnv(env: string): EnvironmentPlatform {
    const existing = this.byEnv.get(env);
    if (existing) return existing;
    const { region, cluster } = environmentOf(this.options.config, env);
    const common = {
      region,
      maxAttempts: this.options.maxAttempts ?? 5,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    };
    const elbv2 = cached(
      this.elbv2,
      region,
      () => new ElasticLoadBalancingV2Client({ ...common, ...endpoint(this.options.endpoints?.elbv2) }),
    );
    const eksClient = cached(
      this.eksClients,
      region,
      () => new EKSClient({ ...common, ...endpoint(this.options.endpoints?.eks) }),
    );
    const eks = new EksAdapter({
      client: eksClient,
      credentials: this.options.credentials ?? eksClient.config.credentials,
      region,
      clock: this.options.clock,
    });
    const kube = new KubeAdapter({ clients: kubeClientSource(eks, cluster), clock: this.options.clock });
    const alb = new AlbAdapter({ client: elbv2, ingress: kube, clock: this.options.clock });
    const platform = { alb, eks, kube };
    this.byEnv.set(env, platform);
    return platform;
  }

  /** Closes the SDK clients' sockets. */
  destroy(): void {
    for (const client of [...this.elbv2.values(), ...this.eksClients.values()]) client.destroy();
  }
}

/**
 * Kubernetes clients with a valid EKS token: rebuilt when the token changes (EksAdapter refreshes it
 * before it expires), reused otherwise.
 */
export function kubeClientSource(eks: EksAdapter, cluster: string): () => Promise<KubeClients> {
  let current: { token: string; clients: KubeClients } | undefined;
  return async () => {
    const token = await eks.token(cluster);
    if (current?.token === token) return current.clients;
    const clients = clientsFromKubeConfig(await eks.kubeConfig(cluster));
    current = { token, clients };
    return clients;
  };
}

function metricsProvider(options: PlatformOptions): MetricsProvider {
  const settings = options.config.metrics;
  if (settings.provider === 'prometheus' && settings.prometheus) {
    return new PrometheusMetrics(
      settings.prometheus.url,
      settings.prometheus.queries,
      settings.prometheus.timeoutMs,
    );
  }
  if (!options.sandboxUrl) {
    throw new JarvisError(
      'CONFIG_INVALID',
      'metrics.provider is "sandbox" but no sandbox is running: set JARVIS_SANDBOX_URL (printed by `jarvis sandbox`), or configure metrics.provider: prometheus.',
    );
  }
  return new SandboxMetrics(options.sandboxUrl);
}

function endpoint(url: string | undefined): { endpoint?: string } {
  return url ? { endpoint: url } : {};
}

function cached<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
