import { JarvisError } from '../errors.js';
import {
  FINAL_STATUSES,
  type AuditQuery,
  type Colour,
  type DeploymentQuery,
  type DeploymentStrategy,
  type FinalStatus,
  type JournalEntry,
  type NewAuditEntry,
  type NewDeployment,
} from './store.js';
import { redact, redactDeep } from '../redact.js';

/**
 * Argument checks shared by every Store implementation, so that each refuses the same inputs with the same
 * INVALID_INPUT errors. They run before any write: a bad argument never reaches the database.
 */

export const MAX_LIMIT = 10_000;
const COLOURS: readonly Colour[] = ['blue', 'green'];
const STRATEGIES: readonly DeploymentStrategy[] = ['blue-green', 'rollback', 'promote'];
const LOCK_KEY = /^[^/\s]+\/[^/\s]+$/;
/**
 * Key names (lower-cased, separators removed) that would carry a one-time code. Nothing Jarvis stores may
 * hold one, so a record that tries is refused rather than silently written to the journal or audit log.
 */
const CODE_KEYS = new Set([
  'totp',
  'otp',
  'totpcode',
  'otpcode',
  'mfacode',
  'mfatoken',
  'passcode',
  'onetimecode',
]);

function invalid(message: string, resource?: string): JarvisError {
  return new JarvisError('INVALID_INPUT', message, resource === undefined ? {} : { resource });
}

export function text(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${name} must be a non-empty string`);
  return value;
}

export function optionalText(name: string, value: unknown): string | null {
  return value === undefined ? null : text(name, value);
}

/** A time in milliseconds since the epoch (or a duration): a finite number, stored as an integer. */
export function time(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
  return Math.round(value);
}

export function optionalTime(name: string, value: unknown): number | null {
  return value === undefined ? null : time(name, value);
}

export function nonNegativeInt(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid(`${name} must be an integer >= 0`);
  return value as number;
}

export function positiveInt(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw invalid(`${name} must be an integer >= 1`);
  return value as number;
}

export function positiveDuration(name: string, value: unknown): number {
  const ms = time(name, value);
  if (ms <= 0) throw invalid(`${name} must be a positive number of milliseconds`);
  return ms;
}

export function limit(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_LIMIT) {
    throw invalid(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return value as number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function colour(name: string, value: unknown): Colour {
  return oneOf(name, value, COLOURS);
}

export function command(value: unknown): 'abort' | 'pause' | 'resume' {
  return oneOf('command', value, ['abort', 'pause', 'resume'] as const);
}

export function answerKind(value: unknown): 'approved' | 'rejected' | 'withdrawn' {
  return oneOf('answer kind', value, ['approved', 'rejected', 'withdrawn'] as const);
}

export function finalStatus(value: unknown): FinalStatus {
  return oneOf('status', value, FINAL_STATUSES);
}

export function lockKeyOf(value: unknown): string {
  if (typeof value !== 'string' || !LOCK_KEY.test(value)) {
    throw invalid(`lock key must be "env/service", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Serialises a JSON object, refusing values JSON cannot carry and any key that names a one-time code. */
export function jsonObject(name: string, value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${name} must be an object`);
  let json: string;
  try {
    json = JSON.stringify(value, (key, v: unknown) => {
      if (CODE_KEYS.has(key.toLowerCase().replace(/[^a-z]/g, ''))) {
        throw invalid(`${name} must not carry a one-time code (key "${key}")`);
      }
      if (typeof v === 'bigint') throw invalid(`${name}.${key} is a bigint, which JSON cannot carry`);
      return v;
    });
  } catch (err) {
    if (err instanceof JarvisError) throw err;
    throw invalid(`${name} cannot be stored as JSON: ${(err as Error).message}`);
  }
  return json;
}

export interface DeploymentParams {
  env: string;
  service: string;
  version: string;
  colour: Colour;
  previousVersion: string | null;
  previousColour: Colour | null;
  strategy: DeploymentStrategy;
  actor: string;
  startedAt: number;
}

export function newDeployment(input: NewDeployment): DeploymentParams {
  return {
    env: text('env', input.env),
    service: text('service', input.service),
    version: text('version', input.version),
    colour: colour('colour', input.colour),
    previousVersion: optionalText('previousVersion', input.previousVersion),
    previousColour:
      input.previousColour === undefined ? null : colour('previousColour', input.previousColour),
    strategy: oneOf('strategy', input.strategy, STRATEGIES),
    actor: text('actor', input.actor),
    startedAt: time('startedAt', input.startedAt),
  };
}

export interface DeploymentQueryParams {
  env: string | null;
  service: string | null;
  since: number | null;
  until: number | null;
  limit: number;
}

export function deploymentQuery(query: DeploymentQuery): DeploymentQueryParams {
  return {
    env: optionalText('env', query.env),
    service: optionalText('service', query.service),
    since: optionalTime('since', query.since),
    until: optionalTime('until', query.until),
    limit: limit(query.limit),
  };
}

export interface JournalParams {
  deploymentId: number;
  seq: number;
  state: string;
  data: string;
  at: number;
  token: number | null;
}

export function journalEntry(entry: JournalEntry): JournalParams {
  return {
    deploymentId: nonNegativeInt('deploymentId', entry.deploymentId),
    seq: nonNegativeInt('seq', entry.seq),
    state: text('state', entry.state),
    data: jsonObject('data', entry.data),
    at: time('at', entry.at),
    token: entry.token === undefined ? null : nonNegativeInt('token', entry.token),
  };
}

export interface AuditParams {
  at: number;
  actor: string;
  channel: string;
  tool: string;
  inputSummary: string;
  decision: string;
  outcome: string;
  detail: string | null;
}

export function auditEntry(entry: NewAuditEntry): AuditParams {
  return {
    at: time('at', entry.at),
    actor: text('actor', entry.actor),
    channel: text('channel', entry.channel),
    tool: text('tool', entry.tool),
    // An empty summary is legitimate (a call without parameters), but it must be a string.
    // Every writer's last net: no credential is kept in the audit log, whoever wrote the entry.
    inputSummary: redact(summary(entry.inputSummary)),
    decision: text('decision', entry.decision),
    outcome: text('outcome', entry.outcome),
    detail: entry.detail === undefined ? null : jsonObject('detail', redactDeep(entry.detail)),
  };
}

function summary(value: unknown): string {
  if (typeof value !== 'string') throw invalid('inputSummary must be a string');
  return value;
}

export function auditQuery(query: AuditQuery): { since: number | null; actor: string | null; limit: number } {
  return {
    since: optionalTime('since', query.since),
    actor: optionalText('actor', query.actor),
    limit: limit(query.limit),
  };
}

/** A webhook delivery to deduplicate: its sender and id (at most 256 characters) and when it arrived. */
export function delivery(
  source: unknown,
  id: unknown,
  now: unknown,
): { source: string; id: string; now: number } {
  const checked = { source: text('source', source), id: text('id', id), now: time('now', now) };
  if (checked.id.length > 256) throw invalid('id must be at most 256 characters');
  return checked;
}

/** A claim of replay memory: one to 16 distinct keys of at most 512 characters, and its times. */
export function replayClaim(
  keys: unknown,
  expiresAt: unknown,
  now: unknown,
): { keys: Array<{ scope: string; key: string }>; expiresAt: number; now: number } {
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 16) {
    throw invalid('keys must be a list of 1 to 16 { scope, key }');
  }
  const checked = keys.map((k: unknown) => {
    const o = (k ?? {}) as { scope?: unknown; key?: unknown };
    const item = { scope: text('scope', o.scope), key: text('key', o.key) };
    if (item.key.length > 512) throw invalid('key must be at most 512 characters');
    return item;
  });
  return { keys: checked, expiresAt: time('expiresAt', expiresAt), now: time('now', now) };
}
