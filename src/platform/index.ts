import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Octokit } from '@octokit/rest';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Clock } from '../clock.js';
import { environmentOf, type LoadedConfig } from '../config.js';
import { JarvisError } from '../errors.js';
import { AlbAdapter } from './alb.js';
import { EksAdapter } from './eks.js';
import {
  KubeAdapter,
  pooledKubeClients,
  warmKubeApi,
  type KubeClientSource,
  type PooledKubeClients,
} from './kube.js';
import { CloudWatchMetrics } from './metrics/cloudwatch.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import type { ColourQuery, MetricsProvider } from './metrics/provider.js';
import { SandboxMetrics } from './metrics/sandbox.js';

export interface PlatformOptions {
  config: LoadedConfig;
  clock: Clock;
  /** Static credentials (the sandbox's); undefined: the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Endpoint overrides (the sandbox's); undefined: the SDK's own resolution, AWS_ENDPOINT_URL_* included. */
  endpoints?:
    | {
        elbv2?: string | undefined;
        eks?: string | undefined;
        cloudwatch?: string | undefined;
        ecr?: string | undefined;
      }
    | undefined;
  /** GitHub REST API base URL for CI evidence; undefined: `evidence.github.apiUrl` from configuration. */
  githubUrl?: string | undefined;
  /** GITHUB_TOKEN; undefined: unauthenticated requests (public repositories, low rate limits). */
  githubToken?: string | undefined;
  /** Base URL of the sandbox's control API, for `metrics.provider: sandbox` (its default there). */
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
  private readonly cloudwatchClients = new Map<string, CloudWatchClient>();
  private readonly ecrClients = new Map<string, ECRClient>();
  private octokit: Promise<Octokit> | undefined;
  private readonly kubePools: KubeClientPool[] = [];

  constructor(private readonly options: PlatformOptions) {
    this.metrics = metricsProvider(options, this);
  }

  get config(): LoadedConfig {
    return this.options.config;
  }

  /** The CloudWatch client of `env`'s region. */
  cloudwatch(env: string): CloudWatchClient {
    const { region } = environmentOf(this.options.config, env);
    return cached(
      this.cloudwatchClients,
      region,
      () => new CloudWatchClient({ ...this.common(region), ...endpoint(this.options.endpoints?.cloudwatch) }),
    );
  }

  private common(region: string) {
    return {
      region,
      maxAttempts: this.options.maxAttempts ?? 5,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    };
  }

  /** The adapters of `env`; NOT_FOUND for an unknown environment. */
  forEnv(env: string): EnvironmentPlatform {
    const existing = this.byEnv.get(env);
    if (existing) return existing;
    const { region, cluster } = environmentOf(this.options.config, env);
    const common = this.common(region);
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
    const pool = kubeClientPool(eks, cluster);
    this.kubePools.push(pool);
    const kube = new KubeAdapter({ clients: pool.clients, clock: this.options.clock });
    const alb = new AlbAdapter({ client: elbv2, ingress: kube, clock: this.options.clock });
    const platform = { alb, eks, kube };
    this.byEnv.set(env, platform);
    return platform;
  }

  /** The ECR client of `region` (release evidence: images and scan findings). */
  ecr(region: string): ECRClient {
    return cached(
      this.ecrClients,
      region,
      () => new ECRClient({ ...this.common(region), ...endpoint(this.options.endpoints?.ecr) }),
    );
  }

  /**
   * The GitHub REST client (release evidence: CI check runs and statuses), built once, by the first call:
   * a process that never promotes never loads Octokit. A load that failed is not kept.
   */
  github(): Promise<Octokit> {
    const settings = this.options.config.evidence.github;
    this.octokit ??= import('@octokit/rest').then(
      ({ Octokit }) =>
        new Octokit({
          baseUrl: (this.options.githubUrl ?? settings.apiUrl).replace(/\/$/, ''),
          userAgent: 'jarvis-release-evidence',
          // Failures are reported as failed checks; the request log would print them a second time.
          log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
          ...(this.options.githubToken ? { auth: this.options.githubToken } : {}),
        }),
      (err: unknown) => {
        // Not kept: the next promotion loads again (this one reports its CI checks as not checked).
        this.octokit = undefined;
        throw err;
      },
    );
    return this.octokit;
  }

  /**
   * Starts loading the code that the first Kubernetes call needs, without waiting: called when a person's
   * request arrives, so that it loads while the model thinks rather than in the first tool's time.
   */
  warm(): void {
    warmKubeApi();
  }

  /** Closes the SDK clients' sockets and the Kubernetes connection pools. */
  async destroy(): Promise<void> {
    for (const client of [
      ...this.elbv2.values(),
      ...this.eksClients.values(),
      ...this.cloudwatchClients.values(),
      ...this.ecrClients.values(),
    ])
      client.destroy();
    await Promise.all(this.kubePools.map((p) => p.close()));
  }
}

/** The Kubernetes clients of one cluster and how to close their connections. */
export interface KubeClientPool {
  clients: KubeClientSource;
  close(): Promise<void>;
}

/**
 * The Kubernetes clients of a cluster, built once from DescribeCluster (endpoint and CA) over one
 * keep-alive connection pool, the EKS token read per request so that refreshing it needs no new clients.
 * A failed DescribeCluster is not kept: the next call asks again.
 */
export function kubeClientPool(eks: EksAdapter, cluster: string): KubeClientPool {
  let built: Promise<PooledKubeClients> | undefined;
  const build = async (): Promise<PooledKubeClients> => {
    const info = await eks.describeCluster(cluster);
    return pooledKubeClients({ server: info.endpoint, caData: info.caData }, () => eks.token(cluster));
  };
  return {
    clients: () => {
      if (!built) {
        const attempt = build();
        built = attempt;
        attempt.catch(() => {
          if (built === attempt) built = undefined;
        });
      }
      return built;
    },
    close: async () => {
      const clients = await built?.catch(() => undefined);
      built = undefined;
      await clients?.close();
    },
  };
}

function metricsProvider(options: PlatformOptions, platform: Platform): MetricsProvider {
  const settings = options.config.metrics;
  // Unset: the sandbox's figures on the sandbox, the ALB's CloudWatch metrics against AWS.
  const provider = settings.provider ?? (options.sandboxUrl ? 'sandbox' : 'cloudwatch');
  if (provider === 'cloudwatch') {
    const cloudwatch = settings.cloudwatch ?? { periodSeconds: 60, publicationDelaySeconds: 120 };
    return new CloudWatchMetrics({
      client: (env) => platform.cloudwatch(env),
      loadBalancerOf: (q) => loadBalancerOf(platform, q),
      clock: options.clock,
      periodSeconds: cloudwatch.periodSeconds,
      publicationDelaySeconds: cloudwatch.publicationDelaySeconds,
    });
  }
  if (provider === 'prometheus' && settings.prometheus) {
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

/** The load balancer of a query's target group, as ELBv2 describes it (read once per target group). */
const loadBalancers = new WeakMap<Platform, Map<string, Promise<string>>>();
function loadBalancerOf(platform: Platform, q: ColourQuery): Promise<string> {
  const known = loadBalancers.get(platform) ?? new Map<string, Promise<string>>();
  loadBalancers.set(platform, known);
  return cached(known, q.targetGroupArn, () => {
    // A service Jarvis writes directly names its listener or rule, whose ARN holds the load balancer's.
    const service = environmentOf(platform.config, q.env).services[q.service];
    const configured = service?.ruleArn ?? service?.listenerArn;
    if (configured) return Promise.resolve(configured);
    const asked = platform.forEnv(q.env).alb.loadBalancerOf(q.targetGroupArn);
    asked.catch(() => known.delete(q.targetGroupArn));
    return asked;
  });
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
