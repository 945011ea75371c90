import { isJarvisError } from '../errors.js';
import type { PgDb } from './postgres-db.js';
import {
  toDeployment,
  toJournalEntry,
  toLock,
  type DeploymentRow,
  type JournalRow,
  type LockRow,
} from './sqlite-rows.js';
import { fenced, journalClosed, journalOutOfOrder, noSuchDeployment } from './refusals.js';
import type { AcquireResult, JournalStore, LeaseStore, Lock, UnfinishedRollout } from './store.js';
import * as v from './validate.js';

/**
 * The journal entry, written in one statement only while the deployment is RUNNING, `seq` moves forward
 * and (with a token) the service's lock still carries the writer's token. The deployment and lock rows
 * are share-locked by the same statement, so a takeover (an UPDATE of the lock) or a finish waits for it
 * and then sees it, and an entry racing a takeover is either recorded before it or refused after it.
 */
const APPEND_JOURNAL = `
  WITH d AS (
    SELECT id, env, service FROM deployments WHERE id = $1 AND status = 'RUNNING' FOR SHARE
  ), fence AS (
    SELECT lk.token FROM locks lk JOIN d ON lk.key = d.env || '/' || d.service FOR SHARE OF lk
  )
  INSERT INTO rollout_journal (deployment_id, seq, state, data, at, token)
  SELECT $1::bigint, $2::bigint, $3::text, $4::text, $5::bigint, $6::bigint
   WHERE EXISTS (SELECT 1 FROM d)
     AND $2::bigint > COALESCE((SELECT MAX(seq) FROM rollout_journal WHERE deployment_id = $1), -1)
     AND ($6::bigint IS NULL OR EXISTS (SELECT 1 FROM fence WHERE token = $6::bigint))`;

const LOCK_OF_DEPLOYMENT = `SELECT lk.token FROM locks lk JOIN deployments d ON lk.key = d.env || '/' || d.service
  WHERE d.id = $1`;

/** The rollout journal on PostgreSQL. */
export function pgJournal(db: PgDb): JournalStore {
  const lastEntry = async (id: number) =>
    (
      await db.query<JournalRow>(
        'SELECT * FROM rollout_journal WHERE deployment_id = $1 ORDER BY seq DESC LIMIT 1',
        [id],
      )
    ).rows[0];
  return {
    async appendJournal(entry) {
      const p = v.journalEntry(entry);
      const params = [p.deploymentId, p.seq, p.state, p.data, p.at, p.token];
      const written = await db.query(APPEND_JOURNAL, params).then(
        (r) => r.rowCount === 1,
        (err: unknown) => {
          if (isJarvisError(err, 'CONFLICT')) return false; // a racing writer of the same seq
          throw err;
        },
      );
      if (written) return;
      const row = (await db.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [p.deploymentId]))
        .rows[0];
      if (!row) throw noSuchDeployment(p.deploymentId);
      const deployment = toDeployment(row);
      if (deployment.status !== 'RUNNING') throw journalClosed(deployment, p.state);
      if (p.token !== null) {
        const lock = (await db.query<{ token: number }>(LOCK_OF_DEPLOYMENT, [p.deploymentId])).rows[0];
        if (lock?.token !== p.token) throw fenced(deployment, p.token, p.state);
      }
      throw journalOutOfOrder(p.deploymentId, p.seq, (await lastEntry(p.deploymentId))?.seq);
    },

    async journal(deploymentId) {
      const { rows } = await db.query<JournalRow>(
        'SELECT * FROM rollout_journal WHERE deployment_id = $1 ORDER BY seq',
        [v.nonNegativeInt('deploymentId', deploymentId)],
      );
      return rows.map(toJournalEntry);
    },

    async unfinishedRollouts() {
      // One statement: each deployment paired with its last entry as they stood at the same moment.
      const { rows } = await db.query<DeploymentRow & { j_seq: number | null } & Record<string, unknown>>(
        `SELECT d.*, j.seq AS j_seq, j.state AS j_state, j.data AS j_data, j.at AS j_at
           FROM deployments d
           LEFT JOIN LATERAL (SELECT * FROM rollout_journal WHERE deployment_id = d.id ORDER BY seq DESC LIMIT 1) j
             ON true
          WHERE d.status = 'RUNNING' ORDER BY d.started_at, d.id`,
      );
      return rows.map((row) => {
        const found: UnfinishedRollout = { deployment: toDeployment(row) };
        if (row.j_seq !== null) {
          found.last = toJournalEntry({
            deployment_id: row.id,
            seq: row.j_seq,
            state: row.j_state as string,
            data: row.j_data as string,
            at: row.j_at as number,
          });
        }
        return found;
      });
    },
  };
}

/** Rollout leases on PostgreSQL: grants take the next value of the `lock_tokens` sequence. */
export function pgLeases(db: PgDb): LeaseStore {
  return {
    async acquireLock(key, holder, leaseMs, now) {
      const k = v.lockKeyOf(key);
      const who = v.text('holder', holder);
      const at = v.time('now', now);
      const expiresAt = at + v.positiveDuration('leaseMs', leaseMs);
      return db.tx(async (q): Promise<AcquireResult> => {
        // The row lock makes replicas contending for one key take turns; the loser reads the winner.
        const before = (await q<LockRow>('SELECT * FROM locks WHERE key = $1 FOR UPDATE', [k])).rows[0];
        if (before && before.expires_at > at) {
          return { acquired: false, holder: before.holder, expiresAt: before.expires_at };
        }
        const granted = before
          ? await q<{ token: number }>(
              `UPDATE locks SET holder = $2, acquired_at = $3, expires_at = $4, token = nextval('lock_tokens')
                WHERE key = $1 RETURNING token`,
              [k, who, at, expiresAt],
            )
          : await q<{ token: number }>(
              `INSERT INTO locks (key, holder, acquired_at, expires_at, token)
               VALUES ($1, $2, $3, $4, nextval('lock_tokens')) ON CONFLICT (key) DO NOTHING RETURNING token`,
              [k, who, at, expiresAt],
            );
        const token = granted.rows[0]?.token;
        if (token === undefined) {
          // Another replica inserted the key first; it has committed by now (the insert waited for it).
          const winner = (await q<LockRow>('SELECT * FROM locks WHERE key = $1', [k])).rows[0]!;
          return { acquired: false, holder: winner.holder, expiresAt: winner.expires_at };
        }
        const lock: Lock = { key: k, holder: who, acquiredAt: at, expiresAt, token };
        return before ? { acquired: true, lock, takenOverFrom: before.holder } : { acquired: true, lock };
      });
    },

    async takeOverLock(key, from, holder, leaseMs, now) {
      const at = v.time('now', now);
      const p = [
        v.lockKeyOf(key),
        v.text('from', from),
        v.text('holder', holder),
        at,
        at + v.positiveDuration('leaseMs', leaseMs),
      ];
      // One statement: of replicas taking the same lock over, the first wins and the others, re-reading
      // the row after it, no longer find `from` there.
      const { rows } = await db.query<LockRow>(
        `UPDATE locks SET holder = $3, acquired_at = $4, expires_at = $5, token = nextval('lock_tokens')
          WHERE key = $1 AND holder = $2 RETURNING *`,
        p,
      );
      return rows[0] && toLock(rows[0]);
    },

    async renewLock(key, holder, leaseMs, now) {
      const at = v.time('now', now);
      const { rowCount } = await db.query(
        'UPDATE locks SET expires_at = $3 WHERE key = $1 AND holder = $2 AND expires_at > $4',
        [v.lockKeyOf(key), v.text('holder', holder), at + v.positiveDuration('leaseMs', leaseMs), at],
      );
      return rowCount === 1;
    },

    async releaseLock(key, holder) {
      const { rowCount } = await db.query('DELETE FROM locks WHERE key = $1 AND holder = $2', [
        v.lockKeyOf(key),
        v.text('holder', holder),
      ]);
      return rowCount === 1;
    },

    async getLock(key) {
      const { rows } = await db.query<LockRow>('SELECT * FROM locks WHERE key = $1', [v.lockKeyOf(key)]);
      return rows[0] && toLock(rows[0]);
    },

    async expireStaleLocks(now) {
      const { rows } = await db.query<LockRow>('DELETE FROM locks WHERE expires_at <= $1 RETURNING *', [
        v.time('now', now),
      ]);
      return rows.map(toLock);
    },
  };
}
