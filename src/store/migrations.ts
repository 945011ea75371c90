import type { Database } from 'better-sqlite3';
import { checkOrder, pendingSteps, type AppliedStep, type MigrationStep } from './migration-check.js';

/**
 * The SQLite schema, as an ordered list of steps. A step, once released, is never edited: a change is a
 * new step at the end. Each applied step is recorded in `schema_migrations` so that opening is idempotent
 * and a database written by a newer Jarvis is recognised and refused.
 *
 * Every step has a PostgreSQL twin of the same version and name in postgres-migrations.ts: a new step
 * here gets one there (test/store/migrations-postgres.test.ts fails until it does).
 */
export type Migration = MigrationStep;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deployments and rollout journal',
    sql: `
      CREATE TABLE deployments (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        env              TEXT    NOT NULL,
        service          TEXT    NOT NULL,
        version          TEXT    NOT NULL,
        colour           TEXT    NOT NULL CHECK (colour IN ('blue', 'green')),
        previous_version TEXT,
        previous_colour  TEXT CHECK (previous_colour IN ('blue', 'green')),
        strategy         TEXT    NOT NULL,
        actor            TEXT    NOT NULL,
        started_at       INTEGER NOT NULL,
        ended_at         INTEGER,
        duration_ms      INTEGER,
        status           TEXT    NOT NULL
                         CHECK (status IN ('RUNNING', 'SUCCESS', 'FAILED', 'ROLLED_BACK', 'ABORTED')),
        reason           TEXT,
        CHECK ((status = 'RUNNING') = (ended_at IS NULL))
      );
      -- One rollout per env and service, enforced by the database as well as by the locks.
      CREATE UNIQUE INDEX deployments_one_running ON deployments (env, service) WHERE status = 'RUNNING';
      CREATE INDEX deployments_by_env ON deployments (env, started_at);
      CREATE INDEX deployments_by_service_status ON deployments (env, service, status, started_at);

      CREATE TABLE rollout_journal (
        deployment_id INTEGER NOT NULL REFERENCES deployments (id),
        seq           INTEGER NOT NULL,
        state         TEXT    NOT NULL,
        data          TEXT    NOT NULL,
        at            INTEGER NOT NULL,
        PRIMARY KEY (deployment_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'rollout locks',
    sql: `
      CREATE TABLE locks (
        key         TEXT    PRIMARY KEY,
        holder      TEXT    NOT NULL,
        acquired_at INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'append-only audit log',
    sql: `
      CREATE TABLE audit_log (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            INTEGER NOT NULL,
        actor         TEXT    NOT NULL,
        channel       TEXT    NOT NULL,
        tool          TEXT    NOT NULL,
        input_summary TEXT    NOT NULL,
        decision      TEXT    NOT NULL,
        outcome       TEXT    NOT NULL,
        detail        TEXT
      );
      CREATE INDEX audit_by_time ON audit_log (at);
      CREATE INDEX audit_by_actor ON audit_log (actor, at);
      -- The application never updates or deletes audit rows; these make sure nothing else does either.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted'); END;
    `,
  },
  {
    version: 4,
    name: 'mfa state',
    sql: `
      CREATE TABLE mfa_users (
        username         TEXT    PRIMARY KEY,
        encrypted_secret TEXT    NOT NULL,
        enrolled_at      INTEGER NOT NULL,
        last_time_step   INTEGER,
        last_success_at  INTEGER
      );
      CREATE TABLE mfa_failures (
        username TEXT    NOT NULL,
        at       INTEGER NOT NULL
      );
      CREATE INDEX mfa_failures_by_user ON mfa_failures (username, at);
      CREATE TABLE mfa_verifications (
        username    TEXT    NOT NULL,
        env         TEXT    NOT NULL,
        verified_at INTEGER NOT NULL,
        PRIMARY KEY (username, env)
      );
    `,
  },
  {
    version: 5,
    name: 'webhook deliveries',
    sql: `
      -- Ids of webhook deliveries already acted on, so that a retry or a replay is acted on once.
      CREATE TABLE webhook_deliveries (
        source      TEXT    NOT NULL,
        id          TEXT    NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (source, id)
      );
      CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at);
    `,
  },
  {
    version: 6,
    name: 'release state, fencing tokens and rollout commands',
    sql: `
      -- What Jarvis knows for sure per environment and service: live and standby, with verdicts.
      CREATE TABLE release_state (
        env             TEXT    NOT NULL,
        service         TEXT    NOT NULL,
        live_colour     TEXT    NOT NULL CHECK (live_colour IN ('blue', 'green')),
        live_version    TEXT,
        live_verdict    TEXT    NOT NULL CHECK (live_verdict IN ('known_good', 'failed', 'unknown')),
        live_at         INTEGER,
        live_reason     TEXT,
        standby_version TEXT,
        standby_verdict TEXT    NOT NULL CHECK (standby_verdict IN ('known_good', 'failed', 'unknown')),
        standby_at      INTEGER,
        standby_reason  TEXT,
        weight_blue     INTEGER,
        weight_green    INTEGER,
        deployment_id   INTEGER REFERENCES deployments (id),
        updated_at      INTEGER NOT NULL,
        PRIMARY KEY (env, service),
        CHECK ((weight_blue IS NULL) = (weight_green IS NULL))
      );
      -- The last verdict on each version: the rollback target is the newest known_good one.
      CREATE TABLE version_verdicts (
        env           TEXT    NOT NULL,
        service       TEXT    NOT NULL,
        version       TEXT    NOT NULL,
        verdict       TEXT    NOT NULL CHECK (verdict IN ('known_good', 'failed')),
        at            INTEGER NOT NULL,
        deployment_id INTEGER REFERENCES deployments (id),
        reason        TEXT,
        PRIMARY KEY (env, service, version)
      );
      -- Fencing: every lock grant takes the next token, and journal entries carry the writer's.
      CREATE TABLE lock_tokens (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
      INSERT INTO lock_tokens (id, last) VALUES (1, 0);
      ALTER TABLE locks ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollout_journal ADD COLUMN token INTEGER;
      -- Requests to a running rollout (abort, pause, resume), taken by the process that runs it.
      CREATE TABLE rollout_commands (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        deployment_id INTEGER NOT NULL REFERENCES deployments (id),
        command       TEXT    NOT NULL CHECK (command IN ('abort', 'pause', 'resume')),
        actor         TEXT    NOT NULL,
        reason        TEXT,
        at            INTEGER NOT NULL
      );
      CREATE INDEX rollout_commands_by_deployment ON rollout_commands (deployment_id, id);
    `,
  },
  {
    version: 7,
    name: 'replay memory',
    sql: `
      -- Requests and events acted on once: Slack signatures and event ids, PagerDuty webhook and event
      -- ids, each until its validity window is over.
      CREATE TABLE replay_claims (
        scope      TEXT    NOT NULL,
        key        TEXT    NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      );
      CREATE INDEX replay_claims_by_expiry ON replay_claims (expires_at);
    `,
  },
  {
    version: 8,
    name: 'mfa failures by source and lockouts',
    sql: `
      -- Where a failed code was typed (a Slack team and channel, a terminal host): lockouts by source.
      ALTER TABLE mfa_failures ADD COLUMN source TEXT;
      CREATE INDEX mfa_failures_by_source ON mfa_failures (source, at);
      -- Every lockout, kept: each one lasts longer than the one before within a day.
      CREATE TABLE mfa_lockouts (
        kind       TEXT    NOT NULL CHECK (kind IN ('user', 'source')),
        subject    TEXT    NOT NULL,
        started_at INTEGER NOT NULL,
        until      INTEGER NOT NULL,
        failures   INTEGER NOT NULL
      );
      CREATE INDEX mfa_lockouts_by_subject ON mfa_lockouts (kind, subject, started_at);
    `,
  },
  {
    version: 9,
    name: 'audit hash chain',
    sql: `
      -- Each row carries the hash of the row before it and its own (see audit-chain.ts): a row changed
      -- or removed in the file breaks the chain. Rows written before this step stay without hashes.
      ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
      ALTER TABLE audit_log ADD COLUMN hash TEXT;
    `,
  },
  {
    version: 10,
    name: 'approvals and freezes',
    sql: `
      -- One row per person approving one plan (the hash of tool, target, version, steps and requester);
      -- usable until expires_at, once: used_at is set when the approved write runs.
      CREATE TABLE approvals (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        plan_hash  TEXT    NOT NULL,
        tool       TEXT    NOT NULL,
        env        TEXT    NOT NULL,
        service    TEXT    NOT NULL,
        requester  TEXT    NOT NULL,
        approver   TEXT    NOT NULL,
        at         INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER
      );
      CREATE INDEX approvals_by_plan ON approvals (plan_hash, expires_at);
      -- Freezes set by admins (freeze_environment); lifted_at is set by unfreeze_environment.
      CREATE TABLE freezes (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        env       TEXT    NOT NULL,
        reason    TEXT    NOT NULL,
        actor     TEXT    NOT NULL,
        at        INTEGER NOT NULL,
        until     INTEGER,
        lifted_at INTEGER,
        lifted_by TEXT
      );
      CREATE INDEX freezes_by_env ON freezes (env, lifted_at);
    `,
  },
  {
    version: 11,
    name: 'figures of verified releases',
    sql: `
      -- What a known-good release measured while it was verified (JSON: requests, errors, error rate, p99):
      -- the baseline a diagnosis holds the only live colour against.
      ALTER TABLE version_verdicts ADD COLUMN figures TEXT;
    `,
  },
  {
    version: 12,
    name: 'approval questions',
    sql: `
      -- The approval questions posted in Slack, so that a press of their buttons received by any replica
      -- answers them; answer is set once (approved, rejected, or withdrawn by the replica that asked).
      CREATE TABLE approval_questions (
        id          TEXT    PRIMARY KEY,
        plan_hash   TEXT    NOT NULL,
        tool        TEXT    NOT NULL,
        env         TEXT    NOT NULL,
        service     TEXT    NOT NULL,
        requester   TEXT    NOT NULL,
        summary     TEXT    NOT NULL,
        required    INTEGER NOT NULL,
        channel     TEXT    NOT NULL,
        thread_ts   TEXT,
        message_ts  TEXT    NOT NULL,
        at          INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        answer      TEXT CHECK (answer IN ('approved', 'rejected', 'withdrawn')),
        answered_by TEXT,
        answered_at INTEGER,
        CHECK ((answer IS NULL) = (answered_at IS NULL))
      );
      CREATE INDEX approval_questions_by_expiry ON approval_questions (expires_at);
    `,
  },
  {
    version: 13,
    name: 'progress messages of rollouts',
    sql: `
      -- Where each rollout's progress message is in Slack, so that a replica adopting the rollout of one
      -- that died can edit it to the end.
      CREATE TABLE progress_messages (
        deployment_id INTEGER PRIMARY KEY REFERENCES deployments (id),
        channel       TEXT    NOT NULL,
        ts            TEXT    NOT NULL,
        thread_ts     TEXT,
        title         TEXT,
        at            INTEGER NOT NULL
      );
    `,
  },
];

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database at `db` up to {@link SCHEMA_VERSION} in one transaction, taken IMMEDIATE so that two
 * processes opening the same file at once do not both apply a step. Returns the versions applied (empty
 * when it was up to date). Throws CONFLICT when the database has a newer schema than this code knows, or
 * a step recorded under another name (a schema from a diverged build); nothing is changed then.
 */
export function migrate(db: Database, where: string, now: number): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = db.prepare<[], AppliedStep>('SELECT version, name FROM schema_migrations ORDER BY version');
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  return db
    .transaction(() => {
      const done: number[] = [];
      for (const step of pendingSteps(applied.all(), MIGRATIONS, where)) {
        db.exec(step.sql);
        record.run(step.version, step.name, now);
        done.push(step.version);
      }
      return done;
    })
    .immediate();
}

// A list out of order would apply steps in the wrong order on some databases: fail at import instead.
checkOrder('MIGRATIONS', MIGRATIONS);
