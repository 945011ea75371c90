import { request } from 'node:https';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PolicyV1Api,
} from '@kubernetes/client-node';
import type { Clock } from '../../src/clock.js';
import { createEksToken } from '../../src/platform/eks-token.js';
import { KubeAdapter, pooledKubeClients, type KubeClients } from '../../src/platform/kube.js';
import { SANDBOX_CREDENTIALS, startSandbox } from '@jarvis/sandbox';
import type { World } from '../../packages/sandbox/src/world.js';

export const REGION = 'eu-west-1';

/** The parts of a running sandbox the Kubernetes tests use. */
export interface KubeSandbox {
  world: World;
  clock: Clock;
  /** Endpoint and CA data of a cluster, as EKS DescribeCluster hands them out. */
  cluster(name?: string): { endpoint: string; caData: string };
  close(): Promise<void>;
}

/** The whole sandbox, in-process, on ephemeral ports. */
export async function startKubeSandbox(timeScale: number): Promise<KubeSandbox> {
  const sandbox = await startSandbox({ timeScale });
  return {
    world: sandbox.world,
    clock: sandbox.clock,
    cluster(name = 'jarvis-dev') {
      const c = sandbox.world.clusters.get(name);
      if (!c) throw new Error(`no cluster ${name}`);
      return { endpoint: c.endpoint, caData: c.caData };
    },
    close: () => sandbox.close(),
  };
}

/** A fresh EKS bearer token for `cluster`, signed with the sandbox's credentials at `signingDate`. */
export async function tokenFor(cluster: string, signingDate?: Date): Promise<string> {
  const { token } = await createEksToken({
    cluster,
    region: REGION,
    credentials: SANDBOX_CREDENTIALS,
    ...(signingDate ? { signingDate } : {}),
  });
  return token;
}

/** A KubeConfig built in code, as Jarvis builds it from DescribeCluster and a token. */
export function kubeConfig(endpoint: string, caData: string, token: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'sandbox', server: endpoint, caData, skipTLSVerify: false },
    { name: 'jarvis', ...(token !== undefined ? { token } : {}) },
  );
  return kc;
}

/** client-node's own API classes of a KubeConfig (the package's entry point), as any other client builds them. */
export function clientsFromKubeConfig(kc: KubeConfig): KubeClients {
  return {
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    autoscaling: kc.makeApiClient(AutoscalingV2Api),
    policy: kc.makeApiClient(PolicyV1Api),
  };
}

/**
 * The clients Jarvis runs with (pooledKubeClients) for a cluster of the sandbox, with a valid token. The
 * sandbox ends their kept-alive connections when it closes.
 */
export async function clientsFor(sandbox: KubeSandbox, cluster = 'jarvis-dev'): Promise<KubeClients> {
  const { endpoint, caData } = sandbox.cluster(cluster);
  const token = await tokenFor(cluster);
  return pooledKubeClients({ server: endpoint, caData }, () => Promise.resolve(token));
}

/** A KubeAdapter on a cluster of the sandbox with quick retries on the sandbox's clock. */
export async function adapterFor(
  sandbox: KubeSandbox,
  cluster = 'jarvis-dev',
  retries = 3,
): Promise<KubeAdapter> {
  const clients = await clientsFor(sandbox, cluster);
  return new KubeAdapter({
    clients: () => Promise.resolve(clients),
    clock: sandbox.clock,
    retries,
    retryBaseMs: 100,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/** One raw HTTPS request to a sandbox cluster, trusting only its CA, for checks of the wire format. */
export function raw(
  sandbox: KubeSandbox,
  path: string,
  opts: {
    method?: string;
    token?: string | null;
    body?: string;
    contentType?: string;
    accept?: string;
    cluster?: string;
  } = {},
): Promise<RawResponse> {
  const { endpoint, caData } = sandbox.cluster(opts.cluster);
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: Buffer.from(caData, 'base64').toString('utf8'),
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
          ...(opts.accept ? { accept: opts.accept } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A streamed answer (watch, log follow) read as it comes. */
export interface RawStream {
  status: number;
  /** Everything received so far. */
  text(): string;
  /** Resolves once what was received satisfies `done` (rejects after `timeoutMs`). */
  until(done: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A raw HTTPS GET to a sandbox cluster whose answer streams; resolves once the head has arrived. */
export function rawStream(
  sandbox: KubeSandbox,
  path: string,
  opts: { token: string; accept?: string; cluster?: string },
): Promise<RawStream> {
  const { endpoint, caData } = sandbox.cluster(opts.cluster);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, endpoint),
      {
        ca: Buffer.from(caData, 'base64').toString('utf8'),
        headers: { authorization: `Bearer ${opts.token}`, ...(opts.accept ? { accept: opts.accept } : {}) },
      },
      (res) => {
        let text = '';
        const waiters: Array<() => void> = [];
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          for (const w of [...waiters]) w();
        });
        const ended = new Promise<void>((done) => res.on('end', () => done()));
        resolve({
          status: res.statusCode ?? 0,
          text: () => text,
          ended,
          until: (done, timeoutMs = 10_000) =>
            new Promise((ok, fail) => {
              const timer = setTimeout(() => fail(new Error(`timed out; received:\n${text}`)), timeoutMs);
              const check = (): void => {
                if (!done(text)) return;
                clearTimeout(timer);
                waiters.splice(waiters.indexOf(check), 1);
                ok(text);
              };
              waiters.push(check);
              check();
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}
