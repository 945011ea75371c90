import { randomBytes } from 'node:crypto';
import { messageOf } from '../../errors.js';
import { withMfaSource } from '../../policies/mfa-source.js';
import type { Logger } from '../../logger.js';
import type { PressRefusal, SharedQuestion, StoredQuestions } from '../../agent/types.js';
import type { MfaOutcome, Requirements } from '../../policies/types.js';
import type { SlackApi } from './api.js';
import {
  approvalView,
  confirmView,
  decidedView,
  mention,
  mfaModal,
  mfaOutcomeText,
  mfaPromptView,
  slackTime,
  type ButtonAction,
  type MessageView,
} from './views.js';

/** Where a question is asked: a channel and the thread of the conversation. */
export interface Where {
  channel: string;
  threadTs: string;
}

export interface ApprovalAnswer {
  approved: boolean;
  approver?: string;
}

/** A button press as Slack reported it; `id` is the button's value. */
export interface Click {
  action: ButtonAction;
  id: string;
  user: string;
  channel: string | undefined;
  messageTs: string | undefined;
  triggerId: string | undefined;
}

/** The answer to a modal submission: close it, or show `errors` under the named input blocks. */
export type SubmitAnswer = { ok: true } | { ok: false; errors: Record<string, string> };

interface Base {
  id: string;
  where: Where;
  /** The decision's message, once posted; a click must come from it. */
  messageTs: string | undefined;
  /** Settles when the post of the message has (a click can beat the API's answer to Jarvis). */
  posting: Promise<void>;
  requester: string;
  summary: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

type Pending =
  | (Base & { kind: 'confirm'; resolve(answer: boolean): void })
  | (Base & {
      kind: 'approval';
      /** Why `user` may not approve; undefined when they may. */
      problem(user: string): string | undefined;
      /** The question as every replica sees it; undefined: in this process only. */
      shared: SharedQuestion | undefined;
      resolve(answer: ApprovalAnswer): void;
    })
  | (Base & {
      kind: 'mfa';
      verify(code: string): Promise<MfaOutcome>;
      resolve(outcome: MfaOutcome): void;
      checking: boolean;
    });

const KIND: Record<ButtonAction, Pending['kind']> = {
  confirm: 'confirm',
  cancel: 'confirm',
  approve: 'approval',
  reject: 'approval',
  mfa: 'mfa',
};

export interface DecisionsDeps {
  api: SlackApi;
  /** How long buttons work. */
  ttlMs: number;
  logger?: Logger | undefined;
  now?: () => number;
  /**
   * Answers presses of approval buttons of questions another replica asked (found in the store);
   * undefined: such a press is refused as an unknown question.
   */
  stored?: StoredQuestions | undefined;
}

/**
 * The questions Jarvis has asked in Slack and not yet had answered: confirmations, approvals and MFA
 * codes. Each is a message whose buttons carry an id generated here; the decision (who may answer, what
 * it is about, what to do with the answer) stays on the server, so a button answers exactly one action,
 * only from its own message, and only for the person it was meant for. Unanswered questions expire and
 * count as "no". Codes typed in the modal go to the gate's verifier and nowhere else. Approval questions
 * are also kept in the store (see SharedQuestion): a press of one asked by another replica is answered
 * through `stored`, and shown on the question's message here.
 */
export class Decisions {
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;

  constructor(private readonly deps: DecisionsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Questions waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves true only when `requester` presses Confirm on this question's own message. `question`: the
   * tool's own way of asking ("Confirm rollback?"); undefined: a plain "confirm this change".
   */
  confirm(
    where: Where,
    requester: string,
    summary: string,
    needs: Requirements,
    question?: string,
  ): Promise<boolean> {
    return this.open<boolean>(
      where,
      requester,
      summary,
      (id, expiresAt) => confirmView(id, summary, needs, requester, expiresAt, question),
      (base, resolve) => ({ ...base, kind: 'confirm', resolve }),
    );
  }

  /**
   * Resolves with the answer of the first person for whom `problem` finds nothing to object. `progress`:
   * how many approvals the write needs and who already gave one (shown on the question). With `shared`,
   * the question is told to the agent once posted, a press here is claimed through it before it counts,
   * and its signal ends the wait (answer "no", message left alone) when another replica took the answer.
   */
  approval(
    where: Where,
    requester: string,
    summary: string,
    problem: (user: string) => string | undefined,
    progress: { required: number; approvers: readonly string[] } = { required: 1, approvers: [] },
    shared?: SharedQuestion,
  ): Promise<ApprovalAnswer> {
    return this.open<ApprovalAnswer>(
      where,
      requester,
      summary,
      (id, expiresAt) => approvalView(id, summary, requester, expiresAt, progress),
      (base, resolve) => {
        shared?.signal.addEventListener(
          'abort',
          () => {
            if (this.take(base.id)) resolve({ approved: false });
          },
          { once: true },
        );
        return { ...base, kind: 'approval', problem, shared, resolve };
      },
    );
  }

  /**
   * Resolves with the outcome of the first code `requester` submits that is accepted, or that ends the
   * attempt (locked out, not enrolled); wrong and replayed codes are shown in the modal and may be retried.
   */
  mfa(
    where: Where,
    requester: string,
    summary: string,
    verify: (code: string) => Promise<MfaOutcome>,
  ): Promise<MfaOutcome> {
    return this.open<MfaOutcome>(
      where,
      requester,
      summary,
      (id, expiresAt) => mfaPromptView(id, summary, requester, expiresAt),
      (base, resolve) => ({ ...base, kind: 'mfa', verify, resolve, checking: false }),
    );
  }

  /** Handles a button press. Anyone but the person a button is for gets an ephemeral refusal. */
  async press(click: Click): Promise<void> {
    await this.pending.get(click.id)?.posting;
    const entry = this.pending.get(click.id);
    if (!entry) {
      if (KIND[click.action] === 'approval' && this.deps.stored) return this.answerStored(click);
      return this.refuse(click, undefined, UNKNOWN);
    }
    if (
      entry.where.channel !== click.channel ||
      entry.messageTs === undefined ||
      entry.messageTs !== click.messageTs ||
      KIND[click.action] !== entry.kind
    ) {
      return this.refuse(click, entry.where.threadTs, ELSEWHERE);
    }
    switch (entry.kind) {
      case 'confirm': {
        if (click.user !== entry.requester) {
          return this.refuse(
            click,
            entry.where.threadTs,
            `Only ${mention(entry.requester)} can confirm or cancel this: they asked for it. Nothing was done.`,
          );
        }
        const yes = click.action === 'confirm';
        this.take(entry.id);
        entry.resolve(yes);
        return this.settle(
          entry,
          yes
            ? `:white_check_mark: Confirmed by ${mention(click.user)} at ${slackTime(this.now())}.`
            : `:no_entry_sign: Cancelled by ${mention(click.user)}: nothing was changed.`,
        );
      }
      case 'approval': {
        const problem = entry.problem(click.user);
        if (problem) return this.refuse(click, entry.where.threadTs, `You cannot answer this: ${problem}`);
        const approved = click.action === 'approve';
        if (entry.shared) {
          // Claimed in the store first: a press on another replica may have answered it already.
          let refusal: PressRefusal | undefined;
          try {
            refusal = await entry.shared.claim(click.user, approved);
          } catch (err) {
            this.deps.logger?.warn({ err: messageOf(err) }, 'could not claim an approval answer');
            refusal = { why: 'unavailable' };
          }
          if (refusal) return this.refuse(click, entry.where.threadTs, refusalText(refusal));
        }
        this.take(entry.id);
        entry.resolve({ approved, approver: click.user });
        return this.settle(entry, this.answerText(approved, click.user));
      }
      case 'mfa': {
        if (click.user !== entry.requester) {
          return this.refuse(
            click,
            entry.where.threadTs,
            `Only ${mention(entry.requester)} can enter the code for this: they asked for it.`,
          );
        }
        if (!click.triggerId)
          return this.refuse(click, entry.where.threadTs, 'Slack sent no trigger; press the button again.');
        try {
          await this.deps.api.openView(click.triggerId, mfaModal(entry.id, entry.summary));
        } catch (err) {
          this.deps.logger?.warn({ err: messageOf(err) }, 'could not open the MFA modal');
          return this.refuse(
            click,
            entry.where.threadTs,
            'The code dialog could not be opened; press the button again.',
          );
        }
        return;
      }
    }
  }

  /** Checks a code submitted in the MFA modal. The code is handed to the verifier only. */
  async submitCode(submission: {
    id: string;
    user: string;
    code: string;
    /** The Slack team (workspace) the modal was submitted from, when Slack says. */
    team?: string | undefined;
  }): Promise<SubmitAnswer> {
    const entry = this.pending.get(submission.id);
    const errors = (message: string): SubmitAnswer => ({ ok: false, errors: { code: message } });
    if (!entry || entry.kind !== 'mfa') {
      return errors('This request was already answered or has expired. Close this dialog and ask again.');
    }
    if (submission.user !== entry.requester) return errors('Only the person who asked can enter the code.');
    if (entry.checking) return errors('The previous code is still being checked.');
    let outcome: MfaOutcome;
    entry.checking = true;
    try {
      // Lockouts count per Slack team and channel as well as per person.
      const source = `slack:${submission.team ?? 'unknown'}/${entry.where.channel}`;
      outcome = await withMfaSource(source, () => entry.verify(submission.code));
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err) }, 'MFA check failed');
      return errors('The code could not be checked just now. Try again in a moment.');
    } finally {
      entry.checking = false;
    }
    if (outcome.ok || (outcome.reason !== 'invalid' && outcome.reason !== 'replayed')) {
      this.take(entry.id);
      entry.resolve(outcome);
      await this.settle(entry, mfaOutcomeText(submission.user, outcome));
    }
    return outcome.ok ? { ok: true } : errors(outcome.message);
  }

  /** Ends every open question with "no" (shutting down). */
  close(): void {
    for (const entry of [...this.pending.values()]) {
      this.take(entry.id);
      negative(entry, 'Jarvis stopped before a code was entered.');
    }
  }

  /**
   * Registers the question, then posts it; the promise settles with its answer. The entry is registered
   * before the message is posted, so a quick click is never lost; a message that cannot be posted, and a
   * question nobody answers in time, count as "no".
   */
  private open<T>(
    where: Where,
    requester: string,
    summary: string,
    view: (id: string, expiresAt: number) => MessageView,
    entryOf: (base: Base, resolve: (answer: T) => void) => Pending,
  ): Promise<T> {
    const id = newDecisionId();
    const expiresAt = this.now() + this.deps.ttlMs;
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => void this.expire(id), this.deps.ttlMs);
      timer.unref();
      const base = {
        id,
        where,
        messageTs: undefined,
        posting: Promise.resolve(),
        requester,
        summary,
        expiresAt,
        timer,
      };
      const entry = entryOf(base, resolve);
      this.pending.set(id, entry);
      entry.posting = this.deps.api
        .post({ channel: where.channel, threadTs: where.threadTs, ...view(id, expiresAt) })
        .then(
          async (posted) => {
            entry.messageTs = posted.ts;
            if (entry.kind === 'approval' && entry.shared) {
              const question = { id, channel: where.channel, threadTs: where.threadTs, messageTs: posted.ts };
              await entry.shared.posted({ ...question, expiresAt }).catch((err: unknown) => {
                // Asked here only: a press on another replica will not find it.
                this.deps.logger?.warn({ err: messageOf(err) }, 'could not record an approval question');
              });
            }
          },
          (err: unknown) => {
            this.deps.logger?.warn({ err: messageOf(err) }, 'could not post a question');
            if (this.take(id)) negative(entry, 'The question could not be posted.');
          },
        );
    });
  }

  private async expire(id: string): Promise<void> {
    const entry = this.take(id);
    if (!entry) return;
    negative(entry, 'No code was entered before the request expired.');
    await this.settle(entry, `:hourglass: Expired at ${slackTime(this.now())}: nothing was changed.`);
  }

  private take(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    return entry;
  }

  /**
   * A press of an approval button whose question this process did not ask: another replica asked it and
   * waits. The agent answers it from the store; this shows the answer on the question, or the refusal.
   */
  private async answerStored(click: Click): Promise<void> {
    const approved = click.action === 'approve';
    const answer = await this.deps.stored!.answer({
      id: click.id,
      user: click.user,
      approved,
      channel: click.channel,
      messageTs: click.messageTs,
    });
    if (!answer.ok) return this.refuse(click, answer.question?.threadTs, refusalText(answer));
    const { channel, messageTs, summary } = answer.question;
    await this.show(channel, messageTs, summary, this.answerText(approved, click.user));
  }

  private answerText(approved: boolean, user: string): string {
    return approved
      ? `:white_check_mark: Approved by ${mention(user)} at ${slackTime(this.now())}.`
      : `:no_entry_sign: Rejected by ${mention(user)}: nothing was changed.`;
  }

  private async refuse(click: Click, threadTs: string | undefined, text: string): Promise<void> {
    if (!click.channel) return;
    try {
      await this.deps.api.ephemeral(click.channel, click.user, text, threadTs);
    } catch (err) {
      this.deps.logger?.warn({ err: messageOf(err) }, 'could not post an ephemeral refusal');
    }
  }

  /** Replaces the question's buttons with its outcome. */
  private async settle(entry: Base, outcome: string): Promise<void> {
    if (entry.messageTs === undefined) return;
    await this.show(entry.where.channel, entry.messageTs, entry.summary, outcome);
  }

  private async show(channel: string, ts: string, summary: string, outcome: string): Promise<void> {
    const view = decidedView(summary, outcome);
    try {
      await this.deps.api.update(channel, ts, view.text, view.blocks);
    } catch (err) {
      this.deps.logger?.warn({ err: messageOf(err) }, 'could not update a decision message');
    }
  }
}

const UNKNOWN =
  'That request was already answered or has expired: nothing will happen. Ask me again if it is still needed.';
const ELSEWHERE = 'That button does not belong to this request: nothing was done.';

/** What the presser of an approval button is told when their press does not count. */
function refusalText(refusal: PressRefusal): string {
  switch (refusal.why) {
    case 'unknown':
      return UNKNOWN;
    case 'elsewhere':
      return ELSEWHERE;
    case 'answered': {
      const answer = refusal.question?.answer;
      const by = answer ? ` by ${mention(answer.by)} (${answer.kind})` : '';
      return `That request was already answered${by}: nothing more was done.`;
    }
    case 'expired':
      return 'That request has expired: nothing will happen. Ask me again if it is still needed.';
    case 'refused':
      return `You cannot answer this: ${refusal.reason ?? 'the release policy does not let you.'}`;
    case 'unavailable':
      return 'Your answer could not be recorded just now: nothing was done. Press the button again.';
  }
}

/** Answers a question with "no": not confirmed, not approved, no valid code (`message` says why). */
function negative(entry: Pending, message: string): void {
  switch (entry.kind) {
    case 'confirm':
      return entry.resolve(false);
    case 'approval':
      return entry.resolve({ approved: false });
    case 'mfa':
      return entry.resolve({ ok: false, reason: 'invalid', message });
  }
}

export function newDecisionId(): string {
  return randomBytes(12).toString('base64url');
}
