import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake of Slack's Socket Mode endpoint on 127.0.0.1 (a real WebSocket server), for tests that run the
 * real Bolt app in Socket Mode: the fake Web API answers `apps.connections.open` with {@link url}; a
 * client that connects gets `hello`, and {@link deliver} sends it an envelope (`events_api` for event
 * callbacks, `interactive` for buttons and modals) and resolves with the client's acknowledgement.
 */
export interface FakeSocketMode {
  /** `ws://127.0.0.1:<port>/link`: what `apps.connections.open` hands out. */
  url: string;
  /** Resolves once a client has connected and been greeted. */
  connected(): Promise<void>;
  /** Sends `payload` in an envelope; resolves with the ack (`envelope_id`, and `payload` when given). */
  deliver(payload: Record<string, unknown>): Promise<{ envelope_id: string; payload?: unknown }>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const pending = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();
  let client: WebSocket | undefined;
  let greeted: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => (greeted = resolve));

  server.on('connection', (socket) => {
    client = socket;
    socket.on('message', (data: Buffer) => {
      const ack = JSON.parse(data.toString('utf8')) as { envelope_id: string; payload?: unknown };
      pending.get(ack.envelope_id)?.(ack);
      pending.delete(ack.envelope_id);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0JARVIS' },
      }),
    );
    greeted?.();
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/link`,
    connected: () => ready,
    deliver(payload) {
      if (!client) return Promise.reject(new Error('no Socket Mode client connected'));
      const id = randomUUID();
      const type = payload.type === 'event_callback' ? 'events_api' : 'interactive';
      const acked = new Promise<{ envelope_id: string; payload?: unknown }>((resolve) =>
        pending.set(id, resolve),
      );
      client.send(
        JSON.stringify({
          envelope_id: id,
          type,
          payload,
          accepts_response_payload: type === 'interactive',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
      return acked;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of server.clients) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
