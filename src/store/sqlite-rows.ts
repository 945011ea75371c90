import Database from 'better-sqlite3';
import { JarvisError } from '../errors.js';
import type {
  AuditEntry,
  ChainedAuditEntry,
  Colour,
  Deployment,
  DeploymentStatus,
  DeploymentStrategy,
  JournalEntry,
  Lock,
  MfaState,
} from './store.js';
import type {
  ColourRelease,
  ReleaseOutcome,
  ReleaseState,
  ReleaseVerdict,
  RolloutCommand,
  RolloutCommandKind,
  VerifiedFigures,
  VersionVerdict,
} from './release.js';

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
  token: number;
}

export function toLock(row: LockRow): Lock {
  return {
    key: row.key,
    holder: row.holder,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
    token: row.token,
  };
}

export interface ReleaseRow {
  env: string;
  service: string;
  live_colour: Colour;
  live_version: string | null;
  live_verdict: ReleaseVerdict;
  live_at: number | null;
  live_reason: string | null;
  standby_version: string | null;
  standby_verdict: ReleaseVerdict;
  standby_at: number | null;
  standby_reason: string | null;
  weight_blue: number | null;
  weight_green: number | null;
  deployment_id: number | null;
  updated_at: number;
}

function colourRelease(
  colour: Colour,
  version: string | null,
  verdict: ReleaseVerdict,
  at: number | null,
  reason: string | null,
): ColourRelease {
  const c: ColourRelease = { colour, version: version ?? undefined, verdict };
  if (at !== null) c.at = at;
  if (reason !== null) c.reason = reason;
  return c;
}

export function toReleaseState(row: ReleaseRow): ReleaseState {
  const state: ReleaseState = {
    env: row.env,
    service: row.service,
    live: colourRelease(row.live_colour, row.live_version, row.live_verdict, row.live_at, row.live_reason),
    standby: colourRelease(
      row.live_colour === 'blue' ? 'green' : 'blue',
      row.standby_version,
      row.standby_verdict,
      row.standby_at,
      row.standby_reason,
    ),
    updatedAt: row.updated_at,
    source: 'recorded',
  };
  if (row.weight_blue !== null && row.weight_green !== null) {
    state.weights = { blue: row.weight_blue, green: row.weight_green };
  }
  if (row.deployment_id !== null) state.deploymentId = row.deployment_id;
  return state;
}

/** The row of `state` for `env`/`service`, written by the deployment `deploymentId` at `at`. */
export function releaseRow(
  env: string,
  service: string,
  state: ReleaseOutcome['state'],
  deploymentId: number,
  at: number,
): ReleaseRow {
  return {
    env,
    service,
    live_colour: state.live.colour,
    live_version: state.live.version ?? null,
    live_verdict: state.live.verdict,
    live_at: state.live.at ?? null,
    live_reason: state.live.reason ?? null,
    standby_version: state.standby.version ?? null,
    standby_verdict: state.standby.verdict,
    standby_at: state.standby.at ?? null,
    standby_reason: state.standby.reason ?? null,
    weight_blue: state.weights?.blue ?? null,
    weight_green: state.weights?.green ?? null,
    deployment_id: deploymentId,
    updated_at: at,
  };
}

export interface VerdictRow {
  env: string;
  service: string;
  version: string;
  verdict: 'known_good' | 'failed';
  at: number;
  deployment_id: number | null;
  reason: string | null;
  /** JSON of VerifiedFigures (migration 11); null before it or without figures. */
  figures: string | null;
}

export function toVersionVerdict(row: VerdictRow): VersionVerdict {
  const v: VersionVerdict = { version: row.version, verdict: row.verdict, at: row.at };
  if (row.deployment_id !== null) v.deploymentId = row.deployment_id;
  if (row.reason !== null) v.reason = row.reason;
  const figures = parseFigures(row.figures);
  if (figures) v.figures = figures;
  return v;
}

/** The figures column as written by {@link figuresColumn}; a malformed value reads as none. */
function parseFigures(text: string | null): VerifiedFigures | undefined {
  if (text === null) return undefined;
  try {
    const f = JSON.parse(text) as Partial<VerifiedFigures>;
    if (typeof f.requests !== 'number' || typeof f.errors !== 'number' || typeof f.seconds !== 'number') {
      return undefined;
    }
    return {
      requests: f.requests,
      errors: f.errors,
      errorRate: f.requests > 0 ? f.errors / f.requests : 0,
      p99Ms: typeof f.p99Ms === 'number' ? f.p99Ms : undefined,
      seconds: f.seconds,
    };
  } catch {
    return undefined;
  }
}

/** A verdict's figures as stored: JSON, or null. Non-finite or negative counts are refused. */
export function figuresColumn(figures: VerifiedFigures | undefined): string | null {
  if (!figures) return null;
  const counts = [figures.requests, figures.errors, figures.seconds];
  if (counts.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new JarvisError('INVALID_INPUT', 'verdict figures must be finite, non-negative numbers');
  }
  return JSON.stringify({
    requests: figures.requests,
    errors: figures.errors,
    p99Ms: figures.p99Ms,
    seconds: figures.seconds,
  });
}

export interface CommandRow {
  id: number;
  deployment_id: number;
  command: RolloutCommandKind;
  actor: string;
  reason: string | null;
  at: number;
}

export function toCommand(row: CommandRow): RolloutCommand {
  const c: RolloutCommand = {
    id: row.id,
    deploymentId: row.deployment_id,
    command: row.command,
    actor: row.actor,
    at: row.at,
  };
  if (row.reason !== null) c.reason = row.reason;
  return c;
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
  /** Null on rows from before the chain (schema 8 and older), and as prev_hash of its first row. */
  prev_hash?: string | null;
  hash?: string | null;
}

/** The row with its chain links (absent on rows from before the chain). */
export function toChainedAuditEntry(row: AuditRow): ChainedAuditEntry {
  const entry: ChainedAuditEntry = toAuditEntry(row);
  if (row.hash !== null && row.hash !== undefined) {
    entry.prevHash = row.prev_hash ?? null;
    entry.hash = row.hash;
  }
  return entry;
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
