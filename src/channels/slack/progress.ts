import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RolloutEvent } from '../../rollout/events.js';
import { FlowView } from '../../rollout/flow.js';
import { SlackRateLimited, type SlackApi } from './api.js';
import { initialProgress, reduceProgress, type ProgressState } from './progress-state.js';
import { progressView } from './progress-view.js';

export interface ProgressMessageOptions {
  api: SlackApi;
  channel: string;
  threadTs: string;
  /** The confirmed summary of the action, used as the message's title. */
  title: string | undefined;
  /** Least time between two edits, in ms. The final state is sent as soon as Slack allows. */
  intervalMs: number;
  /**
   * Awaited once, before the message is first posted: the turn's answer streamed so far ends above it
   * (see AnswerMessage.break), so the thread reads in order.
   */
  beforePost?: (() => Promise<void>) | undefined;
  logger?: Logger | undefined;
  /** Told the message's ts once it is posted (to record where it is); a failure is logged only. */
  onPosted?: ((ts: string) => Promise<void>) | undefined;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Edits given up after this many failures in a row that are not rate limits (a deleted message...). */
const MAX_FAILURES = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One rollout's progress message: posted at the first event, then edited in place (`chat.update`). Edits
 * are coalesced: at most one in flight, at most one per `intervalMs`, and each sends the latest state, so
 * a burst of events costs one edit. A 429 is honoured by waiting its Retry-After before the next edit; the
 * state is never lost, only intermediate states are skipped.
 */
export class ProgressMessage {
  private state: ProgressState | undefined;
  private ts: string | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  /** No edit before this time: Slack's Retry-After. */
  private retryAt = 0;
  /** No edit before this time unless it is the final state: the edit interval. */
  private nextEditAt = 0;
  private failures = 0;
  /** The release's lines as a piped terminal shows them: what stays, one line per step. */
  private readonly flow = new FlowView(false);
  /** `beforePost` was awaited. */
  private before = false;
  /** Resolves once the message is posted, or posting it was given up. */
  private readonly postedOnce: Promise<void>;
  private markPosted: () => void = () => undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Edits sent (the first post included). */
  sent = 0;

  constructor(private readonly opts: ProgressMessageOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? sleep;
    this.postedOnce = new Promise((resolve) => (this.markPosted = resolve));
  }

  /** Resolves once the message exists in the thread (or could not be posted): what comes next goes below. */
  posted(): Promise<void> {
    return this.postedOnce;
  }

  /** The state shown (or about to be); undefined before the first event. */
  get current(): ProgressState | undefined {
    return this.state;
  }

  /** Folds `event` into the state and schedules an edit. Never throws. */
  apply(event: RolloutEvent): void {
    const next = reduceProgress(this.state ?? initialProgress(event, this.opts.title), event);
    const lines = this.flow.push(event).lines;
    this.state = lines.length > 0 ? { ...next, flow: [...next.flow, ...lines] } : next;
    this.dirty = true;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once the latest state has been sent, or given up on. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.dirty && this.failures < MAX_FAILURES && this.state) {
      // The interval spaces edits out; the final state only waits for what Slack asked (Retry-After).
      const final = this.state.finished !== undefined;
      const wait = Math.max(this.retryAt, final ? 0 : this.nextEditAt) - this.now();
      if (wait > 0) await this.sleep(wait);
      if (this.ts === undefined && !this.before && this.opts.beforePost) {
        this.before = true;
        await this.opts.beforePost().catch((err: unknown) => {
          this.opts.logger?.warn(
            { err: messageOf(err) },
            'could not end the answer above a progress message',
          );
        });
      }
      this.dirty = false;
      const view = progressView(this.state);
      try {
        if (this.ts === undefined) {
          const posted = await this.opts.api.post({
            channel: this.opts.channel,
            threadTs: this.opts.threadTs,
            ...view,
          });
          this.ts = posted.ts;
          await this.opts.onPosted?.(posted.ts).catch((err: unknown) => {
            this.opts.logger?.warn({ err: messageOf(err) }, 'could not record where a progress message is');
          });
          this.markPosted();
        } else {
          await this.opts.api.update(this.opts.channel, this.ts, view.text, view.blocks);
        }
        this.sent += 1;
        this.failures = 0;
        this.nextEditAt = this.now() + this.opts.intervalMs;
      } catch (err) {
        this.dirty = true;
        if (err instanceof SlackRateLimited) {
          this.retryAt = this.now() + err.retryAfterMs;
          this.opts.logger?.info({ retryAfterMs: err.retryAfterMs }, 'progress edit rate-limited');
          continue;
        }
        this.failures += 1;
        this.retryAt = this.now() + Math.max(this.opts.intervalMs, 500);
        this.opts.logger?.warn({ err: messageOf(err), failures: this.failures }, 'progress edit failed');
      }
    }
    if (this.ts === undefined && this.failures >= MAX_FAILURES) this.markPosted();
  }
}

/**
 * Shows the end of a rollout on a progress message posted by another process (whose rollout this one
 * adopted): edits the message at `location` to the view of `state`, honouring Slack's Retry-After a few
 * times. Rejects when Slack refuses the edit.
 */
export async function finishProgressMessage(
  api: SlackApi,
  location: { channel: string; ts: string },
  state: ProgressState,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<void> {
  const view = progressView(state);
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.update(location.channel, location.ts, view.text, view.blocks);
    } catch (err) {
      if (!(err instanceof SlackRateLimited) || attempt >= MAX_FAILURES) throw err;
      await wait(err.retryAfterMs);
    }
  }
}
