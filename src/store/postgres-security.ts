import { auditHash } from './audit-chain.js';
import { Rollback, type PgDb } from './postgres-db.js';
import { notEnrolled } from './refusals.js';
import { toAuditEntry, toChainedAuditEntry, toMfaState, type AuditRow, type MfaRow } from './sqlite-rows.js';
import type { LockoutRow } from './sqlite-statements.js';
import { DELIVERY_RETENTION_MS, type AuditStore, type MfaStore, type ReplayMemoryStore } from './store.js';
import * as v from './validate.js';

/** The audit log and its hash chain on PostgreSQL, one chain whichever replica appends. */
export function pgAudit(db: PgDb): AuditStore {
  return {
    async appendAudit(entry) {
      const p = v.auditEntry(entry);
      return db.tx(async (q) => {
        // The head row is locked for the rest of the transaction: appends from every replica take turns,
        // each linking to the one before, so the chain cannot fork.
        const head = (
          await q<{ last_id: number; hash: string | null }>(
            'SELECT last_id, hash FROM audit_head WHERE id = 1 FOR UPDATE',
          )
        ).rows[0]!;
        const id = head.last_id + 1;
        const draft = toAuditEntry({ ...p, id, input_summary: p.inputSummary, detail: p.detail });
        const hash = auditHash(draft, head.hash);
        const { rows } = await q<AuditRow>(
          `INSERT INTO audit_log (id, at, actor, channel, tool, input_summary, decision, outcome, detail,
                  prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
          [
            id,
            p.at,
            p.actor,
            p.channel,
            p.tool,
            p.inputSummary,
            p.decision,
            p.outcome,
            p.detail,
            head.hash,
            hash,
          ],
        );
        await q('UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1', [id, hash]);
        return toAuditEntry(rows[0]!);
      });
    },

    async auditChain(afterId, limit) {
      const { rows } = await db.query<AuditRow>(
        'SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2',
        [v.nonNegativeInt('afterId', afterId), v.limit(limit)],
      );
      return rows.map(toChainedAuditEntry);
    },

    async listAudit(query) {
      const p = v.auditQuery(query);
      const { rows } = await db.query<AuditRow>(
        `SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR at >= $1) AND ($2::text IS NULL OR actor = $2)
          ORDER BY at DESC, id DESC LIMIT $3`,
        [p.since, p.actor, p.limit],
      );
      return rows.map(toAuditEntry);
    },
  };
}

/** MFA state, failures and lockouts on PostgreSQL, shared by every replica. */
export function pgMfa(db: PgDb): MfaStore {
  const count = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
  const getMfa = async (user: string) =>
    (await db.query<MfaRow>('SELECT * FROM mfa_users WHERE username = $1', [user])).rows[0];
  return {
    async getMfa(user) {
      const row = await getMfa(v.text('user', user));
      return row && toMfaState(row);
    },

    async putMfaSecret(user, encryptedSecret, now) {
      await db.query(
        `INSERT INTO mfa_users (username, encrypted_secret, enrolled_at) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO UPDATE SET encrypted_secret = excluded.encrypted_secret,
                enrolled_at = excluded.enrolled_at`,
        [v.text('user', user), v.text('encryptedSecret', encryptedSecret), v.time('now', now)],
      );
    },

    async recordMfaSuccess(user, timeStep, now) {
      const who = v.text('user', user);
      // Compare-and-set on the time step: of two replicas accepting one code, exactly one succeeds.
      const { rowCount } = await db.query(
        `UPDATE mfa_users SET last_time_step = $2, last_success_at = $3
          WHERE username = $1 AND (last_time_step IS NULL OR last_time_step < $2)`,
        [who, v.nonNegativeInt('timeStep', timeStep), v.time('now', now)],
      );
      if (rowCount === 1) return true;
      if (!(await getMfa(who))) throw notEnrolled(who);
      return false;
    },

    async recordMfaFailure(user, now) {
      await db.query('INSERT INTO mfa_failures (username, at) VALUES ($1, $2)', [
        v.text('user', user),
        v.time('now', now),
      ]);
    },

    recentMfaFailures(user, since) {
      return count('SELECT COUNT(*) AS n FROM mfa_failures WHERE username = $1 AND at >= $2', [
        v.text('user', user),
        v.time('since', since),
      ]);
    },

    async lastMfaVerification(user, env) {
      const { rows } = await db.query<{ verified_at: number }>(
        'SELECT verified_at FROM mfa_verifications WHERE username = $1 AND env = $2',
        [v.text('user', user), v.text('env', env)],
      );
      return rows[0]?.verified_at;
    },

    async recordMfaVerification(user, env, now) {
      await db.query(
        `INSERT INTO mfa_verifications (username, env, verified_at) VALUES ($1, $2, $3)
         ON CONFLICT (username, env) DO UPDATE SET verified_at = excluded.verified_at`,
        [v.text('user', user), v.text('env', env), v.time('now', now)],
      );
    },

    async recordMfaFailureFrom(user, source, now) {
      await db.query('INSERT INTO mfa_failures (username, source, at) VALUES ($1, $2, $3)', [
        v.text('user', user),
        v.optionalText('source', source),
        v.time('now', now),
      ]);
    },

    mfaFailuresOf(kind, subject, since) {
      const column = kind === 'user' ? 'username' : 'source';
      return count(`SELECT COUNT(*) AS n FROM mfa_failures WHERE ${column} = $1 AND at >= $2`, [
        v.text('subject', subject),
        v.time('since', since),
      ]);
    },

    async recordMfaLockout(lockout) {
      await db.query(
        'INSERT INTO mfa_lockouts (kind, subject, started_at, until, failures) VALUES ($1, $2, $3, $4, $5)',
        [
          lockout.kind === 'user' ? 'user' : 'source',
          v.text('subject', lockout.subject),
          v.time('startedAt', lockout.startedAt),
          v.time('until', lockout.until),
          v.nonNegativeInt('failures', lockout.failures),
        ],
      );
    },

    async mfaLockoutsOf(kind, subject, since) {
      const { rows } = await db.query<LockoutRow>(
        `SELECT kind, subject, started_at, until, failures FROM mfa_lockouts
          WHERE kind = $1 AND subject = $2 AND started_at >= $3 ORDER BY started_at DESC, id DESC`,
        [kind, v.text('subject', subject), v.time('since', since)],
      );
      return rows.map((r) => ({
        kind: r.kind,
        subject: r.subject,
        startedAt: r.started_at,
        until: r.until,
        failures: r.failures,
      }));
    },
  };
}

/** Webhook deliveries and Slack / PagerDuty replay memory on PostgreSQL: a claim holds on every replica. */
export function pgReplay(db: PgDb): ReplayMemoryStore {
  return {
    async claimDelivery(source, id, now) {
      const p = v.delivery(source, id, now);
      await db.query('DELETE FROM webhook_deliveries WHERE received_at < $1', [
        p.now - DELIVERY_RETENTION_MS,
      ]);
      const { rowCount } = await db.query(
        'INSERT INTO webhook_deliveries (source, id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [p.source, p.id, p.now],
      );
      return rowCount === 1;
    },

    async claimOnce(keys, expiresAt, now) {
      const p = v.replayClaim(keys, expiresAt, now);
      return db.tx(async (q) => {
        await q('DELETE FROM replay_claims WHERE expires_at <= $1', [p.now]);
        // A key another replica is claiming right now makes this insert wait for its outcome; keys are
        // taken in one order everywhere so that two claims cannot wait for each other.
        const sorted = [...p.keys].sort((a, b) => (`${a.scope}\n${a.key}` < `${b.scope}\n${b.key}` ? -1 : 1));
        for (const k of sorted) {
          const { rowCount } = await q(
            'INSERT INTO replay_claims (scope, key, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [k.scope, k.key, p.expiresAt],
          );
          if (rowCount !== 1) throw new Rollback(false);
        }
        return true;
      });
    },
  };
}
