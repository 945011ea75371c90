import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted fake of the Anthropic Messages API on 127.0.0.1, for tests that drive the real SDK over real
 * HTTP (point the client's `baseURL` at `url`). Each `POST /v1/messages` takes the next turn of the script:
 * a message (text and tool_use blocks; streamed as SSE when the request says `stream: true`, else JSON) or
 * a failure. Every request is recorded, so tests can assert what was sent (system, tools, cache_control,
 * messages, model, max_tokens).
 *
 * ```ts
 * const fake = await startFakeAnthropic([
 *   { content: [{ type: 'tool_use', name: 'get_status', input: { env: 'prd' } }] },
 *   { content: [{ type: 'text', text: 'All traffic is on blue.' }] },
 *   { error: 'overloaded' },
 * ]);
 * const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
 * // ... fake.requests[0].body.tools ...
 * await fake.close();
 * ```
 *
 * A script that runs out answers HTTP 400 "script exhausted", which the SDK does not retry.
 */

export type FakeBlock =
  | { type: 'text'; text: string }
  /** `id` defaults to `toolu_fake_<n>`. */
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface FakeMessage {
  content: FakeBlock[];
  /** Defaults to `tool_use` when a tool_use block is present, else `end_turn`. */
  stop_reason?: string;
  usage?: Partial<FakeUsage>;
  /** Wait this long before answering (to test timeouts and cancellation). */
  delayMs?: number;
  /** Streamed: wait this long before each text delta (a model that writes slowly). */
  chunkDelayMs?: number;
}

/**
 * - `overloaded`: HTTP 529 overloaded_error; `server`: HTTP 500 api_error; `rate_limit`: HTTP 429;
 *   `auth`: HTTP 401 authentication_error; `permission`: HTTP 403 permission_error; `bad_request`: HTTP
 *   400 invalid_request_error; `not_found`: HTTP 404 not_found_error (an unknown model) (all with
 *   `retry-after-ms: 1`, so SDK retries are quick).
 * - `drop`: the connection is closed without an answer.
 * - `cut`: a streamed answer starts, then the connection is closed before `message_stop`.
 * - `hang`: the request is taken and never answered (until the fake closes).
 * - `stall`: a streamed answer starts (headers, `message_start`, a first text delta), then nothing more.
 */
export interface FakeFailure {
  error: Refusal | 'drop' | 'cut' | 'hang' | 'stall';
  delayMs?: number;
}

export type FakeTurn = FakeMessage | FakeFailure;

/** One request as received: path, headers (lower-case names) and the parsed JSON body. */
export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; tests narrow what they read from it. */
  body: Record<string, unknown>;
}

export interface FakeAnthropic {
  /** Base URL for `new Anthropic({ baseURL })`. */
  url: string;
  /** Every request received, in order (retries included). */
  requests: RecordedRequest[];
  /** Appends turns to the script. */
  push(...turns: Array<FakeTurn | ((request: RecordedRequest) => FakeTurn)>): void;
  close(): Promise<void>;
}

type Refusal = 'overloaded' | 'server' | 'rate_limit' | 'auth' | 'permission' | 'bad_request' | 'not_found';

const FAILURES: Record<Refusal, [number, string, string]> = {
  overloaded: [529, 'overloaded_error', 'Overloaded'],
  server: [500, 'api_error', 'Internal server error'],
  rate_limit: [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
  auth: [401, 'authentication_error', 'invalid x-api-key'],
  permission: [
    403,
    'permission_error',
    'Your API key does not have permission to use the specified resource.',
  ],
  bad_request: [400, 'invalid_request_error', 'max_tokens: Field required'],
  not_found: [404, 'not_found_error', 'model: claude-nope'],
};

/** Starts the fake; `script` may hold turns or functions of the request that return a turn. */
export async function startFakeAnthropic(
  script: Array<FakeTurn | ((request: RecordedRequest) => FakeTurn)> = [],
): Promise<FakeAnthropic> {
  const queue = [...script];
  const requests: RecordedRequest[] = [];
  let messageCount = 0;
  let toolCount = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        return sendError(res, 404, 'not_found_error', `${req.method} ${req.url} is not part of this fake`);
      }
      const request: RecordedRequest = {
        path: req.url,
        headers: req.headers,
        body: JSON.parse(raw || '{}') as Record<string, unknown>,
      };
      requests.push(request);
      const next = queue.shift();
      const turn = typeof next === 'function' ? next(request) : next;
      if (!turn) return sendError(res, 400, 'invalid_request_error', 'fake-anthropic: script exhausted');
      if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
      if ('error' in turn) return fail(req, res, turn.error, request, requests.length);
      const message = buildMessage(
        turn,
        String(request.body.model),
        ++messageCount,
        () => `toolu_fake_${++toolCount}`,
      );
      if (request.body.stream === true) return streamMessage(res, message, turn.chunkDelayMs ?? 0);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${messageCount}` });
      res.end(JSON.stringify(message));
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', `fake-anthropic: ${String(err)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...turns) => queue.push(...turns),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function fail(
  req: IncomingMessage,
  res: ServerResponse,
  error: FakeFailure['error'],
  request: RecordedRequest,
  n: number,
): void {
  if (error === 'drop') {
    req.socket.destroy();
    return;
  }
  if (error === 'hang') return;
  if (error === 'cut' || error === 'stall') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_fake_${error}_${n}` });
    const start = buildMessage({ content: [] }, String(request.body.model), 0, () => '');
    res.write(sse('message_start', { type: 'message_start', message: start }));
    res.write(
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }),
    );
    res.write(
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Checking' },
      }),
    );
    // Let the bytes leave before the socket goes, so the SDK sees a stream that stops mid-answer.
    if (error === 'cut') setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  const [status, type, message] = FAILURES[error];
  sendError(res, status, type, message, `req_fake_error_${n}`);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, id?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'retry-after-ms': '1',
    ...(id ? { 'request-id': id } : {}),
  });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

function buildMessage(turn: FakeMessage, model: string, n: number, toolId: () => string) {
  const content = turn.content.map((b) =>
    b.type === 'tool_use' ? { ...b, id: b.id ?? toolId() } : { ...b, citations: null },
  );
  const usage: FakeUsage = {
    input_tokens: 100,
    output_tokens: 20,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    ...turn.usage,
  };
  return {
    id: `msg_fake_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: turn.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage,
  };
}

/** The event sequence of the streaming API: start, per block start/deltas/stop, message_delta, stop. */
async function streamMessage(
  res: ServerResponse,
  message: ReturnType<typeof buildMessage>,
  chunkDelayMs: number,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': message.id,
  });
  const { output_tokens, ...startUsage } = message.usage;
  res.write(
    sse('message_start', {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...startUsage, output_tokens: 1 } },
    }),
  );
  res.write(sse('ping', { type: 'ping' }));
  for (const [index, block] of message.content.entries()) {
    if (block.type === 'text') {
      res.write(
        sse('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '', citations: null },
        }),
      );
      for (const piece of chunks(block.text)) {
        if (chunkDelayMs > 0) await new Promise((r) => setTimeout(r, chunkDelayMs));
        if (res.destroyed) return;
        res.write(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: piece },
          }),
        );
      }
    } else {
      const start = { type: 'tool_use', id: block.id, name: block.name, input: {} };
      res.write(sse('content_block_start', { type: 'content_block_start', index, content_block: start }));
      for (const piece of chunks(JSON.stringify(block.input), 8)) {
        res.write(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
      }
    }
    res.write(sse('content_block_stop', { type: 'content_block_stop', index }));
  }
  const delta = { stop_reason: message.stop_reason, stop_sequence: null, stop_details: null };
  res.write(sse('message_delta', { type: 'message_delta', delta, usage: { output_tokens } }));
  res.write(sse('message_stop', { type: 'message_stop' }));
  res.end();
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Text in word-sized pieces (JSON in fixed-size ones), as the API streams it. */
function chunks(text: string, size?: number): string[] {
  if (size) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
