import type {
  AnswerResult,
  ApprovalQuestion,
  NewApprovalQuestion,
  QuestionAnswer,
} from './policy-records.js';
import type { ApprovalRow } from './sqlite-policy.js';
import * as v from './validate.js';

/**
 * The approval_questions table (migration 12) as both stores read and write it: the row, its checks, and
 * the rule of which answers a question takes.
 */

export interface QuestionRow {
  id: string;
  plan_hash: string;
  tool: string;
  env: string;
  service: string;
  requester: string;
  summary: string;
  required: number;
  channel: string;
  thread_ts: string | null;
  message_ts: string;
  at: number;
  expires_at: number;
  answer: 'approved' | 'rejected' | 'withdrawn' | null;
  answered_by: string | null;
  answered_at: number | null;
}

/** Questions expired longer ago than this are forgotten when a new one is asked. */
export const QUESTION_RETENTION_MS = 24 * 3600 * 1000;

/** `q` checked, as an approval_questions row (both stores write the same columns). */
export function questionRow(
  q: NewApprovalQuestion,
): Omit<QuestionRow, 'answer' | 'answered_by' | 'answered_at'> {
  return {
    id: v.text('id', q.id),
    plan_hash: v.text('planHash', q.planHash),
    tool: v.text('tool', q.tool),
    env: v.text('env', q.env),
    service: v.text('service', q.service),
    requester: v.text('requester', q.requester),
    summary: v.text('summary', q.summary),
    required: v.positiveInt('required', q.required),
    channel: v.text('channel', q.channel),
    thread_ts: v.optionalText('threadTs', q.threadTs),
    message_ts: v.text('messageTs', q.messageTs),
    at: v.time('at', q.at),
    expires_at: v.time('expiresAt', q.expiresAt),
  };
}

/** An answer checked; `approvalExpiresAt` is 0 for answers that record no approval. */
export interface CheckedAnswer {
  kind: QuestionAnswer['kind'];
  by: string;
  at: number;
  approvalExpiresAt: number;
}

/** `answer` checked: an approval also says when it stops counting. */
export function questionAnswer(answer: QuestionAnswer): CheckedAnswer {
  return {
    kind: v.answerKind(answer.kind),
    by: v.text('by', answer.by),
    at: v.time('at', answer.at),
    approvalExpiresAt: answer.kind === 'approved' ? v.time('approvalExpiresAt', answer.approvalExpiresAt) : 0,
  };
}

/** Why `row` cannot take `answer` (nothing is written then); undefined when it can. */
export function answerRefusal(row: QuestionRow | undefined, answer: CheckedAnswer): AnswerResult | undefined {
  if (!row) return { ok: false, reason: 'unknown', question: undefined };
  const question = toQuestion(row);
  if (question.answer) return { ok: false, reason: 'answered', question };
  if (answer.kind !== 'withdrawn' && question.expiresAt <= answer.at) {
    return { ok: false, reason: 'expired', question };
  }
  return undefined;
}

/** The approval an `approved` answer records: the question's plan, approved by the one who answered. */
export function approvalRowOf(q: ApprovalQuestion, a: CheckedAnswer): Omit<ApprovalRow, 'id' | 'used_at'> {
  return {
    plan_hash: q.planHash,
    tool: q.tool,
    env: q.env,
    service: q.service,
    requester: q.requester,
    approver: a.by,
    at: a.at,
    expires_at: a.approvalExpiresAt,
  };
}

/** An approval_questions row as a question. */
export function toQuestion(r: QuestionRow): ApprovalQuestion {
  return {
    id: r.id,
    planHash: r.plan_hash,
    tool: r.tool,
    env: r.env,
    service: r.service,
    requester: r.requester,
    summary: r.summary,
    required: r.required,
    channel: r.channel,
    threadTs: r.thread_ts ?? undefined,
    messageTs: r.message_ts,
    at: r.at,
    expiresAt: r.expires_at,
    answer:
      r.answer === null ? undefined : { kind: r.answer, by: r.answered_by ?? '', at: r.answered_at ?? 0 },
  };
}
