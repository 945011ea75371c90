import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';

/** A plain Node request handler; it owns the response. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RequestHandler;
}

export interface HttpServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * The one HTTP server of `jarvis serve` and `jarvis slack` (HTTP mode): exact-path routes, 404 for unknown
 * paths, 405 with `Allow` for a known path with another method, 500 when a handler throws before
 * answering. Handlers read their own bodies, so each can verify its raw bytes (Slack, PagerDuty).
 */
export async function startHttpServer(options: {
  port: number;
  host?: string | undefined;
  routes: readonly Route[];
  logger?: Logger | undefined;
}): Promise<HttpServer> {
  const byPath = new Map<string, Map<string, RequestHandler>>();
  for (const route of options.routes) {
    const methods = byPath.get(route.path) ?? new Map<string, RequestHandler>();
    if (methods.has(route.method)) throw new Error(`two routes for ${route.method} ${route.path}`);
    methods.set(route.method, route.handler);
    byPath.set(route.path, methods);
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const methods = byPath.get(path);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const handler = methods?.get(method);
    if (!methods) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!handler) {
      res.writeHead(405, { allow: [...methods.keys()].join(', ') }).end();
      return;
    }
    try {
      handler(req, res);
    } catch (err) {
      options.logger?.error({ err: messageOf(err), path }, 'request handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
    }
  });
  // Slack and PagerDuty keep connections open; a short keep-alive lets close() finish promptly.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
