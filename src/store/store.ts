/**
 * The Store: everything Jarvis must remember across restarts and share between replicas. Deployments and
 * their rollout journal, rollout locks, the audit log and MFA state.
 *
 * The interface is deliberately narrow and free of any one database's features so that the embedded
 * SQLite implementation (one process) can be joined by a PostgreSQL one (several replicas). Every method
 * returns a Promise even where the embedded implementation is synchronous, so a networked store fits.
 * Times are milliseconds since the epoch from the caller's Clock: the store never reads the wall clock to
 * decide anything, so a scaled sandbox clock and tests behave like production. No record type has a field
 * for a TOTP code, and none may: codes are checked and forgotten by the policy layer. The store keeps only
 * the encrypted seed it is handed and the last accepted time step.
 */

import type { ReleaseOutcome, ReleaseStore } from './release.js';
import type { AuditChainStore } from './audit-chain.js';
import type { MfaLimitStore } from './mfa-limits.js';
import type { ReplayStore } from './replay.js';
import type { PolicyRecordStore } from './policy-records.js';
import type { ProgressMessageStore } from './progress-messages.js';

export type * from './release.js';
export type * from './replay.js';
export type * from './mfa-limits.js';
export type * from './policy-records.js';
export type * from './progress-messages.js';
export type { AuditChainStore, ChainedAuditEntry } from './audit-chain.js';

/** The two target groups of a service; the one at 100% before a release is the stable colour. */
export type Colour = 'blue' | 'green';

/** RUNNING until finished; the other four are final and a deployment reaches exactly one of them. */
export type DeploymentStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'ROLLED_BACK' | 'ABORTED';

/** The statuses {@link Store.finishDeployment} accepts. */
export type FinalStatus = Exclude<DeploymentStatus, 'RUNNING'>;

/** The final statuses, for validation and display. */
export const FINAL_STATUSES: readonly FinalStatus[] = ['SUCCESS', 'FAILED', 'ROLLED_BACK', 'ABORTED'];

/** How traffic moved: a stepped release, a rollback (to standby or a named version), or a promotion. */
export type DeploymentStrategy = 'blue-green' | 'rollback' | 'promote';

/** What a caller supplies to start a deployment. */
export interface NewDeployment {
  env: string;
  service: string;
  /** The version being released (the image tag). */
  version: string;
  /** The colour that receives `version`. */
  colour: Colour;
  /** The version serving before this deployment; undefined for a service's first deployment. */
  previousVersion?: string | undefined;
  /** The stable colour before this deployment; undefined for a service's first deployment. */
  previousColour?: Colour | undefined;
  strategy: DeploymentStrategy;
  /** Who asked: a person's id, or a system actor such as `recovery`. */
  actor: string;
  startedAt: number;
}

/** One deployment as recorded. Optional fields are absent, never undefined-valued, when not set. */
export interface Deployment {
  /** Assigned by the store; increasing in the order deployments were started. */
  id: number;
  env: string;
  service: string;
  version: string;
  colour: Colour;
  previousVersion?: string;
  previousColour?: Colour;
  strategy: DeploymentStrategy;
  actor: string;
  startedAt: number;
  /** Absent while RUNNING. */
  endedAt?: number;
  /** `endedAt - startedAt`; absent while RUNNING. */
  durationMs?: number;
  status: DeploymentStatus;
  /** Why it ended as it did (the failed analysis, the person who aborted...); absent when none was given. */
  reason?: string;
}

/** Filters of {@link Store.listDeployments}. */
export interface DeploymentQuery {
  /** Undefined: every environment. */
  env?: string | undefined;
  /** Undefined: every service. */
  service?: string | undefined;
  /** Only deployments started at or after this time; undefined: no lower bound. */
  since?: number | undefined;
  /** Only deployments started before this time; undefined: no upper bound. */
  until?: number | undefined;
  /** Most rows returned, 1..10000. */
  limit: number;
}

/** One rollout state transition, recorded before the engine acts on it. */
export interface JournalEntry {
  deploymentId: number;
  /** Strictly increasing per deployment; chosen by the engine. */
  seq: number;
  /** The phase entered: `prepare`, `shift`, `verify`, `finalise`, `abort`... */
  state: string;
  /** What the engine needs to resume or undo: weights, step, colours... Must survive JSON. */
  data: Record<string, unknown>;
  at: number;
  /**
   * The fencing token of the lease the writer holds. When given, the entry is written only while the
   * service's lock still carries this token, in the same statement: a writer whose lease moved on is
   * refused (LOCKED) before it can act on the entry.
   */
  token?: number;
}

/** A RUNNING deployment found at start-up and where its rollout got to. */
export interface UnfinishedRollout {
  deployment: Deployment;
  /** The last journal entry; undefined when the process died before writing the first one. */
  last?: JournalEntry;
}

/** A held lease on one `env/service` key. */
export interface Lock {
  key: string;
  holder: string;
  acquiredAt: number;
  /** The lease ends at this time; from then on anyone may take the lock over. */
  expiresAt: number;
  /** Fencing token: increases with every grant of any lock, so a later holder always has a larger one. */
  token: number;
}

/** The outcome of {@link Store.acquireLock}. */
export type AcquireResult =
  | {
      acquired: true;
      lock: Lock;
      /** The holder of the expired lease this acquisition replaced; absent when the key was free. */
      takenOverFrom?: string;
    }
  | { acquired: false; holder: string; expiresAt: number };

/** One audit record: who asked for what, the gate's decision and what came of it. */
export interface NewAuditEntry {
  at: number;
  /** The person or system actor (`pagerduty`) the request came from. */
  actor: string;
  /** Where it came from: `slack`, `repl`, `pagerduty`, `cli`... */
  channel: string;
  /** The tool called (or the action, such as `mfa.enroll`). */
  tool: string;
  /** The tool's one-line summary of the call; never a secret or a code. */
  inputSummary: string;
  /** The gate's decision: `allow`, `deny`, `ask:confirm`, `ask:mfa`, `ask:approval`... */
  decision: string;
  /** What happened: `ok`, `error`, `refused`, `cancelled`, `mfa-failed`... */
  outcome: string;
  /** Structured facts (error code, deployment id...). Keys naming a one-time code are refused. */
  detail?: Record<string, unknown> | undefined;
}

/** An audit record as stored. */
export interface AuditEntry extends Omit<NewAuditEntry, 'detail'> {
  /** Assigned by the store; increasing in the order entries were appended. */
  id: number;
  detail?: Record<string, unknown>;
}

/** Filters of {@link Store.listAudit}. */
export interface AuditQuery {
  /** Only entries at or after this time; undefined: no lower bound. */
  since?: number | undefined;
  /** Undefined: every actor. */
  actor?: string | undefined;
  /** Most rows returned, 1..10000. */
  limit: number;
}

/** A user's MFA enrolment and replay guard. */
export interface MfaState {
  user: string;
  /** The seed, encrypted by the caller; the store neither knows nor needs the key. */
  encryptedSecret: string;
  enrolledAt: number;
  /** The TOTP time step of the last accepted code; absent before the first success. */
  lastTimeStep?: number;
  /** When the last code was accepted; absent before the first success. */
  lastSuccessAt?: number;
}

/** Deployment counts of one environment over a time range, for the metrics tool. */
export interface EnvDeploymentCounts {
  env: string;
  /** Deployments started in the range, whatever their strategy and status. */
  deployments: number;
  /** Status SUCCESS. */
  successes: number;
  /** Status FAILED. */
  failures: number;
  /** Status ROLLED_BACK: the release was taken back automatically or by a later rollback. */
  rolledBack: number;
  /** Status ABORTED: stopped by a person or by crash recovery. */
  aborted: number;
  /** Status RUNNING. */
  running: number;
  /** Deployments whose strategy is `rollback` (people restoring service), whatever their status. */
  rollbacks: number;
}

/**
 * The Store's contract, split by concern so that a caller can name the part it uses and an implementation
 * can be read one concern at a time. {@link Store} is their intersection. Methods reject with a
 * JarvisError: INVALID_INPUT for a malformed argument, NOT_FOUND for an unknown deployment or user where
 * one is required, CONFLICT when the stored state forbids the write (named in the message), LOCKED when a
 * writer's fencing token is stale, UNAVAILABLE when the database cannot be reached or is closed.
 */

/** Deployments, their outcome and the per-environment counts; release state comes with {@link ReleaseStore}. */
export interface DeploymentStore extends ReleaseStore {
  /**
   * Records a deployment as RUNNING and returns it with its id. Rejects with CONFLICT when the service
   * already has a RUNNING deployment in that environment (one rollout per env and service; recovery must
   * finish the old one first).
   */
  startDeployment(input: NewDeployment): Promise<Deployment>;
  /**
   * Moves a RUNNING deployment to a final status, recording `endedAt`, the duration and `reason`
   * (undefined: none), and with `outcome` the release state, the version verdicts and the release it
   * rolled back, all in one transaction. Rejects with NOT_FOUND for an unknown id and CONFLICT when it
   * already finished (the first outcome stands); nothing is written then.
   */
  finishDeployment(
    id: number,
    status: FinalStatus,
    reason: string | undefined,
    endedAt: number,
    outcome?: ReleaseOutcome,
  ): Promise<Deployment>;
  /** The deployment, or undefined when there is none with that id. */
  getDeployment(id: number): Promise<Deployment | undefined>;
  /** Deployments matching the query, newest first. */
  listDeployments(query: DeploymentQuery): Promise<Deployment[]>;
  /**
   * The most recent SUCCESS deployment of `service` in `env` (of `version` when given), or undefined when
   * there is none. Answers "did this version succeed in the previous environment?".
   */
  lastSuccessful(env: string, service: string, version?: string): Promise<Deployment | undefined>;
  /** Every RUNNING deployment, oldest first. */
  runningDeployments(): Promise<Deployment[]>;

  /**
   * Counts of deployments started in `[since, until)` per environment, environments in name order; an
   * environment without deployments in the range is absent. Mean time to restore and change-failure rate
   * are the caller's to derive (from {@link Store.listDeployments}).
   */
  deploymentCounts(since: number, until: number): Promise<EnvDeploymentCounts[]>;
}

/** The rollout journal: every transition, written before the engine acts on it. */
export interface JournalStore {
  /**
   * Appends a journal entry. Durable when it resolves: it survives a crash of this process. Rejects with
   * NOT_FOUND for an unknown deployment, and with CONFLICT when the deployment is no longer RUNNING (a
   * process that lost its rollout must not write on) or `seq` is not above the last one.
   */
  appendJournal(entry: JournalEntry): Promise<void>;
  /** The deployment's journal in `seq` order; empty when it has none. */
  journal(deploymentId: number): Promise<JournalEntry[]>;
  /** RUNNING deployments with their last journal entry, oldest first: what recovery must reconcile. */
  unfinishedRollouts(): Promise<UnfinishedRollout[]>;
}

/** Rollout leases, one per `env/service` across every process sharing the store, with fencing tokens. */
export interface LeaseStore {
  /**
   * Takes the lease on `key` (`env/service`, see {@link lockKey}) for `leaseMs` from `now`, atomically.
   * A free key or an expired lease is taken (the latter reported in `takenOverFrom`); a live lease is
   * refused naming its holder, even when that holder is the caller: locks are not re-entrant, extend one
   * with {@link Store.renewLock}.
   */
  acquireLock(key: string, holder: string, leaseMs: number, now: number): Promise<AcquireResult>;
  /**
   * Extends `holder`'s live lease on `key` to `now + leaseMs`. Resolves false when the lease was lost:
   * expired, released, or taken by someone else. A holder that gets false must stop writing.
   */
  renewLock(key: string, holder: string, leaseMs: number, now: number): Promise<boolean>;
  /**
   * Takes a live lease from `from`, whose process is known to be gone (same host, no such pid), with a
   * new token. Resolves undefined when the lock is no longer `from`'s (someone else got there first).
   */
  takeOverLock(
    key: string,
    from: string,
    holder: string,
    leaseMs: number,
    now: number,
  ): Promise<Lock | undefined>;
  /** Releases `holder`'s lock on `key`; false when it did not hold it (nothing changes then). */
  releaseLock(key: string, holder: string): Promise<boolean>;
  /** The lock on `key` as stored, live or expired; undefined when there is none. */
  getLock(key: string): Promise<Lock | undefined>;
  /** Removes every lease expired at `now` and returns them. */
  expireStaleLocks(now: number): Promise<Lock[]>;
}

/** The append-only audit log and its hash chain. */
export interface AuditStore extends AuditChainStore {
  /** Appends an audit entry and returns it with its id. Entries can never be changed or removed. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Audit entries matching the query, newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}

/** MFA enrolment, the replay guard of time steps, failures and lockouts. */
export interface MfaStore extends MfaLimitStore {
  /** The user's MFA state, or undefined when the user never enrolled. */
  getMfa(user: string): Promise<MfaState | undefined>;
  /**
   * Stores (or replaces, on re-enrolment) the user's encrypted seed. The replay guard is kept: time steps
   * are global, so a step already used stays used.
   */
  putMfaSecret(user: string, encryptedSecret: string, now: number): Promise<void>;
  /**
   * Records that a code of `timeStep` was accepted, atomically and only when `timeStep` is above the last
   * one used. Resolves false when it is not (a replay, or another replica accepted the same code first):
   * the caller must refuse the code then. Rejects with NOT_FOUND when the user is not enrolled.
   */
  recordMfaSuccess(user: string, timeStep: number, now: number): Promise<boolean>;
  /** Records one failed code at `now`, enrolled user or not. */
  recordMfaFailure(user: string, now: number): Promise<void>;
  /**
   * Failed codes of `user` at or after `since`. Failures are never cleared: a lockout that a success
   * should reset counts from `max(windowStart, getMfa(user).lastSuccessAt)`.
   */
  recentMfaFailures(user: string, since: number): Promise<number>;
  /** When `user` last passed MFA for a write in `env`; undefined when never. */
  lastMfaVerification(user: string, env: string): Promise<number | undefined>;
  /** Records that `user` passed MFA for a write in `env` at `now`. */
  recordMfaVerification(user: string, env: string, now: number): Promise<void>;
}

/** What was already acted on from outside: webhook deliveries and Slack / PagerDuty replay memory. */
export interface ReplayMemoryStore extends ReplayStore {
  /**
   * Records that delivery `id` of a webhook from `source` (`pagerduty`...) arrived at `now`, atomically.
   * Resolves true the first time and false for a delivery already recorded (the sender retrying, or a
   * replay): the caller must not act on it again. Deliveries older than {@link DELIVERY_RETENTION_MS}
   * are forgotten on the way; senders stop retrying long before.
   */
  claimDelivery(source: string, id: string, now: number): Promise<boolean>;
}

/**
 * Persistent state of Jarvis, shared by every process that opens the same database: the intersection of
 * the concerns above. Approvals and freezes join as interfaces of their own in the same way.
 */
export interface Store
  extends
    DeploymentStore,
    JournalStore,
    LeaseStore,
    AuditStore,
    MfaStore,
    ReplayMemoryStore,
    PolicyRecordStore,
    ProgressMessageStore {
  /** Closes the store; later calls reject with UNAVAILABLE. Closing twice is harmless. */
  close(): Promise<void>;
}

/** How long webhook delivery ids are remembered for deduplication: 7 days. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** The lock key of one service in one environment: one rollout at a time per key. */
export function lockKey(env: string, service: string): string {
  return `${env}/${service}`;
}
