import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { World } from '../world.js';
import { checkBearer } from './auth.js';
import { route, type Reply } from './routes.js';
import {
  internalError,
  KubeApiError,
  requestTooLarge,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
} from './status.js';
import { makeServerTls } from './tls.js';
import { wallClockJson } from './wall-clock.js';

/** A running Kubernetes API server of one simulated cluster. */
export interface KubeServer {
  /** `https://127.0.0.1:<port>`: the cluster's API endpoint. */
  url: string;
  /** Base64 PEM of the CA that signed the server certificate, as EKS's `certificateAuthority.data`. */
  caData: string;
  /** TLS connections accepted so far (clients that pool connections open few). */
  connections(): number;
  close(): Promise<void>;
}

/** The API server's limit on request bodies. */
const MAX_BODY = 3 * 1024 * 1024;

/**
 * Serves the Kubernetes API of one simulated cluster over HTTPS with a CA made at start-up. Every request
 * must carry an EKS bearer token, or `opts.token` (what the sandbox's kubeconfig files hand kubectl); faults injected for api `kube` apply (latency, 429 with Retry-After,
 * 500, 503 while down); failures are Kubernetes Status objects. Resolves once listening.
 */
export async function startKubeServer(
  world: World,
  cluster: string,
  opts: { host: string; port: number; token?: string },
): Promise<KubeServer> {
  const tls = await makeServerTls(cluster);
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(world, cluster, opts.token, req, res);
  });
  let connections = 0;
  server.on('secureConnection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `https://${host}:${port}`,
    caData: tls.caData,
    connections: () => connections,
    close: () => close(server),
  };
}

async function handle(
  world: World,
  cluster: string,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let reply: Reply;
  try {
    const body = await readBody(req);
    const latency = world.faults.latencyOf('kube');
    if (latency > 0) await delay(latency);
    if (world.faults.get('kube').down) throw serviceUnavailable();
    // Wall time on purpose: token expiry is real, whatever the simulation's time scale.
    if (
      !staticToken(req.headers.authorization, token) &&
      !checkBearer(req.headers.authorization, Date.now()).ok
    )
      throw unauthorized();
    const fault = world.faults.next('kube');
    if (fault?.kind === 'throttle') throw tooManyRequests();
    if (fault?.kind === 'server-error') throw internalError();
    if (fault?.kind === 'down') throw serviceUnavailable();
    reply = route(world, cluster, {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'https://kubernetes'),
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      body,
    });
  } catch (err) {
    const failure = err instanceof KubeApiError ? err : internalErrorOf(err);
    reply = { status: failure.code, body: failure.toStatus(), headers: failure.headers };
  }
  send(res, reply, wallClockJson(world.clock));
}

/** The sandbox's own long-lived token (the one its kubeconfig files carry), compared in constant time. */
function staticToken(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || header === undefined) return false;
  const sent = Buffer.from(header);
  const want = Buffer.from(`Bearer ${token}`);
  return sent.length === want.length && timingSafeEqual(sent, want);
}

function internalErrorOf(err: unknown): KubeApiError {
  const message = err instanceof Error ? err.message : String(err);
  const e = internalError();
  return new KubeApiError(
    500,
    'InternalError',
    `Internal error occurred: ${message}`,
    {
      causes: [{ reason: '', message, field: '' }],
    },
    e.headers,
  );
}

function send(res: ServerResponse, reply: Reply, json: (value: unknown) => string): void {
  if (reply.stream) {
    res.writeHead(200, {
      'content-type': reply.type ?? 'application/json',
      'cache-control': 'no-cache, private',
      ...reply.headers,
    });
    res.flushHeaders();
    reply.stream(res, json);
    return;
  }
  const text =
    typeof reply.body === 'string' && reply.type?.startsWith('text/') ? reply.body : json(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.type ?? 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
    ...reply.headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(requestTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
