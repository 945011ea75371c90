import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { JarvisError } from '../errors.js';
import type { MfaState, Store } from '../store/store.js';
import { assertMfaKey, decryptSecret, encryptSecret } from './secret-box.js';
import type { MfaOutcome } from './types.js';

export { decryptSecret, encryptSecret } from './secret-box.js';
export { loadMfaKey, MFA_KEY_HINT, SANDBOX_KEY_FILE } from './mfa-key.js';

/** TOTP period in seconds (RFC 6238 and every authenticator app's default). */
const PERIOD_SECONDS = 30;
/** Failed codes within {@link LOCKOUT_WINDOW_MS} that lock a user out. */
export const MAX_FAILURES = 5;
/** The sliding window in which failures count, and so how long a lockout lasts after the last of them. */
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
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
}

/**
 * TOTP multi-factor authentication (RFC 6238, 6 digits, 30 s). Codes are accepted within one step either
 * side of now and only once, replicas included; 5 failures within 15 minutes lock the user out until
 * the oldest of them is 15 minutes old. Seeds are kept encrypted (AES-256-GCM). No code and no seed is
 * ever logged, audited or put in a message.
 */
export class MfaService {
  private readonly store: Store;
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly issuer: string;

  /** Throws CONFIG_INVALID when `key` is not 32 bytes. */
  constructor(deps: MfaServiceDeps) {
    assertMfaKey(deps.key);
    this.store = deps.store;
    this.key = deps.key;
    this.now = deps.now ?? Date.now;
    this.issuer = deps.issuer ?? 'Jarvis';
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
    const state = await this.store.getMfa(user);
    if (!state) {
      return {
        ok: false,
        reason: 'not-enrolled',
        message: `${user} is not enrolled for MFA. An operator runs "jarvis mfa enroll ${user}" and ${user} scans the QR code.`,
      };
    }
    const until = await this.lockedUntil(user, state, now);
    if (until !== undefined) return lockedOutcome(until);

    // People type codes as they read them ("123 456"); spacing is not a different code.
    const token = code.replace(/\s+/g, '');
    if (!CODE.test(token)) return this.fail(user, state, now, 'invalid', 'A code is 6 digits.');

    const secret = decryptSecret(state.encryptedSecret, this.key, user);
    const matched = await this.matchStep(user, secret, token, now, state.lastTimeStep);
    if (matched === 'invalid') {
      return this.fail(user, state, now, 'invalid', 'That code is wrong or expired.');
    }
    if (matched === 'replayed' || !(await this.store.recordMfaSuccess(user, matched, now))) {
      // recordMfaSuccess is the atomic guard: another replica may have accepted this very code just now.
      return this.fail(user, state, now, 'replayed', 'That code was already used; wait for the next one.');
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
    const newest = Math.floor(epoch / PERIOD_SECONDS) + 1;
    const after = lastStep === undefined ? undefined : Math.min(lastStep, newest);
    try {
      const options = { secret, token, epoch, epochTolerance: PERIOD_SECONDS };
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

  /** Records a failed code and answers it, as `locked` when this failure reaches the limit. */
  private async fail(
    user: string,
    state: MfaState,
    now: number,
    reason: 'invalid' | 'replayed',
    what: string,
  ): Promise<MfaOutcome> {
    await this.store.recordMfaFailure(user, now);
    const failures = await this.store.recentMfaFailures(user, windowStart(state, now));
    if (failures >= MAX_FAILURES) {
      const until = await this.lockedUntil(user, state, now);
      if (until !== undefined) return lockedOutcome(until);
    }
    const left = MAX_FAILURES - failures;
    return {
      ok: false,
      reason,
      message: `${what} ${left} attempt${left === 1 ? '' : 's'} left before a 15-minute lockout.`,
    };
  }

  /**
   * The first millisecond at which the user's lockout is over, or undefined when they are not locked out. The store only counts
   * failures, so the time of the MAX_FAILURES-th most recent one is found by bisection on `since` (counts
   * only fall as `since` grows); the lockout ends when it leaves the window. Only a locked user costs
   * the ~20 extra reads.
   */
  private async lockedUntil(user: string, state: MfaState, now: number): Promise<number | undefined> {
    const start = windowStart(state, now);
    if ((await this.store.recentMfaFailures(user, start)) < MAX_FAILURES) return undefined;
    // Invariant: count(lo) >= MAX_FAILURES; the answer is the largest such `since`. A failure dated after
    // `now` (another replica's clock) is still found because `hi` reaches a full window ahead.
    let lo = start;
    let hi = now + LOCKOUT_WINDOW_MS;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if ((await this.store.recentMfaFailures(user, mid)) >= MAX_FAILURES) lo = mid;
      else hi = mid - 1;
    }
    // At `lo + window` that failure is still in the window (`since` is inclusive); a millisecond later not.
    return lo + LOCKOUT_WINDOW_MS + 1;
  }
}

/** Failures count from 15 minutes ago, or from the last success when that is more recent. */
function windowStart(state: MfaState, now: number): number {
  return Math.max(now - LOCKOUT_WINDOW_MS, state.lastSuccessAt ?? 0);
}

function lockedOutcome(until: number): MfaOutcome {
  return {
    ok: false,
    reason: 'locked',
    message: `Too many wrong codes: MFA is locked until ${new Date(until).toISOString()}. Codes are not checked until then.`,
    until,
  };
}
