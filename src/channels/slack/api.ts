import { webApi, type types } from '@slack/bolt';
import { redact } from '../../redact.js';

/** A Block Kit block, as Slack's own types define it. */
export type Block = types.KnownBlock;
export type ModalView = types.ModalView;

/** Where a message landed: the channel id and the message's `ts`, its id for edits. */
export interface Posted {
  channel: string;
  ts: string;
}

export interface OutgoingMessage {
  channel: string;
  /** Plain-text fallback: notifications and screen readers use it. */
  text: string;
  blocks?: Block[];
  /** Reply in this thread; undefined: a new top-level message. */
  threadTs?: string;
  /** Also show a thread reply in the channel ("Also send to channel"). */
  broadcast?: boolean;
}

/** What Jarvis knows of a conversation: its name (undefined for DMs) and kind. */
export interface ConversationInfo {
  name: string | undefined;
  isIm: boolean;
}

/** Slack answered 429: nothing was done; try again after `retryAfterMs` (its Retry-After header). */
export class SlackRateLimited extends Error {
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
  ) {
    super(`Slack rate-limited ${method}; retry after ${retryAfterMs} ms`);
    this.name = 'SlackRateLimited';
  }
}

/**
 * The part of the Slack Web API the channel uses, so that its logic never touches Bolt or the WebClient
 * (STYLE.md 1, 7). Methods reject with {@link SlackRateLimited} on 429 and with the client's error
 * otherwise; `post` and `ephemeral` have already waited out and retried a few rate limits by then.
 */
export interface SlackApi {
  post(message: OutgoingMessage): Promise<Posted>;
  /** Replaces a message's text and blocks. Rate limits are the caller's to handle (it may coalesce). */
  update(channel: string, ts: string, text: string, blocks?: Block[]): Promise<void>;
  /** A message only `user` sees. */
  ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
  /** Opens a modal for the person who pressed a button; `triggerId` is valid for 3 s. */
  openView(triggerId: string, view: ModalView): Promise<void>;
  /** Adds the emoji reaction `name` to a message (an acknowledgement); one already there is fine. */
  react(channel: string, ts: string, name: string): Promise<void>;
  /** The conversation's name and kind; undefined when Slack does not say (no access). */
  conversation(channel: string): Promise<ConversationInfo | undefined>;
}

export interface WebSlackApiOptions {
  /** Rate-limited posts are retried this many times, each after its Retry-After (default 3). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * {@link SlackApi} over Bolt's WebClient. The client must be created with `rejectRateLimitedCalls: true`:
 * a 429 then comes back here instead of pausing every call the client makes, and each caller decides
 * (a progress message skips stale edits, a reply waits and retries).
 */
export class WebSlackApi implements SlackApi {
  private readonly retries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly conversations = new Map<string, Promise<ConversationInfo | undefined>>();

  constructor(
    private readonly client: webApi.WebClient,
    options: WebSlackApiOptions = {},
  ) {
    this.retries = options.retries ?? 3;
    this.sleep = options.sleep ?? sleep;
  }

  async post(message: OutgoingMessage): Promise<Posted> {
    // The argument type is a union of every way to post; this is the plain text-plus-blocks one.
    const args = {
      channel: message.channel,
      text: redact(message.text),
      ...(message.blocks ? { blocks: redactBlocks(message.blocks) } : {}),
      ...(message.threadTs
        ? { thread_ts: message.threadTs, ...(message.broadcast ? { reply_broadcast: true } : {}) }
        : {}),
      unfurl_links: false,
      unfurl_media: false,
    } as webApi.ChatPostMessageArguments;
    const result = await this.retrying('chat.postMessage', () => this.client.chat.postMessage(args));
    return { channel: result.channel ?? message.channel, ts: result.ts ?? '' };
  }

  async update(channel: string, ts: string, text: string, blocks?: Block[]): Promise<void> {
    await this.once('chat.update', () =>
      this.client.chat.update({
        channel,
        ts,
        text: redact(text),
        ...(blocks ? { blocks: redactBlocks(blocks) } : {}),
      }),
    );
  }

  async ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    await this.retrying('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({
        channel,
        user,
        text: redact(text),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
  }

  async openView(triggerId: string, view: ModalView): Promise<void> {
    await this.once('views.open', () => this.client.views.open({ trigger_id: triggerId, view }));
  }

  async react(channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.once('reactions.add', () => this.client.reactions.add({ channel, timestamp: ts, name }));
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error !== 'already_reacted') throw err;
    }
  }

  conversation(channel: string): Promise<ConversationInfo | undefined> {
    let known = this.conversations.get(channel);
    if (!known) {
      known = this.once('conversations.info', () => this.client.conversations.info({ channel })).then(
        (r) => ({ name: r.channel?.name, isIm: r.channel?.is_im === true }),
        () => {
          // Not cached: a transient failure must not hide a channel for the life of the process.
          this.conversations.delete(channel);
          return undefined;
        },
      );
      this.conversations.set(channel, known);
    }
    return known;
  }

  private async once<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw asRateLimited(method, err) ?? err;
    }
  }

  private async retrying<T>(method: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, call);
      } catch (err) {
        if (!(err instanceof SlackRateLimited) || attempt >= this.retries) throw err;
        await this.sleep(err.retryAfterMs);
      }
    }
  }
}

/**
 * Blocks with every text a person reads (`text` fields of text objects, and plain strings in them)
 * redacted; ids and button values, which carry Jarvis's own data and are never shown, are kept as they are.
 */
function redactBlocks(blocks: Block[]): Block[] {
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') return key === 'text' ? redact(value) : value;
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  return walk(blocks, undefined) as Block[];
}

function asRateLimited(method: string, err: unknown): SlackRateLimited | undefined {
  if (!err || typeof err !== 'object' || !('code' in err)) return undefined;
  if (err.code !== webApi.ErrorCode.RateLimitedError) return undefined;
  const seconds = 'retryAfter' in err && typeof err.retryAfter === 'number' ? err.retryAfter : 1;
  return new SlackRateLimited(method, Math.max(0, seconds) * 1000);
}
