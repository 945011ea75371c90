import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the Slack Web API on 127.0.0.1, for tests (and the bench) that drive the real Bolt app and its
 * WebClient over real HTTP: point `slackApiUrl` at `url`. It answers the methods Jarvis calls
 * (`auth.test`, `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`,
 * `conversations.info`, and `apps.connections.open` when given a Socket Mode URL), keeps the messages as Slack would show them (updates applied), records every
 * call with its decoded parameters, and can answer 429 with a Retry-After to test rate limits.
 *
 * ```ts
 * const slack = await startFakeSlack({ channels: { C0JARVISCI: 'jarvis-ci' } });
 * // new App({ clientOptions: { slackApiUrl: slack.url } ... })
 * const confirm = await slack.waitFor((c) => c.method === 'chat.postMessage' && hasButton(c, 'jarvis_confirm'));
 * ```
 */

export interface SlackCall {
  method: string;
  /** Decoded parameters; `blocks` and `view` parsed from their JSON. */
  params: Record<string, unknown>;
  /** The bearer token sent. */
  token: string | undefined;
  /** When it arrived (ms, wall time). */
  at: number;
  /** What the fake answered (undefined for a 429). */
  response?: Record<string, unknown>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[];
  /** How many times chat.update replaced it. */
  edits: number;
}

export interface FakeSlack {
  /** Base URL for `slackApiUrl` (ends with `/api/`). */
  url: string;
  calls: SlackCall[];
  /** Messages by `ts`, as shown now. */
  messages: Map<string, FakeMessage>;
  callsOf(method: string): SlackCall[];
  /** The first recorded call (or the next to come) for which `match` holds. */
  waitFor(match: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Answers the next `times` calls of `method` with HTTP 429 and `Retry-After: seconds`. */
  rateLimit(method: string, seconds: number, times?: number): void;
  /** Answers the next `times` calls of `method` with `{ ok: false, error }`. */
  fail(method: string, error: string, times?: number): void;
  close(): Promise<void>;
}

export const BOT_USER_ID = 'U0JARVIS';
export const BOT_ID = 'B0JARVIS';
export const TEAM_ID = 'T0TEST';

export interface FakeSlackOptions {
  /** Channel id → name (`conversations.info`); ids starting with D are direct messages. */
  channels?: Record<string, string>;
  /** What `apps.connections.open` answers (a fake Socket Mode endpoint); unset: the call fails. */
  socketUrl?: string;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const channels = new Map(Object.entries(options.channels ?? {}));
  const calls: SlackCall[] = [];
  const messages = new Map<string, FakeMessage>();
  const waiters: Array<{ match: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }> = [];
  const limits = new Map<string, { seconds: number; times: number }>();
  const failures = new Map<string, { error: string; times: number }>();
  let sequence = 0;

  const idOf = (channel: string): string => {
    if (!channel.startsWith('#')) return channel;
    const name = channel.slice(1);
    return [...channels.entries()].find(([, n]) => n === name)?.[0] ?? channel;
  };

  const answer = (call: SlackCall): Record<string, unknown> => {
    const p = call.params;
    switch (call.method) {
      case 'reactions.add':
        return { ok: true };
      case 'auth.test':
        return {
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'jarvis',
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
        };
      case 'chat.postMessage': {
        sequence += 1;
        const ts = `${1_700_000_000 + sequence}.${String(sequence).padStart(6, '0')}`;
        const channel = idOf(String(p.channel));
        const message: FakeMessage = {
          channel,
          ts,
          threadTs: typeof p.thread_ts === 'string' ? p.thread_ts : undefined,
          text: typeof p.text === 'string' ? p.text : '',
          blocks: Array.isArray(p.blocks) ? p.blocks : [],
          edits: 0,
        };
        messages.set(ts, message);
        return {
          ok: true,
          channel,
          ts,
          message: { text: message.text, ts, user: BOT_USER_ID, bot_id: BOT_ID },
        };
      }
      case 'chat.update': {
        const message = messages.get(String(p.ts));
        if (!message || message.channel !== p.channel) return { ok: false, error: 'message_not_found' };
        message.text = typeof p.text === 'string' ? p.text : '';
        if (Array.isArray(p.blocks)) message.blocks = p.blocks;
        message.edits += 1;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${Date.now() / 1000}` };
      case 'views.open':
        return { ok: true, view: { id: `V${calls.length}`, ...(p.view as object) } };
      case 'conversations.info': {
        const id = String(p.channel);
        if (id.startsWith('D')) return { ok: true, channel: { id, is_im: true, user: 'U0SOMEONE' } };
        const name = channels.get(id);
        return name
          ? { ok: true, channel: { id, name, is_channel: true, is_im: false } }
          : { ok: false, error: 'channel_not_found' };
      }
      case 'apps.connections.open':
        return options.socketUrl
          ? { ok: true, url: options.socketUrl }
          : { ok: false, error: 'not_allowed_token_type' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const call: SlackCall = {
        method,
        params: decode(raw, req.headers['content-type']),
        token: req.headers.authorization?.replace(/^Bearer /, ''),
        at: Date.now(),
      };
      calls.push(call);
      const limit = limits.get(method);
      if (limit && limit.times > 0) {
        limit.times -= 1;
        res.writeHead(429, { 'retry-after': String(limit.seconds), 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      const failure = failures.get(method);
      const body =
        failure && failure.times > 0 ? (failure.times--, { ok: false, error: failure.error }) : answer(call);
      call.response = body;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      for (const w of [...waiters]) {
        if (w.match(call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    callsOf: (method) => calls.filter((c) => c.method === method),
    waitFor: (match, timeoutMs = 15_000) => {
      const found = calls.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `fake-slack: no matching call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`,
            ),
          );
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (c: SlackCall) => {
            clearTimeout(timer);
            resolve(c);
          },
        };
        waiters.push(waiter);
      });
    },
    rateLimit: (method, seconds, times = 1) => limits.set(method, { seconds, times }),
    fail: (method, error, times = 1) => failures.set(method, { error, times }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * WebClient sends form fields, with objects (blocks, view) as JSON strings; some calls send JSON. A text
 * field that merely starts with a bracket ("[sandbox] ...") stays text.
 */
function decode(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = /^[[{]/.test(value) ? parseOr(value) : value;
  }
  return params;
}

function parseOr(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** The button of `actionId` in a recorded message's blocks, if any. */
export function buttonOf(call: SlackCall | FakeMessage, actionId: string): { value: string } | undefined {
  const blocks = 'params' in call ? call.params.blocks : call.blocks;
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Array<{
    type?: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>) {
    if (block.type !== 'actions') continue;
    const button = block.elements?.find((e) => e.action_id === actionId);
    if (button?.value !== undefined) return { value: button.value };
  }
  return undefined;
}

/** Every text a recorded call would show anyone: its text, blocks and view, as one string. */
export function visibleText(call: SlackCall): string {
  return JSON.stringify(call.params);
}
