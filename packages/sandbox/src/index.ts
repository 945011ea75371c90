import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScaledClock, type Clock } from '../../../src/clock.js';
import { loadConfig, SANDBOX_CONFIG_PATH, type LoadedConfig } from '../../../src/config.js';
import { handleAws } from './aws/server.js';
import { JarvisError } from '../../../src/errors.js';
import { handleControl } from './control.js';
import { GITHUB_PREFIX, handleGithub } from './github.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { startKubeServer, type KubeServer } from './kube/server.js';
import { World } from './world.js';

export { World } from './world.js';

export interface SandboxOptions {
  /** The configuration to seed from; the shipped sandbox configuration by default. */
  config?: LoadedConfig;
  /** Simulated milliseconds per real millisecond (60: a minute passes in a second). Ignored with `clock`. */
  timeScale?: number;
  /** A clock to share with Jarvis when both run in one process. */
  clock?: Clock;
  host?: string;
  /** Port of the AWS endpoint (ELBv2, EKS, control API, /metrics); 0 picks a free one. */
  port?: number;
}

export interface Sandbox {
  world: World;
  clock: Clock;
  config: LoadedConfig;
  /** Base URL of the AWS endpoint: ELBv2 (Query protocol), EKS (REST-JSON), ECR (JSON 1.1), control API, /metrics. */
  awsEndpoint: string;
  /** Base URL of the GitHub stand-in (Octokit's `baseUrl`). */
  githubUrl: string;
  /** Kubernetes API URL of each cluster (HTTPS, the sandbox's own CA). */
  kubeEndpoints: Record<string, string>;
  /**
   * A kubeconfig (YAML) per cluster, with the cluster's CA and a bearer token its API server accepts for
   * as long as this sandbox runs: what kubectl needs as it is.
   */
  kubeconfigs(): Record<string, string>;
  /** TLS connections the Kubernetes API server of `cluster` has accepted so far (0 for an unknown one). */
  kubeConnections(cluster: string): number;
  /**
   * Environment variables that point Jarvis (in sandbox mode: JARVIS_SANDBOX=1 is among them) or the AWS
   * CLI at this sandbox.
   */
  settings(): Record<string, string>;
  close(): Promise<void>;
}

/** Credentials the sandbox accepts; the SDKs sign with them as with real ones. */
export const SANDBOX_CREDENTIALS = {
  accessKeyId: 'AKIASANDBOX000000000',
  secretAccessKey: 'sandbox-secret-access-key',
};

/**
 * Starts the sandbox on loopback: one HTTP server for AWS and the control API, and one HTTPS Kubernetes
 * API server per cluster, all seeded from `config`. Resolves when every server listens; a port in use is
 * a JarvisError CONFLICT that names it (and nothing is left listening).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const config = options.config ?? loadConfig(SANDBOX_CONFIG_PATH);
  const clock = options.clock ?? new ScaledClock(options.timeScale ?? 1);
  const host = options.host ?? '127.0.0.1';
  const world = new World(clock);
  world.seed(config);

  const kubeServers = new Map<string, KubeServer>();
  const kubeEndpoints: Record<string, string> = {};
  // kubectl's token: random per run, so a kubeconfig file left behind opens nothing once the sandbox stops.
  const kubeToken = `sandbox.${randomBytes(24).toString('base64url')}`;
  for (const cluster of world.clusters.values()) {
    const server = await startKubeServer(world, cluster.name, { host, port: 0, token: kubeToken });
    kubeServers.set(cluster.name, server);
    cluster.endpoint = server.url;
    cluster.caData = server.caData;
    kubeEndpoints[cluster.name] = server.url;
  }

  const aws = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/sandbox/') || path === '/metrics') handleControl(world, req, res);
    else if (path.startsWith(`${GITHUB_PREFIX}/`)) handleGithub(world, req, res);
    else handleAws(world, req, res);
  });
  try {
    await listen(aws, host, options.port ?? 0);
  } catch (err) {
    await Promise.all([...kubeServers.values()].map((s) => s.close()));
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user';
      throw new JarvisError(
        'CONFLICT',
        `Port ${options.port ?? 0} on ${host} ${why}: stop what listens there, or pick another port with --port (0: any free port).`,
        { resource: `${host}:${options.port ?? 0}`, upstream: code },
        { cause: err },
      );
    }
    throw err;
  }
  const awsEndpoint = `http://${host}:${(aws.address() as AddressInfo).port}`;

  // Traffic is integrated lazily on reads; this keeps pod states sampled often enough between reads.
  const ticker = setInterval(() => world.traffic.settle(), 250);
  ticker.unref();

  const region = Object.values(config.environments)[0]?.region ?? 'eu-west-1';
  return {
    world,
    clock,
    config,
    awsEndpoint,
    githubUrl: `${awsEndpoint}${GITHUB_PREFIX}`,
    kubeEndpoints,
    kubeconfigs: () => {
      const out: Record<string, string> = {};
      for (const [name, server] of kubeServers) {
        const env = Object.values(config.environments).find((e) => e.cluster === name);
        out[name] = kubeconfigYaml({
          cluster: name,
          server: server.url,
          caData: server.caData,
          token: kubeToken,
          namespace: env?.namespace,
        });
      }
      return out;
    },
    kubeConnections: (cluster) => kubeServers.get(cluster)?.connections() ?? 0,
    settings: () => ({
      // Jarvis started with these runs in sandbox mode, on this sandbox: never on AWS by accident.
      JARVIS_SANDBOX: '1',
      JARVIS_CONFIG: config.source,
      JARVIS_TIME_SCALE: String(clock.scale),
      ...(clock instanceof ScaledClock ? { JARVIS_TIME_ANCHOR: String(clock.anchor) } : {}),
      JARVIS_SANDBOX_URL: awsEndpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: awsEndpoint,
      AWS_ENDPOINT_URL_EKS: awsEndpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: awsEndpoint,
      AWS_ENDPOINT_URL_ECR: awsEndpoint,
      GITHUB_API_URL: `${awsEndpoint}${GITHUB_PREFIX}`,
      AWS_REGION: region,
      // The AWS CLI v1 reads only this one.
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    }),
    close: async () => {
      clearInterval(ticker);
      await Promise.all([close(aws), ...[...kubeServers.values()].map((s) => s.close())]);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
