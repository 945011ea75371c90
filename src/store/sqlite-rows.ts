import Database from 'better-sqlite3';
import { JarvisError } from '../errors.js';
import type {
  AuditEntry,
  Colour,
  Deployment,
  DeploymentStatus,
  DeploymentStrategy,
  JournalEntry,
  Lock,
  MfaState,
} from './store.js';

/**
 * Rows as SQLite returns them and their mapping to the Store's records. NULL columns become absent
 * properties, never `undefined` values, so records compare and serialise cleanly.
 */

export interface DeploymentRow {
  id: number;
  env: string;
  service: string;
  version: string;
  colour: Colour;
  previous_version: string | null;
  previous_colour: Colour | null;
  strategy: DeploymentStrategy;
  actor: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  status: DeploymentStatus;
  reason: string | null;
}

export function toDeployment(row: DeploymentRow): Deployment {
  const d: Deployment = {
    id: row.id,
    env: row.env,
    service: row.service,
    version: row.version,
    colour: row.colour,
    strategy: row.strategy,
    actor: row.actor,
    startedAt: row.started_at,
    status: row.status,
  };
  if (row.previous_version !== null) d.previousVersion = row.previous_version;
  if (row.previous_colour !== null) d.previousColour = row.previous_colour;
  if (row.ended_at !== null) d.endedAt = row.ended_at;
  if (row.duration_ms !== null) d.durationMs = row.duration_ms;
  if (row.reason !== null) d.reason = row.reason;
  return d;
}

export interface JournalRow {
  deployment_id: number;
  seq: number;
  state: string;
  data: string;
  at: number;
}

export function toJournalEntry(row: JournalRow): JournalEntry {
  return {
    deploymentId: row.deployment_id,
    seq: row.seq,
    state: row.state,
    data: JSON.parse(row.data) as Record<string, unknown>,
    at: row.at,
  };
}

export interface LockRow {
  key: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

export function toLock(row: LockRow): Lock {
  return { key: row.key, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  channel: string;
  tool: string;
  input_summary: string;
  decision: string;
  outcome: string;
  detail: string | null;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: row.id,
    at: row.at,
    actor: row.actor,
    channel: row.channel,
    tool: row.tool,
    inputSummary: row.input_summary,
    decision: row.decision,
    outcome: row.outcome,
  };
  if (row.detail !== null) entry.detail = JSON.parse(row.detail) as Record<string, unknown>;
  return entry;
}

export interface MfaRow {
  username: string;
  encrypted_secret: string;
  enrolled_at: number;
  last_time_step: number | null;
  last_success_at: number | null;
}

export function toMfaState(row: MfaRow): MfaState {
  const state: MfaState = {
    user: row.username,
    encryptedSecret: row.encrypted_secret,
    enrolledAt: row.enrolled_at,
  };
  if (row.last_time_step !== null) state.lastTimeStep = row.last_time_step;
  if (row.last_success_at !== null) state.lastSuccessAt = row.last_success_at;
  return state;
}

export interface CountsRow {
  env: string;
  deployments: number;
  successes: number;
  failures: number;
  rolledBack: number;
  aborted: number;
  running: number;
  rollbacks: number;
}

/**
 * Turns a failure of the database into a coded error naming the file. Errors that are already coded pass
 * through unchanged, and so does anything that is not a database error: it is not ours to reinterpret.
 */
export function storeError(err: unknown, file: string, busyTimeoutMs: number): Error {
  if (!(err instanceof Database.SqliteError)) return err instanceof Error ? err : new Error(String(err));
  const details = { resource: file, upstream: err.code };
  if (err.code.startsWith('SQLITE_CONSTRAINT')) {
    return new JarvisError('CONFLICT', `The store refused the write: ${err.message}`, details, {
      cause: err,
    });
  }
  if (err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED')) {
    return new JarvisError(
      'UNAVAILABLE',
      `The database ${file} stayed locked by another process for more than ${busyTimeoutMs} ms. Retry; if it persists, ` +
        'look for a process holding a long transaction on it.',
      details,
      { cause: err },
    );
  }
  return new JarvisError('UNAVAILABLE', `The database ${file} failed: ${err.message}`, details, {
    cause: err,
  });
}
