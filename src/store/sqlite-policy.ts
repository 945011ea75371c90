import type { Database } from 'better-sqlite3';
import type {
  AnswerResult,
  ApprovalQuestion,
  ApprovalRecord,
  NewApproval,
  NewApprovalQuestion,
  NewFreeze,
  QuestionAnswer,
  StoredFreeze,
} from './policy-records.js';
import {
  answerRefusal,
  approvalRowOf,
  questionAnswer,
  questionRow,
  toQuestion,
  QUESTION_RETENTION_MS,
  type QuestionRow,
} from './question-rows.js';
import * as v from './validate.js';

export interface ApprovalRow {
  id: number;
  plan_hash: string;
  tool: string;
  env: string;
  service: string;
  requester: string;
  approver: string;
  at: number;
  expires_at: number;
  used_at: number | null;
}

export interface FreezeRow {
  id: number;
  env: string;
  reason: string;
  actor: string;
  at: number;
  until: number | null;
}

/** The approvals and freezes tables of the SQLite store (migration 10). Methods throw; the store wraps them. */
export class SqlitePolicyRecords {
  private readonly s;

  constructor(private readonly db: Database) {
    this.s = {
      usable: db.prepare<[string, number], ApprovalRow>(
        `SELECT * FROM approvals WHERE plan_hash = ? AND used_at IS NULL AND expires_at > ? ORDER BY id`,
      ),
      insertApproval: db.prepare<Omit<ApprovalRow, 'id' | 'used_at'>>(
        `INSERT INTO approvals (plan_hash, tool, env, service, requester, approver, at, expires_at)
         VALUES (@plan_hash, @tool, @env, @service, @requester, @approver, @at, @expires_at)`,
      ),
      useApprovals: db.prepare<[number, string, number]>(
        `UPDATE approvals SET used_at = ? WHERE plan_hash = ? AND used_at IS NULL AND expires_at > ?`,
      ),
      insertQuestion: db.prepare<Omit<QuestionRow, 'answer' | 'answered_by' | 'answered_at'>>(
        `INSERT INTO approval_questions (id, plan_hash, tool, env, service, requester, summary, required,
                channel, thread_ts, message_ts, at, expires_at)
         VALUES (@id, @plan_hash, @tool, @env, @service, @requester, @summary, @required,
                 @channel, @thread_ts, @message_ts, @at, @expires_at)`,
      ),
      forgetQuestions: db.prepare<[number]>(`DELETE FROM approval_questions WHERE expires_at < ?`),
      question: db.prepare<[string], QuestionRow>(`SELECT * FROM approval_questions WHERE id = ?`),
      answerQuestion: db.prepare<[string, string, number, string]>(
        `UPDATE approval_questions SET answer = ?, answered_by = ?, answered_at = ?
          WHERE id = ? AND answer IS NULL`,
      ),
      insertFreeze: db.prepare<Omit<FreezeRow, 'id'>, FreezeRow>(
        `INSERT INTO freezes (env, reason, actor, at, until) VALUES (@env, @reason, @actor, @at, @until)
         RETURNING id, env, reason, actor, at, until`,
      ),
      liftFreezes: db.prepare<[number, string, string, number]>(
        `UPDATE freezes SET lifted_at = ?, lifted_by = ?
          WHERE env = ? AND lifted_at IS NULL AND (until IS NULL OR until > ?)`,
      ),
      activeFreezes: db.prepare<[string, number], FreezeRow>(
        `SELECT id, env, reason, actor, at, until FROM freezes
          WHERE env = ? AND lifted_at IS NULL AND (until IS NULL OR until > ?)
          ORDER BY at DESC, id DESC`,
      ),
    };
  }

  recordApproval(a: NewApproval): boolean {
    const row = {
      plan_hash: v.text('planHash', a.planHash),
      tool: v.text('tool', a.tool),
      env: v.text('env', a.env),
      service: v.text('service', a.service),
      requester: v.text('requester', a.requester),
      approver: v.text('approver', a.approver),
      at: v.time('at', a.at),
      expires_at: v.time('expiresAt', a.expiresAt),
    };
    return this.db
      .transaction(() => {
        const usable = this.s.usable.all(row.plan_hash, row.at);
        if (usable.some((u) => u.approver === row.approver)) return false;
        this.s.insertApproval.run(row);
        return true;
      })
      .immediate();
  }

  approvalsFor(planHash: string, now: number): ApprovalRecord[] {
    return this.s.usable.all(v.text('planHash', planHash), v.time('now', now)).map(toApproval);
  }

  consumeApprovals(planHash: string, now: number): ApprovalRecord[] {
    const hash = v.text('planHash', planHash);
    const at = v.time('now', now);
    return this.db
      .transaction(() => {
        const usable = this.s.usable.all(hash, at);
        this.s.useApprovals.run(at, hash, at);
        return usable.map((r) => ({ ...toApproval(r), usedAt: at }));
      })
      .immediate();
  }

  openApprovalQuestion(q: NewApprovalQuestion): void {
    const row = questionRow(q);
    this.db
      .transaction(() => {
        this.s.forgetQuestions.run(row.at - QUESTION_RETENTION_MS);
        this.s.insertQuestion.run(row);
      })
      .immediate();
  }

  approvalQuestion(id: string): ApprovalQuestion | undefined {
    const row = this.s.question.get(v.text('id', id));
    return row && toQuestion(row);
  }

  answerApprovalQuestion(id: string, answer: QuestionAnswer): AnswerResult {
    const a = questionAnswer(answer);
    return this.db
      .transaction((): AnswerResult => {
        const row = this.s.question.get(v.text('id', id));
        const refusal = answerRefusal(row, a);
        if (refusal) return refusal;
        const question = toQuestion(row!);
        if (a.kind === 'approved') {
          const usable = this.s.usable.all(question.planHash, a.at);
          if (usable.some((u) => u.approver === a.by)) {
            return { ok: false, reason: 'already-approved', question };
          }
          this.s.insertApproval.run(approvalRowOf(question, a));
        }
        this.s.answerQuestion.run(a.kind, a.by, a.at, question.id);
        return { ok: true, question: { ...question, answer: { kind: a.kind, by: a.by, at: a.at } } };
      })
      .immediate();
  }

  putFreeze(f: NewFreeze): StoredFreeze {
    const row = this.s.insertFreeze.get({
      env: v.text('env', f.env),
      reason: v.text('reason', f.reason),
      actor: v.text('actor', f.actor),
      at: v.time('at', f.at),
      until: f.until === undefined ? null : v.time('until', f.until),
    })!;
    return toFreeze(row);
  }

  liftFreezes(env: string, actor: string, now: number): number {
    const at = v.time('now', now);
    return this.s.liftFreezes.run(at, v.text('actor', actor), v.text('env', env), at).changes;
  }

  activeFreezes(env: string, now: number): StoredFreeze[] {
    const at = v.time('now', now);
    return this.s.activeFreezes.all(v.text('env', env), at).map(toFreeze);
  }
}

/** An approvals row as a record; the PostgreSQL store reads the same columns. */
export function toApproval(r: ApprovalRow): ApprovalRecord {
  return {
    id: r.id,
    planHash: r.plan_hash,
    tool: r.tool,
    env: r.env,
    service: r.service,
    requester: r.requester,
    approver: r.approver,
    at: r.at,
    expiresAt: r.expires_at,
    usedAt: r.used_at ?? undefined,
  };
}

/** A freezes row as a stored freeze. */
export function toFreeze(r: FreezeRow): StoredFreeze {
  return { id: r.id, env: r.env, reason: r.reason, actor: r.actor, at: r.at, until: r.until ?? undefined };
}
