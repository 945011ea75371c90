import type { PgDb } from './postgres-db.js';
import type { PolicyRecordStore } from './policy-records.js';
import {
  answerRefusal,
  approvalRowOf,
  questionAnswer,
  questionRow,
  toQuestion,
  QUESTION_RETENTION_MS,
  type QuestionRow,
} from './question-rows.js';
import { toApproval, toFreeze, type ApprovalRow, type FreezeRow } from './sqlite-policy.js';
import * as v from './validate.js';

const USABLE = `SELECT * FROM approvals WHERE plan_hash = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id`;
const FREEZE_COLUMNS = 'id, env, reason, actor, at, until';
const INSERT_APPROVAL = `INSERT INTO approvals (plan_hash, tool, env, service, requester, approver, at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

/**
 * Approvals, approval questions and freezes on PostgreSQL (migrations 10 and 12), seen by every replica: an approval given through
 * one replica's button counts for the request another replica runs. Work on one plan's approvals is
 * serialised by a transaction-scoped advisory lock on its hash, so two replicas cannot both count one
 * approver, nor both use one approval.
 */
export function pgPolicyRecords(db: PgDb): PolicyRecordStore {
  return {
    async recordApproval(a) {
      const row = {
        planHash: v.text('planHash', a.planHash),
        tool: v.text('tool', a.tool),
        env: v.text('env', a.env),
        service: v.text('service', a.service),
        requester: v.text('requester', a.requester),
        approver: v.text('approver', a.approver),
        at: v.time('at', a.at),
        expiresAt: v.time('expiresAt', a.expiresAt),
      };
      return db.tx(async (q) => {
        await q('SELECT pg_advisory_xact_lock(hashtext($1))', [row.planHash]);
        const usable = (await q<ApprovalRow>(USABLE, [row.planHash, row.at])).rows;
        if (usable.some((u) => u.approver === row.approver)) return false;
        await q(INSERT_APPROVAL, [
          row.planHash,
          row.tool,
          row.env,
          row.service,
          row.requester,
          row.approver,
          row.at,
          row.expiresAt,
        ]);
        return true;
      });
    },

    async approvalsFor(planHash, now) {
      const { rows } = await db.query<ApprovalRow>(USABLE, [
        v.text('planHash', planHash),
        v.time('now', now),
      ]);
      return rows.map(toApproval);
    },

    async consumeApprovals(planHash, now) {
      const hash = v.text('planHash', planHash);
      const at = v.time('now', now);
      return db.tx(async (q) => {
        await q('SELECT pg_advisory_xact_lock(hashtext($1))', [hash]);
        const usable = (await q<ApprovalRow>(USABLE, [hash, at])).rows;
        await q(
          'UPDATE approvals SET used_at = $1 WHERE plan_hash = $2 AND used_at IS NULL AND expires_at > $1',
          [at, hash],
        );
        return usable.map((r) => ({ ...toApproval(r), usedAt: at }));
      });
    },

    async openApprovalQuestion(question) {
      const r = questionRow(question);
      await db.tx(async (q) => {
        await q('DELETE FROM approval_questions WHERE expires_at < $1', [r.at - QUESTION_RETENTION_MS]);
        await q(
          `INSERT INTO approval_questions (id, plan_hash, tool, env, service, requester, summary, required,
                  channel, thread_ts, message_ts, at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            r.id,
            r.plan_hash,
            r.tool,
            r.env,
            r.service,
            r.requester,
            r.summary,
            r.required,
            r.channel,
            r.thread_ts,
            r.message_ts,
            r.at,
            r.expires_at,
          ],
        );
      });
    },

    async approvalQuestion(id) {
      const { rows } = await db.query<QuestionRow>('SELECT * FROM approval_questions WHERE id = $1', [
        v.text('id', id),
      ]);
      return rows[0] && toQuestion(rows[0]);
    },

    async answerApprovalQuestion(id, answer) {
      const a = questionAnswer(answer);
      const key = v.text('id', id);
      return db.tx(async (q) => {
        // The question's row is locked first: presses on several replicas answer it one at a time.
        const row = (await q<QuestionRow>('SELECT * FROM approval_questions WHERE id = $1 FOR UPDATE', [key]))
          .rows[0];
        const refusal = answerRefusal(row, a);
        if (refusal) return refusal;
        const question = toQuestion(row!);
        if (a.kind === 'approved') {
          await q('SELECT pg_advisory_xact_lock(hashtext($1))', [question.planHash]);
          const usable = (await q<ApprovalRow>(USABLE, [question.planHash, a.at])).rows;
          if (usable.some((u) => u.approver === a.by)) {
            return { ok: false, reason: 'already-approved', question };
          }
          const r = approvalRowOf(question, a);
          await q(INSERT_APPROVAL, [
            r.plan_hash,
            r.tool,
            r.env,
            r.service,
            r.requester,
            r.approver,
            r.at,
            r.expires_at,
          ]);
        }
        await q(
          'UPDATE approval_questions SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4',
          [a.kind, a.by, a.at, key],
        );
        return { ok: true, question: { ...question, answer: { kind: a.kind, by: a.by, at: a.at } } };
      });
    },

    async putFreeze(f) {
      const { rows } = await db.query<FreezeRow>(
        `INSERT INTO freezes (env, reason, actor, at, until) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${FREEZE_COLUMNS}`,
        [
          v.text('env', f.env),
          v.text('reason', f.reason),
          v.text('actor', f.actor),
          v.time('at', f.at),
          f.until === undefined ? null : v.time('until', f.until),
        ],
      );
      return toFreeze(rows[0]!);
    },

    async liftFreezes(env, actor, now) {
      const at = v.time('now', now);
      const { rowCount } = await db.query(
        `UPDATE freezes SET lifted_at = $1, lifted_by = $2
          WHERE env = $3 AND lifted_at IS NULL AND (until IS NULL OR until > $1)`,
        [at, v.text('actor', actor), v.text('env', env)],
      );
      return rowCount ?? 0;
    },

    async activeFreezes(env, now) {
      const { rows } = await db.query<FreezeRow>(
        `SELECT ${FREEZE_COLUMNS} FROM freezes
          WHERE env = $1 AND lifted_at IS NULL AND (until IS NULL OR until > $2)
          ORDER BY at DESC, id DESC`,
        [v.text('env', env), v.time('now', now)],
      );
      return rows.map(toFreeze);
    },
  };
}
