import type { MfaLockout } from './mfa-limits.js';
import type { Database } from 'better-sqlite3';
import type {
  AuditRow,
  CommandRow,
  CountsRow,
  DeploymentRow,
  JournalRow,
  LockRow,
  MfaRow,
  ReleaseRow,
  VerdictRow,
} from './sqlite-rows.js';
import type { AuditParams, DeploymentParams, DeploymentQueryParams, JournalParams } from './validate.js';

/**
 * Every SQL statement of the SQLite store, prepared once when the store opens: preparing is the costly
 * part of a query, and the journal is written on the rollout's hot path.
 *
 * Optional filters are written `(@x IS NULL OR col = @x)` so that one prepared statement serves every
 * combination of filters.
 */
export function prepareStatements(db: Database) {
  return {
    runningFor: db.prepare<[string, string], DeploymentRow>(
      `SELECT * FROM deployments WHERE env = ? AND service = ? AND status = 'RUNNING'`,
    ),
    insertDeployment: db.prepare<DeploymentParams, DeploymentRow>(
      `INSERT INTO deployments
         (env, service, version, colour, previous_version, previous_colour, strategy, actor, started_at, status)
       VALUES
         (@env, @service, @version, @colour, @previousVersion, @previousColour, @strategy, @actor, @startedAt, 'RUNNING')
       RETURNING *`,
    ),
    finishDeployment: db.prepare<
      { id: number; status: string; reason: string | null; endedAt: number },
      DeploymentRow
    >(
      `UPDATE deployments
          SET status = @status, reason = @reason, ended_at = @endedAt, duration_ms = MAX(0, @endedAt - started_at)
        WHERE id = @id AND status = 'RUNNING'
       RETURNING *`,
    ),
    getDeployment: db.prepare<[number], DeploymentRow>('SELECT * FROM deployments WHERE id = ?'),
    markRolledBack: db.prepare<{ id: number; reason: string }>(
      `UPDATE deployments SET status = 'ROLLED_BACK', reason = @reason WHERE id = @id AND status = 'SUCCESS'`,
    ),
    getRelease: db.prepare<[string, string], ReleaseRow>(
      'SELECT * FROM release_state WHERE env = ? AND service = ?',
    ),
    listReleases: db.prepare<[], ReleaseRow>('SELECT * FROM release_state ORDER BY env, service'),
    putRelease: db.prepare<ReleaseRow>(
      `INSERT INTO release_state (env, service, live_colour, live_version, live_verdict, live_at, live_reason,
              standby_version, standby_verdict, standby_at, standby_reason, weight_blue, weight_green,
              deployment_id, updated_at)
       VALUES (@env, @service, @live_colour, @live_version, @live_verdict, @live_at, @live_reason,
              @standby_version, @standby_verdict, @standby_at, @standby_reason, @weight_blue, @weight_green,
              @deployment_id, @updated_at)
       ON CONFLICT (env, service) DO UPDATE SET
              live_colour = excluded.live_colour, live_version = excluded.live_version,
              live_verdict = excluded.live_verdict, live_at = excluded.live_at, live_reason = excluded.live_reason,
              standby_version = excluded.standby_version, standby_verdict = excluded.standby_verdict,
              standby_at = excluded.standby_at, standby_reason = excluded.standby_reason,
              weight_blue = excluded.weight_blue, weight_green = excluded.weight_green,
              deployment_id = excluded.deployment_id, updated_at = excluded.updated_at`,
    ),
    putVerdict: db.prepare<VerdictRow>(
      `INSERT INTO version_verdicts (env, service, version, verdict, at, deployment_id, reason, figures)
       VALUES (@env, @service, @version, @verdict, @at, @deployment_id, @reason, @figures)
       ON CONFLICT (env, service, version) DO UPDATE SET
              verdict = excluded.verdict, at = excluded.at, deployment_id = excluded.deployment_id,
              reason = excluded.reason, figures = excluded.figures`,
    ),
    verdicts: db.prepare<[string, string], VerdictRow>(
      'SELECT * FROM version_verdicts WHERE env = ? AND service = ? ORDER BY at DESC, version',
    ),
    queueCommand: db.prepare<Omit<CommandRow, 'id'>, CommandRow>(
      `INSERT INTO rollout_commands (deployment_id, command, actor, reason, at)
       SELECT @deployment_id, @command, @actor, @reason, @at
        WHERE EXISTS (SELECT 1 FROM deployments WHERE id = @deployment_id AND status = 'RUNNING')
       RETURNING *`,
    ),
    takeCommands: db.prepare<[number], CommandRow>(
      'DELETE FROM rollout_commands WHERE deployment_id = ? RETURNING *',
    ),
    listDeployments: db.prepare<DeploymentQueryParams, DeploymentRow>(
      `SELECT * FROM deployments
        WHERE (@env IS NULL OR env = @env)
          AND (@service IS NULL OR service = @service)
          AND (@since IS NULL OR started_at >= @since)
          AND (@until IS NULL OR started_at < @until)
        ORDER BY started_at DESC, id DESC
        LIMIT @limit`,
    ),
    lastSuccessful: db.prepare<{ env: string; service: string; version: string | null }, DeploymentRow>(
      `SELECT * FROM deployments
        WHERE env = @env AND service = @service AND status = 'SUCCESS'
          AND (@version IS NULL OR version = @version)
        ORDER BY started_at DESC, id DESC
        LIMIT 1`,
    ),
    running: db.prepare<[], DeploymentRow>(
      `SELECT * FROM deployments WHERE status = 'RUNNING' ORDER BY started_at, id`,
    ),

    // Inserts only when the deployment is RUNNING and seq moves forward, in one statement, so that a
    // process that lost its rollout to recovery cannot slip an entry in between a check and the write.
    // With a token, also only while the service's lock carries it (fencing): a writer whose lease was
    // taken over is refused in the same statement that would have recorded its intent.
    appendJournal: db.prepare<JournalParams>(
      `INSERT INTO rollout_journal (deployment_id, seq, state, data, at, token)
       SELECT @deploymentId, @seq, @state, @data, @at, @token
        WHERE EXISTS (SELECT 1 FROM deployments WHERE id = @deploymentId AND status = 'RUNNING')
          AND @seq > COALESCE((SELECT MAX(seq) FROM rollout_journal WHERE deployment_id = @deploymentId), -1)
          AND (@token IS NULL OR EXISTS (
                SELECT 1 FROM locks l JOIN deployments d ON l.key = d.env || '/' || d.service
                 WHERE d.id = @deploymentId AND l.token = @token))`,
    ),
    fenceHolds: db
      .prepare<[number, number], number>(
        `SELECT COUNT(*) FROM locks l JOIN deployments d ON l.key = d.env || '/' || d.service
          WHERE d.id = ? AND l.token = ?`,
      )
      .pluck(),
    journal: db.prepare<[number], JournalRow>(
      'SELECT * FROM rollout_journal WHERE deployment_id = ? ORDER BY seq',
    ),
    lastJournal: db.prepare<[number], JournalRow>(
      'SELECT * FROM rollout_journal WHERE deployment_id = ? ORDER BY seq DESC LIMIT 1',
    ),

    // Takes the key when it is free or its lease has ended, in one statement; a live lease is left alone.
    takeLock: db.prepare<LockRow>(
      `INSERT INTO locks (key, holder, acquired_at, expires_at, token)
       VALUES (@key, @holder, @acquired_at, @expires_at, @token)
       ON CONFLICT (key) DO UPDATE
          SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
              token = excluded.token
        WHERE locks.expires_at <= excluded.acquired_at`,
    ),
    nextToken: db
      .prepare<[], number>('UPDATE lock_tokens SET last = last + 1 WHERE id = 1 RETURNING last')
      .pluck(),
    takeOverLock: db.prepare<LockRow & { from: string }, LockRow>(
      `UPDATE locks SET holder = @holder, acquired_at = @acquired_at, expires_at = @expires_at, token = @token
        WHERE key = @key AND holder = @from
       RETURNING *`,
    ),
    getLock: db.prepare<[string], LockRow>('SELECT * FROM locks WHERE key = ?'),
    renewLock: db.prepare<{ key: string; holder: string; now: number; expiresAt: number }>(
      `UPDATE locks SET expires_at = @expiresAt WHERE key = @key AND holder = @holder AND expires_at > @now`,
    ),
    releaseLock: db.prepare<[string, string]>('DELETE FROM locks WHERE key = ? AND holder = ?'),
    expireLocks: db.prepare<[number], LockRow>('DELETE FROM locks WHERE expires_at <= ? RETURNING *'),

    appendAudit: db.prepare<AuditParams & { id: number; prevHash: string | null; hash: string }, AuditRow>(
      `INSERT INTO audit_log (id, at, actor, channel, tool, input_summary, decision, outcome, detail, prev_hash, hash)
       VALUES (@id, @at, @actor, @channel, @tool, @inputSummary, @decision, @outcome, @detail, @prevHash, @hash)
       RETURNING *`,
    ),
    // The chain's tail, and the next id AUTOINCREMENT would give (ids are never reused, even after a row
    // is removed from the file, so a removal shows as a gap).
    lastAudit: db.prepare<[], { id: number; hash: string | null }>(
      'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1',
    ),
    auditSeq: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck(),
    auditChain: db.prepare<[number, number], AuditRow>(
      'SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?',
    ),
    listAudit: db.prepare<{ since: number | null; actor: string | null; limit: number }, AuditRow>(
      `SELECT * FROM audit_log
        WHERE (@since IS NULL OR at >= @since) AND (@actor IS NULL OR actor = @actor)
        ORDER BY at DESC, id DESC
        LIMIT @limit`,
    ),

    getMfa: db.prepare<[string], MfaRow>('SELECT * FROM mfa_users WHERE username = ?'),
    putMfaSecret: db.prepare<[string, string, number]>(
      `INSERT INTO mfa_users (username, encrypted_secret, enrolled_at) VALUES (?, ?, ?)
       ON CONFLICT (username) DO UPDATE
          SET encrypted_secret = excluded.encrypted_secret, enrolled_at = excluded.enrolled_at`,
    ),
    // Compare-and-set on the time step: of two replicas accepting the same code, exactly one succeeds.
    mfaSuccess: db.prepare<{ user: string; step: number; now: number }>(
      `UPDATE mfa_users SET last_time_step = @step, last_success_at = @now
        WHERE username = @user AND (last_time_step IS NULL OR last_time_step < @step)`,
    ),
    mfaFailure: db.prepare<[string, number]>('INSERT INTO mfa_failures (username, at) VALUES (?, ?)'),
    mfaFailures: db
      .prepare<[string, number], number>('SELECT COUNT(*) FROM mfa_failures WHERE username = ? AND at >= ?')
      .pluck(),
    lastVerification: db
      .prepare<[string, string], number>(
        'SELECT verified_at FROM mfa_verifications WHERE username = ? AND env = ?',
      )
      .pluck(),
    putVerification: db.prepare<[string, string, number]>(
      `INSERT INTO mfa_verifications (username, env, verified_at) VALUES (?, ?, ?)
       ON CONFLICT (username, env) DO UPDATE SET verified_at = excluded.verified_at`,
    ),

    claimDelivery: db.prepare<[string, string, number]>(
      'INSERT INTO webhook_deliveries (source, id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    forgetDeliveries: db.prepare<[number]>('DELETE FROM webhook_deliveries WHERE received_at < ?'),

    mfaFailureFrom: db.prepare<[string, string | null, number]>(
      'INSERT INTO mfa_failures (username, source, at) VALUES (?, ?, ?)',
    ),
    mfaSourceFailures: db
      .prepare<[string, number], number>('SELECT COUNT(*) FROM mfa_failures WHERE source = ? AND at >= ?')
      .pluck(),
    putLockout: db.prepare<MfaLockout>(
      `INSERT INTO mfa_lockouts (kind, subject, started_at, until, failures)
       VALUES (@kind, @subject, @startedAt, @until, @failures)`,
    ),
    lockouts: db.prepare<[string, string, number], LockoutRow>(
      `SELECT * FROM mfa_lockouts WHERE kind = ? AND subject = ? AND started_at >= ?
        ORDER BY started_at DESC, rowid DESC`,
    ),
    forgetClaims: db.prepare<[number]>('DELETE FROM replay_claims WHERE expires_at <= ?'),
    claimed: db
      .prepare<[string, string], number>('SELECT COUNT(*) FROM replay_claims WHERE scope = ? AND key = ?')
      .pluck(),
    claim: db.prepare<[string, string, number]>(
      'INSERT INTO replay_claims (scope, key, expires_at) VALUES (?, ?, ?)',
    ),

    counts: db.prepare<[number, number], CountsRow>(
      `SELECT env,
              COUNT(*)                                        AS deployments,
              COALESCE(SUM(status = 'SUCCESS'), 0)            AS successes,
              COALESCE(SUM(status = 'FAILED'), 0)             AS failures,
              COALESCE(SUM(status = 'ROLLED_BACK'), 0)        AS rolledBack,
              COALESCE(SUM(status = 'ABORTED'), 0)            AS aborted,
              COALESCE(SUM(status = 'RUNNING'), 0)            AS running,
              COALESCE(SUM(strategy = 'rollback'), 0)         AS rollbacks
         FROM deployments
        WHERE started_at >= ? AND started_at < ?
        GROUP BY env
        ORDER BY env`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export interface LockoutRow {
  kind: 'user' | 'source';
  subject: string;
  started_at: number;
  until: number;
  failures: number;
}
