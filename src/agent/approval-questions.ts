import type { LoadedConfig } from '../config.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { approvalRule } from '../policies/release.js';
import type { ApprovalRule } from '../policies/types.js';
import type { AnswerResult, ApprovalQuestion, Store } from '../store/store.js';
import type {
  ApprovalAsk,
  Interaction,
  PostedQuestion,
  PressRefusal,
  StoredPress,
  StoredQuestions,
} from './types.js';

/** How often a replica waiting for an approval looks in the store for an answer given through another. */
export const APPROVAL_POLL_MS = 1000;

/** One question's answer: approved or not, by whom, and whether the store already holds the approval. */
export interface QuestionOutcome {
  approved: boolean;
  approver?: string | undefined;
  /** The approval was recorded with the answer (in the store): it must not be recorded again. */
  recorded: boolean;
}

export interface AskWork {
  store: Store;
  io: Interaction;
  rule: ApprovalRule;
  hash: string;
  tool: string;
  ask: Omit<ApprovalAsk, 'shared'>;
  wallNow: () => number;
  /** Default {@link APPROVAL_POLL_MS}. */
  pollMs?: number | undefined;
  logger?: Logger | undefined;
}

/**
 * Asks one approval question through the channel and waits for its answer, given on this replica's
 * buttons or on another's: the question is recorded in the store once posted, a press here answers it
 * there (once, whichever replica is pressed first), and the store is looked at every `pollMs` for an
 * answer given elsewhere, which ends the wait here. An unanswered question (expired, Jarvis stopping) is
 * withdrawn, so that no replica takes an answer to it any more.
 */
export async function askQuestion(w: AskWork): Promise<QuestionOutcome> {
  const abort = new AbortController();
  let id: string | undefined;
  /** This replica is answering, or answered, the question in the store: what the store shows is ours. */
  let claimed = false;
  /** The wait here is over (answered, expired, or the question could not be posted). */
  let over = false;
  let remote: ApprovalQuestion['answer'];
  let timer: NodeJS.Timeout | undefined;

  const look = async (): Promise<void> => {
    if (id === undefined || claimed || abort.signal.aborted) return;
    try {
      const answer = (await w.store.approvalQuestion(id))?.answer;
      if (answer && !claimed && !abort.signal.aborted) {
        remote = answer;
        abort.abort();
      }
    } catch (err) {
      // Unknown is not "no": the next look may read it.
      w.logger?.debug({ err: messageOf(err) }, 'could not read an approval question');
    }
  };

  /** Closes question `qid`; resolves with the answer someone gave it first, if anyone did. */
  const withdraw = async (qid: string): Promise<ApprovalQuestion['answer']> => {
    try {
      const withdrawn = await w.store.answerApprovalQuestion(qid, {
        kind: 'withdrawn',
        by: 'unanswered',
        at: w.wallNow(),
      });
      return withdrawn.ok ? undefined : withdrawn.question?.answer;
    } catch (err) {
      w.logger?.warn({ err: messageOf(err) }, 'could not withdraw an approval question');
      return undefined;
    }
  };

  const posted = async (q: PostedQuestion): Promise<void> => {
    if (over) return;
    await w.store.openApprovalQuestion({
      id: q.id,
      planHash: w.hash,
      tool: w.tool,
      env: w.rule.env,
      service: w.rule.service,
      requester: w.ask.requester.id,
      summary: w.ask.summary,
      required: w.rule.required,
      channel: q.channel,
      threadTs: q.threadTs,
      messageTs: q.messageTs,
      at: w.wallNow(),
      expiresAt: q.expiresAt,
    });
    id = q.id;
    // The wait ended while it was being recorded: nobody may answer it any more.
    if (over) {
      await withdraw(q.id);
      return;
    }
    timer = setInterval(() => void look(), w.pollMs ?? APPROVAL_POLL_MS);
    timer.unref();
  };

  const claim = async (user: string, approved: boolean): Promise<PressRefusal | undefined> => {
    // The rule decides here, not the channel: who may answer, with who already approved.
    const problem = w.rule.problem(user, w.ask.approvers);
    if (problem) return { why: 'refused', reason: problem.reason };
    if (id === undefined) return undefined;
    claimed = true;
    try {
      const now = w.wallNow();
      const result = await w.store.answerApprovalQuestion(id, {
        kind: approved ? 'approved' : 'rejected',
        by: user,
        at: now,
        approvalExpiresAt: now + w.rule.ttlSeconds * 1000,
      });
      if (result.ok) return undefined;
      claimed = false;
      return refusalOf(result);
    } catch (err) {
      claimed = false;
      w.logger?.warn({ err: messageOf(err) }, 'could not record an approval answer');
      return { why: 'unavailable' };
    }
  };

  let answer: { approved: boolean; approver?: string };
  try {
    answer = await w.io.approval!({ ...w.ask, shared: { signal: abort.signal, posted, claim } });
  } finally {
    over = true;
    clearInterval(timer);
  }

  if (remote) return outcomeOf(remote);
  if (answer.approved) return { approved: true, approver: answer.approver, recorded: claimed };
  if (answer.approver !== undefined || id === undefined) {
    return { approved: false, approver: answer.approver, recorded: claimed };
  }
  // Nobody answered here: withdraw the question, unless an answer given elsewhere just beat that.
  const given = await withdraw(id);
  return given ? outcomeOf(given) : { approved: false, recorded: false };
}

function outcomeOf(answer: NonNullable<ApprovalQuestion['answer']>): QuestionOutcome {
  if (answer.kind === 'withdrawn') return { approved: false, recorded: false };
  return { approved: answer.kind === 'approved', approver: answer.by, recorded: true };
}

function refusalOf(result: Exclude<AnswerResult, { ok: true }>): PressRefusal {
  switch (result.reason) {
    case 'unknown':
      return { why: 'unknown' };
    case 'answered':
      return result.question?.answer?.kind === 'withdrawn'
        ? { why: 'unknown', question: result.question }
        : { why: 'answered', question: result.question };
    case 'expired':
      return { why: 'expired', question: result.question };
    case 'already-approved':
      return {
        why: 'refused',
        reason: 'you already approved this change: another person must approve it too.',
        question: result.question,
      };
  }
}

export interface StoredQuestionsDeps {
  config: LoadedConfig;
  store: Store;
  /** Wall time in ms (default `Date.now`): approval questions expire in calendar time. */
  wallNow?: () => number;
  logger?: Logger | undefined;
}

/**
 * Answers presses of approval buttons that reach a replica other than the one that asked (Slack hands
 * each press to any of the app's connections): the question is read from the store; the press counts
 * only from the question's own message, while it is open, and for a person the release policy's rule
 * (the question's target and requester; who already approved its plan) lets answer. The answer, and an
 * approval with it, is recorded in the store, where the asking replica sees it.
 */
export function storedQuestions(deps: StoredQuestionsDeps): StoredQuestions {
  const wallNow = deps.wallNow ?? Date.now;
  return {
    async answer(press: StoredPress) {
      try {
        const question = await deps.store.approvalQuestion(press.id);
        if (!question || question.answer?.kind === 'withdrawn')
          return { ok: false, why: 'unknown', question };
        if (question.channel !== press.channel || question.messageTs !== press.messageTs) {
          return { ok: false, why: 'elsewhere', question };
        }
        const now = wallNow();
        if (question.answer) return { ok: false, why: 'answered', question };
        if (question.expiresAt <= now) return { ok: false, why: 'expired', question };
        const rule = approvalRule(deps.config, question.env, question.service, question.requester);
        if (!rule) {
          return {
            ok: false,
            why: 'refused',
            reason: `writes to ${question.service} in ${question.env} no longer need an approval; ask again.`,
            question,
          };
        }
        const held = await deps.store.approvalsFor(question.planHash, now);
        const problem = rule.problem(
          press.user,
          held.map((a) => a.approver),
        );
        if (problem) return { ok: false, why: 'refused', reason: problem.reason, question };
        const result = await deps.store.answerApprovalQuestion(question.id, {
          kind: press.approved ? 'approved' : 'rejected',
          by: press.user,
          at: now,
          approvalExpiresAt: now + rule.ttlSeconds * 1000,
        });
        return result.ok ? result : { ok: false, ...refusalOf(result) };
      } catch (err) {
        deps.logger?.warn({ err: messageOf(err) }, 'could not answer a stored approval question');
        return { ok: false, why: 'unavailable' };
      }
    },
  };
}
