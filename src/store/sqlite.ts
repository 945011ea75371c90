import type { Database } from 'better-sqlite3';
import { openDatabase, type SqliteStoreOptions } from './sqlite-open.js';
import {
  releaseRow,
  storeError,
  toAuditEntry,
  toChainedAuditEntry,
  toCommand,
  toDeployment,
  toJournalEntry,
  toLock,
  toMfaState,
  toReleaseState,
  toVersionVerdict,
  figuresColumn,
} from './sqlite-rows.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import {
  alreadyFinished,
  backwardsRange,
  fenced,
  journalClosed,
  journalOutOfOrder,
  noSuchDeployment,
  notEnrolled,
  rolloutRunning,
  storeClosed,
} from './refusals.js';
import {
  DELIVERY_RETENTION_MS,
  type AcquireResult,
  type AuditEntry,
  type AuditQuery,
  type Deployment,
  type DeploymentQuery,
  type EnvDeploymentCounts,
  type FinalStatus,
  type JournalEntry,
  type Lock,
  type MfaState,
  type NewAuditEntry,
  type NewDeployment,
  type Store,
  type UnfinishedRollout,
} from './store.js';
import type { ReleaseOutcome, ReleaseState, RolloutCommand, VersionVerdict } from './release.js';
import type { ReplayKey } from './replay.js';
import { auditHash, type ChainedAuditEntry } from './audit-chain.js';
import type { MfaLockout, MfaSubjectKind } from './mfa-limits.js';
import * as v from './validate.js';
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
import { SqlitePolicyRecords } from './sqlite-policy.js';
import { SqliteProgressMessages } from './sqlite-progress.js';
import type { ProgressMessageLocation } from './progress-messages.js';

export { DEFAULT_DB_FILE, type SqliteStoreOptions } from './sqlite-open.js';

/**
 * The embedded Store: one SQLite file shared by the processes of one host. Opening applies pending
 * migrations; it throws CONFLICT when the file's schema is newer than this code, UNAVAILABLE when the file
 * cannot be opened or WAL cannot be enabled on it.
 */
export class SqliteStore implements Store {
  /** The absolute path of the database file, or `:memory:`. */
  readonly file: string;
  private readonly db: Database;
  private readonly s: Statements;
  private readonly busyTimeoutMs: number;
  private readonly policy: SqlitePolicyRecords;
  private readonly progress: SqliteProgressMessages;

  /** `options` may be just the file: a path, or `:memory:`. */
  constructor(options: string | SqliteStoreOptions = {}) {
    const opened = openDatabase(typeof options === 'string' ? { file: options } : options);
    ({ db: this.db, file: this.file, busyTimeoutMs: this.busyTimeoutMs } = opened);
    try {
      this.s = prepareStatements(this.db);
      this.policy = new SqlitePolicyRecords(this.db);
      this.progress = new SqliteProgressMessages(this.db);
    } catch (err) {
      this.db.close();
      throw storeError(err, this.file, this.busyTimeoutMs);
    }
  }

  /** Runs `fn` against the open database, turning its failures into coded errors of a rejected Promise. */
  private call<T>(fn: (s: Statements) => T): Promise<T> {
    if (!this.db.open) {
      return Promise.reject(storeClosed(this.file));
    }
    try {
      return Promise.resolve(fn(this.s));
    } catch (err) {
      return Promise.reject(storeError(err, this.file, this.busyTimeoutMs));
    }
  }

  startDeployment(input: NewDeployment): Promise<Deployment> {
    return this.call((s) => {
      const p = v.newDeployment(input);
      return this.db
        .transaction(() => {
          const running = s.runningFor.get(p.env, p.service);
          if (running) throw rolloutRunning(toDeployment(running));
          return toDeployment(s.insertDeployment.get(p)!);
        })
        .immediate();
    });
  }

  finishDeployment(
    id: number,
    status: FinalStatus,
    reason: string | undefined,
    endedAt: number,
    outcome?: ReleaseOutcome,
  ): Promise<Deployment> {
    return this.call((s) => {
      const p = {
        id: v.nonNegativeInt('id', id),
        status: v.finalStatus(status),
        reason: v.optionalText('reason', reason),
        endedAt: v.time('endedAt', endedAt),
      };
      return this.db
        .transaction(() => {
          const row = s.finishDeployment.get(p);
          if (!row) {
            const existing = s.getDeployment.get(p.id);
            if (!existing) throw noSuchDeployment(p.id);
            throw alreadyFinished(toDeployment(existing), p.status);
          }
          const done = toDeployment(row);
          if (outcome) {
            s.putRelease.run(releaseRow(done.env, done.service, outcome.state, done.id, p.endedAt));
            for (const verdict of outcome.verdicts) {
              s.putVerdict.run({
                env: done.env,
                service: done.service,
                version: v.text('version', verdict.version),
                verdict: verdict.verdict,
                at: v.time('at', verdict.at),
                deployment_id: verdict.deploymentId ?? null,
                reason: v.optionalText('reason', verdict.reason),
                figures: figuresColumn(verdict.figures),
              });
            }
            if (outcome.rolledBack) {
              s.markRolledBack.run({
                id: v.nonNegativeInt('rolledBack.deploymentId', outcome.rolledBack.deploymentId),
                reason: v.text('rolledBack.reason', outcome.rolledBack.reason),
              });
            }
          }
          return done;
        })
        .immediate();
    });
  }

  getDeployment(id: number): Promise<Deployment | undefined> {
    return this.call((s) => {
      const row = s.getDeployment.get(v.nonNegativeInt('id', id));
      return row && toDeployment(row);
    });
  }

  listDeployments(query: DeploymentQuery): Promise<Deployment[]> {
    return this.call((s) => s.listDeployments.all(v.deploymentQuery(query)).map(toDeployment));
  }

  lastSuccessful(env: string, service: string, version?: string): Promise<Deployment | undefined> {
    return this.call((s) => {
      const row = s.lastSuccessful.get({
        env: v.text('env', env),
        service: v.text('service', service),
        version: v.optionalText('version', version),
      });
      return row && toDeployment(row);
    });
  }

  runningDeployments(): Promise<Deployment[]> {
    return this.call((s) => s.running.all().map(toDeployment));
  }

  appendJournal(entry: JournalEntry): Promise<void> {
    return this.call((s) => {
      const p = v.journalEntry(entry);
      // One autocommit statement on the hot path; the checks below only explain a refusal.
      if (s.appendJournal.run(p).changes === 1) return;
      const deployment = s.getDeployment.get(p.deploymentId);
      if (!deployment) throw noSuchDeployment(p.deploymentId);
      if (deployment.status !== 'RUNNING') throw journalClosed(toDeployment(deployment), p.state);
      if (p.token !== null && s.fenceHolds.get(p.deploymentId, p.token) === 0) {
        throw fenced(toDeployment(deployment), p.token, p.state);
      }
      throw journalOutOfOrder(p.deploymentId, p.seq, s.lastJournal.get(p.deploymentId)?.seq);
    });
  }

  journal(deploymentId: number): Promise<JournalEntry[]> {
    return this.call((s) =>
      s.journal.all(v.nonNegativeInt('deploymentId', deploymentId)).map(toJournalEntry),
    );
  }

  unfinishedRollouts(): Promise<UnfinishedRollout[]> {
    // One read transaction, so each deployment is paired with the journal as it stood at the same moment.
    return this.call((s) =>
      this.db.transaction(() =>
        s.running.all().map((row) => {
          const last = s.lastJournal.get(row.id);
          const found: UnfinishedRollout = { deployment: toDeployment(row) };
          if (last) found.last = toJournalEntry(last);
          return found;
        }),
      )(),
    );
  }

  acquireLock(key: string, holder: string, leaseMs: number, now: number): Promise<AcquireResult> {
    return this.call((s) => {
      const k = v.lockKeyOf(key);
      const who = v.text('holder', holder);
      const at = v.time('now', now);
      const expiresAt = at + v.positiveDuration('leaseMs', leaseMs);
      // IMMEDIATE: the write lock is taken first, so the holder read back is the one that beat us.
      return this.db
        .transaction((): AcquireResult => {
          const before = s.getLock.get(k);
          if (before && before.expires_at > at) {
            return { acquired: false, holder: before.holder, expiresAt: before.expires_at };
          }
          const token = s.nextToken.get()!;
          s.takeLock.run({ key: k, holder: who, acquired_at: at, expires_at: expiresAt, token });
          const lock: Lock = { key: k, holder: who, acquiredAt: at, expiresAt, token };
          return before ? { acquired: true, lock, takenOverFrom: before.holder } : { acquired: true, lock };
        })
        .immediate();
    });
  }

  takeOverLock(
    key: string,
    from: string,
    holder: string,
    leaseMs: number,
    now: number,
  ): Promise<Lock | undefined> {
    return this.call((s) => {
      const p = {
        key: v.lockKeyOf(key),
        from: v.text('from', from),
        holder: v.text('holder', holder),
        acquired_at: v.time('now', now),
      };
      const expiresAt = p.acquired_at + v.positiveDuration('leaseMs', leaseMs);
      return this.db
        .transaction(() => {
          if (s.getLock.get(p.key)?.holder !== p.from) return undefined;
          const token = s.nextToken.get()!;
          const row = s.takeOverLock.get({ ...p, expires_at: expiresAt, token });
          return row && toLock(row);
        })
        .immediate();
    });
  }

  renewLock(key: string, holder: string, leaseMs: number, now: number): Promise<boolean> {
    return this.call((s) => {
      const at = v.time('now', now);
      const p = { key: v.lockKeyOf(key), holder: v.text('holder', holder), now: at };
      return s.renewLock.run({ ...p, expiresAt: at + v.positiveDuration('leaseMs', leaseMs) }).changes === 1;
    });
  }

  releaseLock(key: string, holder: string): Promise<boolean> {
    return this.call((s) => s.releaseLock.run(v.lockKeyOf(key), v.text('holder', holder)).changes === 1);
  }

  getLock(key: string): Promise<Lock | undefined> {
    return this.call((s) => {
      const row = s.getLock.get(v.lockKeyOf(key));
      return row && toLock(row);
    });
  }

  expireStaleLocks(now: number): Promise<Lock[]> {
    return this.call((s) => s.expireLocks.all(v.time('now', now)).map(toLock));
  }

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.call((s) => {
      const p = v.auditEntry(entry);
      // IMMEDIATE: two processes appending at once must not both link to the same tail.
      return this.db
        .transaction(() => {
          const tail = s.lastAudit.get();
          const id = Math.max(s.auditSeq.get() ?? 0, tail?.id ?? 0) + 1;
          const prevHash = tail?.hash ?? null;
          const draft = toAuditEntry({ ...p, id, input_summary: p.inputSummary, detail: p.detail });
          const hash = auditHash(draft, prevHash);
          return toAuditEntry(s.appendAudit.get({ ...p, id, prevHash, hash })!);
        })
        .immediate();
    });
  }

  auditChain(afterId: number, limit: number): Promise<ChainedAuditEntry[]> {
    return this.call((s) =>
      s.auditChain.all(v.nonNegativeInt('afterId', afterId), v.limit(limit)).map(toChainedAuditEntry),
    );
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.call((s) => s.listAudit.all(v.auditQuery(query)).map(toAuditEntry));
  }

  getMfa(user: string): Promise<MfaState | undefined> {
    return this.call((s) => {
      const row = s.getMfa.get(v.text('user', user));
      return row && toMfaState(row);
    });
  }

  putMfaSecret(user: string, encryptedSecret: string, now: number): Promise<void> {
    return this.call((s) => {
      s.putMfaSecret.run(
        v.text('user', user),
        v.text('encryptedSecret', encryptedSecret),
        v.time('now', now),
      );
    });
  }

  recordMfaSuccess(user: string, timeStep: number, now: number): Promise<boolean> {
    return this.call((s) => {
      const p = {
        user: v.text('user', user),
        step: v.nonNegativeInt('timeStep', timeStep),
        now: v.time('now', now),
      };
      if (s.mfaSuccess.run(p).changes === 1) return true;
      if (!s.getMfa.get(p.user)) throw notEnrolled(p.user);
      return false;
    });
  }

  recordMfaFailure(user: string, now: number): Promise<void> {
    return this.call((s) => {
      s.mfaFailure.run(v.text('user', user), v.time('now', now));
    });
  }

  recentMfaFailures(user: string, since: number): Promise<number> {
    return this.call((s) => s.mfaFailures.get(v.text('user', user), v.time('since', since)) ?? 0);
  }

  lastMfaVerification(user: string, env: string): Promise<number | undefined> {
    return this.call((s) => s.lastVerification.get(v.text('user', user), v.text('env', env)));
  }

  recordMfaVerification(user: string, env: string, now: number): Promise<void> {
    return this.call((s) => {
      s.putVerification.run(v.text('user', user), v.text('env', env), v.time('now', now));
    });
  }

  claimDelivery(source: string, id: string, now: number): Promise<boolean> {
    return this.call((s) => {
      const p = v.delivery(source, id, now);
      return this.db
        .transaction(() => {
          s.forgetDeliveries.run(p.now - DELIVERY_RETENTION_MS);
          return s.claimDelivery.run(p.source, p.id, p.now).changes === 1;
        })
        .immediate();
    });
  }

  recordMfaFailureFrom(user: string, source: string | undefined, now: number): Promise<void> {
    return this.call((s) => {
      s.mfaFailureFrom.run(v.text('user', user), v.optionalText('source', source), v.time('now', now));
    });
  }

  mfaFailuresOf(kind: MfaSubjectKind, subject: string, since: number): Promise<number> {
    return this.call((s) => {
      const who = v.text('subject', subject);
      const from = v.time('since', since);
      return (kind === 'user' ? s.mfaFailures.get(who, from) : s.mfaSourceFailures.get(who, from)) ?? 0;
    });
  }

  recordMfaLockout(lockout: MfaLockout): Promise<void> {
    return this.call((s) => {
      s.putLockout.run({
        kind: lockout.kind === 'user' ? 'user' : 'source',
        subject: v.text('subject', lockout.subject),
        startedAt: v.time('startedAt', lockout.startedAt),
        until: v.time('until', lockout.until),
        failures: v.nonNegativeInt('failures', lockout.failures),
      });
    });
  }

  mfaLockoutsOf(kind: MfaSubjectKind, subject: string, since: number): Promise<MfaLockout[]> {
    return this.call((s) =>
      s.lockouts.all(kind, v.text('subject', subject), v.time('since', since)).map((r) => ({
        kind: r.kind,
        subject: r.subject,
        startedAt: r.started_at,
        until: r.until,
        failures: r.failures,
      })),
    );
  }

  claimOnce(keys: readonly ReplayKey[], expiresAt: number, now: number): Promise<boolean> {
    return this.call((s) => {
      const p = v.replayClaim(keys, expiresAt, now);
      return this.db
        .transaction(() => {
          s.forgetClaims.run(p.now);
          if (p.keys.some((k) => s.claimed.get(k.scope, k.key)! > 0)) return false;
          for (const k of p.keys) s.claim.run(k.scope, k.key, p.expiresAt);
          return true;
        })
        .immediate();
    });
  }

  deploymentCounts(since: number, until: number): Promise<EnvDeploymentCounts[]> {
    return this.call((s) => {
      const from = v.time('since', since);
      const to = v.time('until', until);
      if (to < from) throw backwardsRange(from, to);
      return s.counts.all(from, to).map((row) => ({ ...row }));
    });
  }

  getReleaseState(env: string, service: string): Promise<ReleaseState | undefined> {
    return this.call((s) => {
      const row = s.getRelease.get(v.text('env', env), v.text('service', service));
      return row && toReleaseState(row);
    });
  }

  listReleaseStates(): Promise<ReleaseState[]> {
    return this.call((s) => s.listReleases.all().map(toReleaseState));
  }

  versionVerdicts(env: string, service: string): Promise<VersionVerdict[]> {
    return this.call((s) =>
      s.verdicts.all(v.text('env', env), v.text('service', service)).map(toVersionVerdict),
    );
  }

  queueCommand(command: Omit<RolloutCommand, 'id'>): Promise<RolloutCommand> {
    return this.call((s) => {
      const p = {
        deployment_id: v.nonNegativeInt('deploymentId', command.deploymentId),
        command: v.command(command.command),
        actor: v.text('actor', command.actor),
        reason: v.optionalText('reason', command.reason),
        at: v.time('at', command.at),
      };
      const row = s.queueCommand.get(p);
      if (row) return toCommand(row);
      const deployment = s.getDeployment.get(p.deployment_id);
      if (!deployment) throw noSuchDeployment(p.deployment_id);
      throw journalClosed(toDeployment(deployment), p.command);
    });
  }

  takeCommands(deploymentId: number): Promise<RolloutCommand[]> {
    return this.call((s) =>
      s.takeCommands
        .all(v.nonNegativeInt('deploymentId', deploymentId))
        .map(toCommand)
        .sort((a, b) => a.id - b.id),
    );
  }

  recordApproval(approval: NewApproval): Promise<boolean> {
    return this.call(() => this.policy.recordApproval(approval));
  }

  approvalsFor(planHash: string, now: number): Promise<ApprovalRecord[]> {
    return this.call(() => this.policy.approvalsFor(planHash, now));
  }

  consumeApprovals(planHash: string, now: number): Promise<ApprovalRecord[]> {
    return this.call(() => this.policy.consumeApprovals(planHash, now));
  }

  openApprovalQuestion(question: NewApprovalQuestion): Promise<void> {
    return this.call(() => this.policy.openApprovalQuestion(question));
  }

  approvalQuestion(id: string): Promise<ApprovalQuestion | undefined> {
    return this.call(() => this.policy.approvalQuestion(id));
  }

  answerApprovalQuestion(id: string, answer: QuestionAnswer): Promise<AnswerResult> {
    return this.call(() => this.policy.answerApprovalQuestion(id, answer));
  }

  putFreeze(freeze: NewFreeze): Promise<StoredFreeze> {
    return this.call(() => this.policy.putFreeze(freeze));
  }

  liftFreezes(env: string, actor: string, now: number): Promise<number> {
    return this.call(() => this.policy.liftFreezes(env, actor, now));
  }

  activeFreezes(env: string, now: number): Promise<StoredFreeze[]> {
    return this.call(() => this.policy.activeFreezes(env, now));
  }

  putProgressMessage(deploymentId: number, location: ProgressMessageLocation, at: number): Promise<void> {
    return this.call(() => this.progress.put(deploymentId, location, at));
  }

  progressMessage(deploymentId: number): Promise<ProgressMessageLocation | undefined> {
    return this.call(() => this.progress.get(deploymentId));
  }

  close(): Promise<void> {
    // Closing checkpoints the WAL into the main file, so a cleanly stopped store leaves one file behind.
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
