import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { SlackRateLimited, type SlackApi } from './api.js';
import type { Where } from './decisions.js';
import type { MessageView } from './views.js';

export interface AnswerMessageOptions {
  api: SlackApi;
  where: Where;
  /** Least time between two edits while the answer streams in, in ms; closed parts are sent at once. */
  intervalMs: number;
  /** A part of the answer as a message; `footer`: context lines (mrkdwn, escaped) under it. */
  view: (text: string, footer: readonly string[]) => MessageView;
  /**
   * Resolves when a new message may be posted under the others of the turn: every progress message
   * posted and every rollout's end reported. Not awaited by a part that must go above something else.
   */
  ready?: (() => Promise<void>) | undefined;
  logger?: Logger | undefined;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** How the turn ended, for {@link AnswerMessage.finish}. */
export interface FinalAnswer {
  /**
   * The whole answer as the loop composed it. Undefined: what streamed is the answer. Where it repeats
   * what the parts above already show, only the rest is shown; where it does not (a cut stream), the
   * streamed text stays.
   */
  text?: string | undefined;
  /** Applied to every part before it is shown for the last time (the narrow forms of tables). */
  fit?: ((text: string) => string) | undefined;
  /** Context lines (mrkdwn, escaped) under the last part: the release's links. */
  footer?: readonly string[] | undefined;
}

interface Part {
  text: string;
  footer: readonly string[];
  ts: string | undefined;
  /** Bumped on every change; `sentVersion` is the one last sent. */
  version: number;
  sentVersion: number;
  /** No more text comes to it: something was posted under it, or the turn ended. */
  closed: boolean;
  whenClosed: Promise<void>;
  close(): void;
  /** Resolves once it is posted, or posting it was given up. */
  whenPosted: Promise<void>;
  posted(): void;
  failures: number;
}

/** Failed sends of one part (not rate limits) after which it is given up. */
const MAX_FAILURES = 3;
/** The first post waits this long at most for more text, so a quick answer goes out whole. */
const FIRST_POST_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const blank = (text: string): boolean => text.trim() === '';

/**
 * The answer of one turn in its thread, streamed: posted on the first text, edited in place as more
 * streams in (at most once per `intervalMs`, the latest text each time, a 429 waited out), and sent
 * complete at the end. It is one message, unless the turn posts something else meanwhile (a question,
 * a rollout's progress message): the part streamed so far then ends above it ({@link break}) and what
 * follows is a new message under it, so the thread reads in order and the last message is the outcome,
 * with the release's links.
 */
export class AnswerMessage {
  private readonly parts: Part[] = [];
  private running: Promise<void> | undefined;
  private retryAt = 0;
  private nextEditAt = 0;
  /** The next message posted is also shown in the channel ("Also send to channel"). */
  private broadcast = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: AnswerMessageOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? sleep;
  }

  /** Messages posted so far (each part of the answer is one). */
  get messages(): number {
    return this.parts.filter((p) => p.ts !== undefined).length;
  }

  /** Adds streamed text to the open part (a new one after a {@link break}). Never throws. */
  append(delta: string): void {
    if (delta === '') return;
    let part = this.parts.at(-1);
    if (!part || part.closed) {
      part = newPart();
      this.parts.push(part);
    }
    part.text += delta;
    part.version += 1;
    this.kick();
  }

  /**
   * Something else is about to be posted in the thread: the open part ends where it is and is posted
   * now if it was not yet; resolves once it is (text streamed later goes to a new message below).
   */
  async break(): Promise<void> {
    const part = this.parts.at(-1);
    if (!part || part.closed) return;
    part.close();
    if (blank(part.text)) {
      // Only white space so far (a paragraph break): nothing to show, and nothing to keep above.
      this.parts.pop();
      part.posted();
      return;
    }
    this.kick();
    await part.whenPosted;
  }

  /** The next message posted is also sent to the channel (a rollback told where it was asked). */
  broadcastNext(): void {
    this.broadcast = true;
  }

  /** Sends the complete answer (see {@link FinalAnswer}); resolves once it is shown, or given up on. */
  async finish(answer: FinalAnswer = {}): Promise<void> {
    const above = this.parts.filter((p) => p.closed).map((p) => p.text);
    const rest = answer.text === undefined ? undefined : after(answer.text, above.join('\n'));
    const footer = answer.footer ?? [];
    let last = this.parts.at(-1)?.closed === false ? this.parts.at(-1) : undefined;
    const add = (text: string): Part => {
      const part = newPart(text);
      this.parts.push(part);
      return part;
    };
    if (rest !== undefined && !blank(rest)) {
      // What the composed answer says after the parts above: the last part, complete.
      if (last) last.text = rest;
      else last = add(rest);
    }
    if (!this.parts.some((p) => !blank(p.text))) {
      if (last) last.text = 'Done.';
      else last = add('Done.');
    } else if (!last && footer.length > 0) {
      // Nothing followed the last break: the links get a message of their own, under the rest.
      last = add('');
    }
    if (last) last.footer = footer;
    for (const part of this.parts) {
      const fitted = answer.fit ? answer.fit(part.text) : part.text;
      // The last part is sent once more, complete, with its footer; the others only when fitting changed them.
      if (part === last || fitted !== part.text) part.version += 1;
      part.text = fitted;
      part.close();
    }
    this.kick();
    await this.settled();
  }

  /** Resolves once every part shows its latest text, or was given up on. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.next()) this.kick();
    });
  }

  /** The first part with something not yet sent. */
  private next(): Part | undefined {
    return this.parts.find(
      (p) =>
        p.failures < MAX_FAILURES && p.version !== p.sentVersion && (!blank(p.text) || p.footer.length > 0),
    );
  }

  private async drain(): Promise<void> {
    for (let part = this.next(); part; part = this.next()) {
      if (part.ts === undefined && !part.closed) {
        // A new message waits for what must stand above it, and briefly for more text; a part that
        // must go above something else (closed meanwhile) goes at once.
        await Promise.race([
          Promise.all([this.opts.ready?.(), this.sleep(Math.min(FIRST_POST_MS, this.opts.intervalMs))]),
          part.whenClosed,
        ]);
      }
      const urgent = part.closed || part.ts === undefined;
      const wait = Math.max(this.retryAt, urgent ? 0 : this.nextEditAt) - this.now();
      if (wait > 0) await this.sleep(wait);
      await this.send(part);
    }
  }

  private async send(part: Part): Promise<void> {
    const version = part.version;
    const view = this.opts.view(part.text, part.footer);
    try {
      if (part.ts === undefined) {
        const broadcast = this.broadcast;
        const posted = await this.opts.api.post({
          ...this.opts.where,
          ...view,
          ...(broadcast ? { broadcast: true } : {}),
        });
        if (broadcast) this.broadcast = false;
        part.ts = posted.ts;
        part.posted();
      } else {
        await this.opts.api.update(this.opts.where.channel, part.ts, view.text, view.blocks);
      }
      part.sentVersion = version;
      part.failures = 0;
      this.nextEditAt = this.now() + this.opts.intervalMs;
    } catch (err) {
      if (err instanceof SlackRateLimited) {
        this.retryAt = this.now() + err.retryAfterMs;
        this.opts.logger?.info({ retryAfterMs: err.retryAfterMs }, 'answer edit rate-limited');
        return;
      }
      part.failures += 1;
      this.retryAt = this.now() + Math.max(this.opts.intervalMs, 500);
      const gaveUp = part.failures >= MAX_FAILURES;
      this.opts.logger?.[gaveUp ? 'error' : 'warn'](
        { err: messageOf(err), failures: part.failures, channel: this.opts.where.channel },
        gaveUp ? 'could not post an answer' : 'answer edit failed',
      );
      if (gaveUp) part.posted();
    }
  }
}

function newPart(text = ''): Part {
  let close = (): void => undefined;
  let posted = (): void => undefined;
  const whenClosed = new Promise<void>((resolve) => (close = resolve));
  const whenPosted = new Promise<void>((resolve) => (posted = resolve));
  const part: Part = {
    text,
    footer: [],
    ts: undefined,
    version: text === '' ? 0 : 1,
    sentVersion: 0,
    closed: false,
    whenClosed,
    close: () => {
      part.closed = true;
      close();
    },
    whenPosted,
    posted,
    failures: 0,
  };
  return part;
}

/**
 * What `text` holds after `prefix`, white space aside (paragraph breaks may differ between what
 * streamed and the composed answer); undefined when `text` does not start with it.
 */
export function after(text: string, prefix: string): string | undefined {
  const space = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  let i = 0;
  for (let j = 0; j < prefix.length; j++) {
    if (space(prefix[j])) continue;
    while (space(text[i])) i++;
    if (text[i] !== prefix[j]) return undefined;
    i++;
  }
  return text.slice(i);
}
