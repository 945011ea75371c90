import type { ApprovalAsk, Interaction } from '../../agent/types.js';
import type { LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Actor, MfaOutcome, Requirements } from '../../policies/types.js';
import type { RolloutEvent } from '../../rollout/events.js';
import type { ProgressMessageLocation } from '../../store/store.js';
import type { SlackApi } from './api.js';
import type { ApprovalAnswer, Decisions, Where } from './decisions.js';
import { ProgressMessage } from './progress.js';
import type { ProgressState } from './progress-state.js';

export interface SlackInteractionDeps {
  api: SlackApi;
  decisions: Decisions;
  config: LoadedConfig;
  where: Where;
  requester: Actor;
  progressIntervalMs: number;
  /** Every rollout event, before it is rendered (metrics). */
  onEvent?: ((event: RolloutEvent) => void) | undefined;
  /** A rollout's progress message was posted: where it is (recorded for a replica that adopts it). */
  onProgressPosted?: ((deploymentId: number, location: ProgressMessageLocation) => Promise<void>) | undefined;
  /** A rollout ended and its message shows the final state. */
  onFinished?: ((state: ProgressState) => Promise<void>) | undefined;
  /** Wraps every wait for a person (the channel lends the turn's slot to others meanwhile). */
  whileWaiting?: (<T>(wait: Promise<T>) => Promise<T>) | undefined;
  logger?: Logger | undefined;
}

/**
 * The Slack side of one agent turn in one thread: questions become buttons and a modal (see
 * {@link Decisions}), rollout events become one message per rollout edited in place.
 */
export class SlackInteraction implements Interaction {
  private readonly rollouts = new Map<number, ProgressMessage>();
  private readonly endings: Array<Promise<void>> = [];
  /** The last action confirmed in this turn: the title of the rollout it starts. */
  private lastSummary: string | undefined;

  constructor(private readonly deps: SlackInteractionDeps) {}

  confirm(summary: string, needs: Requirements): Promise<boolean> {
    this.lastSummary = summary;
    return this.waiting(this.deps.decisions.confirm(this.deps.where, this.deps.requester.id, summary, needs));
  }

  mfa(summary: string, verify: (code: string) => Promise<MfaOutcome>): Promise<MfaOutcome> {
    return this.waiting(this.deps.decisions.mfa(this.deps.where, this.deps.requester.id, summary, verify));
  }

  /**
   * Asks for one more person's approval. Who may answer is the release policy's decision (`eligible`,
   * from the call's target); this only renders the question and collects the answer.
   */
  approval(request: ApprovalAsk): Promise<ApprovalAnswer> {
    return this.waiting(
      this.deps.decisions.approval(
        this.deps.where,
        request.requester.id,
        request.summary,
        request.eligible,
        { required: request.required, approvers: request.approvers },
        request.shared,
      ),
    );
  }

  private waiting<T>(wait: Promise<T>): Promise<T> {
    return this.deps.whileWaiting ? this.deps.whileWaiting(wait) : wait;
  }

  progress(event: RolloutEvent): void {
    try {
      this.deps.onEvent?.(event);
    } catch (err) {
      this.deps.logger?.warn({ err: messageOf(err) }, 'rollout event observer failed');
    }
    let message = this.rollouts.get(event.deploymentId);
    if (!message) {
      const { where, onProgressPosted } = this.deps;
      const title = this.lastSummary;
      const id = event.deploymentId;
      message = new ProgressMessage({
        api: this.deps.api,
        channel: where.channel,
        threadTs: where.threadTs,
        title,
        intervalMs: this.deps.progressIntervalMs,
        logger: this.deps.logger,
        onPosted: onProgressPosted
          ? (ts) => onProgressPosted(id, { channel: where.channel, ts, threadTs: where.threadTs, title })
          : undefined,
      });
      this.rollouts.set(event.deploymentId, message);
    }
    message.apply(event);
    if (event.kind === 'finished' && this.deps.onFinished) {
      const shown = message;
      const onFinished = this.deps.onFinished;
      this.endings.push(
        shown
          .settled()
          .then(() => onFinished(shown.current!))
          .catch((err: unknown) => {
            this.deps.logger?.warn({ err: messageOf(err) }, 'could not report the end of a rollout');
          }),
      );
    }
  }

  /** Resolves once every progress message shows its latest state and every ending was reported. */
  async settled(): Promise<void> {
    await Promise.all([...this.rollouts.values()].map((m) => m.settled()));
    await Promise.all(this.endings);
  }

  /** Edits sent so far, over all rollouts of this turn. */
  get edits(): number {
    return [...this.rollouts.values()].reduce((n, m) => n + m.sent, 0);
  }
}
