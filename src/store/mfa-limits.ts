/**
 * What the MFA lockout policy needs beyond the per-user failure count of the Store: failures by source
 * (a Slack team and channel, a terminal host) and the lockouts themselves, whose history makes each one
 * longer than the last. No record holds a code.
 */

/** Who a lockout stops: one person, or every person typing codes from one source. */
export type MfaSubjectKind = 'user' | 'source';

export interface MfaLockout {
  kind: MfaSubjectKind;
  /** The user id, or the source (`slack:T0123/C0456`, `terminal:host`). */
  subject: string;
  startedAt: number;
  until: number;
  /** Failures in the window that caused it. */
  failures: number;
}

export interface MfaLimitStore {
  /** Records one failed code of `user` typed from `source` (undefined: unknown) at `now`. */
  recordMfaFailureFrom(user: string, source: string | undefined, now: number): Promise<void>;
  /** Failed codes of the user or from the source at or after `since`; never cleared by a success. */
  mfaFailuresOf(kind: MfaSubjectKind, subject: string, since: number): Promise<number>;
  /** Records a lockout. */
  recordMfaLockout(lockout: MfaLockout): Promise<void>;
  /** Lockouts of the subject started at or after `since`, newest first. */
  mfaLockoutsOf(kind: MfaSubjectKind, subject: string, since: number): Promise<MfaLockout[]>;
}
