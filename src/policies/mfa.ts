import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { JarvisError } from '../errors.js';
import type { MfaLockout, MfaSubjectKind, Store } from '../store/store.js';
import { mfaSource } from './mfa-source.js';
import { assertMfaKey, decryptSecret, encryptSecret } from './secret-box.js';
import type { MfaOutcome } from './types.js';

export { decryptSecret, encryptSecret } from './secret-box.js';
export { loadMfaKey, MFA_KEY_HINT, SANDBOX_KEY_FILE } from './mfa-key.js';

/** TOTP period in seconds (RFC 6238 and every authenticator app's default). */
const PERIOD_SECONDS = 30;
/** Failed codes of one user within {@link LOCKOUT_WINDOW_MS} that lock the user out. */
export const MAX_FAILURES = 5;
/** Failed codes from one source (any users) within the window that lock the source out. */
export const MAX_SOURCE_FAILURES = 10;
/** The sliding window in which failures count, and the first lockout's length. */
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
/** Each lockout within a day lasts twice the one before, up to this. */
export const MAX_LOCKOUT_MS = 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
const CODE = /^\d{6}$/;
/** User ids as channels produce them: Slack ids, login names, e-mail addresses. */
const USER = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export interface MfaServiceDeps {
  store: Store;
  /** 32 bytes; see loadMfaKey. */
  key: Buffer;
  /**
   * Real wall time in ms (default `Date.now`). TOTP codes and lockouts follow the person's phone and
   * watch, never the sandbox's scaled clock.
   */
  now?: () => number;
  /** The name authenticator apps show next to the account (default `Jarvis`). */
  issuer?: string;
  /**
   * Time steps accepted either side of now: default the previous step only (`{ past: 1, future: 0 }`),
   * for a code read just before it rolled over. Config `mfa.pastSteps` and `mfa.futureSteps`.
   */
  tolerance?: { past: number; future: number };
}

/**
 * TOTP multi-factor authentication (RFC 6238, 6 digits, 30 s). Codes are accepted from the current step
 * and (by default) the previous one, and only once, replicas included. 5 failures of one user, or 10
 * from one source (a Slack channel, a terminal host: see withMfaSource), within 15 minutes lock that user
 * or source out: for 15 minutes the first time in a day, twice as long each time after. A success does not
 * erase the failures of the window; a lockout does start a fresh count. Each lockout is audited. Seeds are
 * kept encrypted (AES-256-GCM). No code and no seed is ever logged, audited or put in a message.
 */
export class MfaService {
  private readonly store: Store;
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly issuer: string;
  private readonly tolerance: { past: number; future: number };

  /** Throws CONFIG_INVALID when `key` is not 32 bytes. */
  constructor(deps: MfaServiceDeps) {
    assertMfaKey(deps.key);
    this.store = deps.store;
    this.key = deps.key;
    this.now = deps.now ?? Date.now;
    this.issuer = deps.issuer ?? 'Jarvis';
    this.tolerance = deps.tolerance ?? { past: 1, future: 0 };
  }

  /**
   * Creates a new seed for `user`, stores it encrypted (replacing an earlier one: the old authenticator
   * entry stops working) and returns the otpauth:// URI to show the person once, as text and QR code.
   * The URI holds the seed: it must go to the person's screen only. Rejects with INVALID_INPUT for a user
   * id that is not a plain identifier.
   */
  async enroll(user: string): Promise<{ uri: string }> {
    if (!USER.test(user)) {
      throw new JarvisError(
        'INVALID_INPUT',
        `"${user}" is not a user id: use a Slack user id or a login name.`,
      );
    }
    const secret = generateSecret();
    await this.store.putMfaSecret(user, encryptSecret(secret, this.key, user), this.now());
    return { uri: generateURI({ issuer: this.issuer, label: user, secret }) };
  }

  /**
   * Checks `code` for `user` before a write in `env` and, when it passes, records the verification (which
   * the gate's `mfaTtlSeconds` reads). Outcomes: `not-enrolled`; `locked` (with `until`, checked before the
   * code, so even a valid code is refused); `invalid` (wrong, outside ±1 step, or not 6 digits);
   * `replayed` (already used here or by another replica). `invalid` and `replayed` count as failures, and
   * the failure that reaches the limit answers `locked`. Rejects with FORBIDDEN when the stored seed
   * cannot be decrypted, and with the store's errors.
   */
  async verify(user: string, code: string, env: string): Promise<MfaOutcome> {
    const now = this.now();
    const source = mfaSource();
    const state = await this.store.getMfa(user);
    if (!state) {
      return {
        ok: false,
        reason: 'not-enrolled',
        message: `${user} is not enrolled for MFA. An operator runs "jarvis mfa enroll ${user}" and ${user} scans the QR code.`,
      };
    }
    const until = await this.lockedUntil(user, source, now);
    if (until !== undefined) return lockedOutcome(until);

    // People type codes as they read them ("123 456"); spacing is not a different code.
    const token = code.replace(/\s+/g, '');
    if (!CODE.test(token)) return this.fail(user, source, now, 'invalid', 'A code is 6 digits.');

    const secret = decryptSecret(state.encryptedSecret, this.key, user);
    const matched = await this.matchStep(user, secret, token, now, state.lastTimeStep);
    if (matched === 'invalid') {
      return this.fail(user, source, now, 'invalid', 'That code is wrong or expired.');
    }
    if (matched === 'replayed' || !(await this.store.recordMfaSuccess(user, matched, now))) {
      // recordMfaSuccess is the atomic guard: another replica may have accepted this very code just now.
      return this.fail(user, source, now, 'replayed', 'That code was already used; wait for the next one.');
    }
    await this.store.recordMfaVerification(user, env, now);
    return { ok: true };
  }

  /** The time step `token` matches within ±1 step and after `lastStep`, or why it does not match. */
  private async matchStep(
    user: string,
    secret: string,
    token: string,
    now: number,
    lastStep: number | undefined,
  ): Promise<number | 'invalid' | 'replayed'> {
    const epoch = Math.floor(now / 1000);
    // otplib refuses an afterTimeStep beyond the window; a step that far ahead means every step in it is used.
    const newest = Math.floor(epoch / PERIOD_SECONDS) + this.tolerance.future;
    const after = lastStep === undefined ? undefined : Math.min(lastStep, newest);
    try {
      const epochTolerance: [number, number] = [
        this.tolerance.past * PERIOD_SECONDS,
        this.tolerance.future * PERIOD_SECONDS,
      ];
      const options = { secret, token, epoch, epochTolerance };
      const fresh = await verifyTotp(after === undefined ? options : { ...options, afterTimeStep: after });
      if ('timeStep' in fresh) return fresh.timeStep;
      if (after === undefined) return 'invalid';
      // Tell a replay from a wrong code, so the person knows to wait for the next code rather than retype.
      const any = await verifyTotp(options);
      return 'timeStep' in any ? 'replayed' : 'invalid';
    } catch (err) {
      // Only the error's name: otplib's messages are safe today, but nothing about the seed may leak.
      throw new JarvisError('FORBIDDEN', `The MFA check of ${user} failed (${(err as Error).name}).`, {
        resource: `mfa/${user}`,
      });
    }
  }

  /**
   * Records a failed code and answers it, as `locked` when this failure reaches the limit of the user or
   * of the source, which then locks it out (and audits the lockout).
   */
  private async fail(
    user: string,
    source: string | undefined,
    now: number,
    reason: 'invalid' | 'replayed',
    what: string,
  ): Promise<MfaOutcome> {
    await this.store.recordMfaFailureFrom(user, source, now);
    const subjects: Array<[MfaSubjectKind, string, number]> = [['user', user, MAX_FAILURES]];
    if (source !== undefined) subjects.push(['source', source, MAX_SOURCE_FAILURES]);
    // The nearest lockout is the one the person is told about: theirs, or their channel's.
    let left = Number.POSITIVE_INFINITY;
    let next = LOCKOUT_WINDOW_MS;
    let until: number | undefined;
    for (const [kind, subject, limit] of subjects) {
      const history = await this.store.mfaLockoutsOf(kind, subject, now - DAY_MS);
      const failures = await this.store.mfaFailuresOf(kind, subject, countFrom(history, now));
      const length = lockoutLength(history.length);
      if (failures >= limit) {
        const lockout = { kind, subject, startedAt: now, until: now + length, failures };
        await this.store.recordMfaLockout(lockout);
        await this.auditLockout(user, source, lockout, history.length + 1);
        until = Math.max(until ?? 0, lockout.until);
      } else if (limit - failures < left) {
        left = limit - failures;
        next = length;
      }
    }
    if (until !== undefined) return lockedOutcome(until);
    return {
      ok: false,
      reason,
      message: `${what} ${left} attempt${left === 1 ? '' : 's'} left before a ${minutes(next)} lockout.`,
    };
  }

  /** The end of the longest lockout now in force on the user or the source; undefined when none is. */
  private async lockedUntil(
    user: string,
    source: string | undefined,
    now: number,
  ): Promise<number | undefined> {
    const subjects: Array<[MfaSubjectKind, string]> = [['user', user]];
    if (source !== undefined) subjects.push(['source', source]);
    let until: number | undefined;
    for (const [kind, subject] of subjects) {
      for (const l of await this.store.mfaLockoutsOf(kind, subject, now - MAX_LOCKOUT_MS)) {
        if (l.until > now) until = Math.max(until ?? 0, l.until);
      }
    }
    return until;
  }

  private async auditLockout(
    user: string,
    source: string | undefined,
    lockout: MfaLockout,
    number: number,
  ): Promise<void> {
    await this.store.appendAudit({
      at: lockout.startedAt,
      actor: user,
      channel: source?.split(':')[0] ?? 'unknown',
      tool: 'mfa.lockout',
      inputSummary: `MFA locked for ${lockout.kind} ${lockout.subject} until ${new Date(lockout.until).toISOString()} after ${lockout.failures} failed codes (lockout ${number} in 24 h)`,
      decision: 'deny',
      outcome: 'locked',
      detail: {
        kind: lockout.kind,
        subject: lockout.subject,
        until: lockout.until,
        failures: lockout.failures,
        lockoutsInDay: number,
        ...(source !== undefined ? { source } : {}),
      },
    });
  }
}

/**
 * Failures count over the last 15 minutes, and only since the last lockout ended: a lockout served
 * starts a fresh count. A success does not (an attacker between two of the person's own codes).
 */
function countFrom(history: readonly MfaLockout[], now: number): number {
  const lastEnd = history.reduce((max, l) => Math.max(max, l.until), 0);
  return Math.max(now - LOCKOUT_WINDOW_MS, lastEnd);
}

/** The length of the next lockout after `earlier` lockouts within a day: 15 min, 30, 60... up to a day. */
function lockoutLength(earlier: number): number {
  return Math.min(MAX_LOCKOUT_MS, LOCKOUT_WINDOW_MS * 2 ** Math.min(earlier, 10));
}

function minutes(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}-hour` : `${Math.round(ms / 60_000)}-minute`;
}

function lockedOutcome(until: number): MfaOutcome {
  return {
    ok: false,
    reason: 'locked',
    message: `Too many wrong codes: MFA is locked until ${new Date(until).toISOString()}. Codes are not checked until then.`,
    until,
  };
}
