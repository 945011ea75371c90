import type { Role } from '../config.js';

export type { Role } from '../config.js';

/** Who a request comes from. The channel establishes it; nothing the model says can change it. */
export interface Actor {
  /** Stable id: a Slack user id, a REPL login name, `pagerduty`. Never a display name. */
  id: string;
  role: Role;
  channel: 'repl' | 'slack' | 'pagerduty' | 'cli';
  /** Read tools only, whatever the role (PagerDuty-triggered work). */
  readOnly?: boolean;
}

/** What a write needs from the person before it runs. */
export interface Requirements {
  /** An explicit yes to `summary`. */
  confirm: boolean;
  /** A TOTP code, verified by the gate's MFA, collected by the channel where the model never sees it. */
  mfa: boolean;
  /** A second person's approval (Slack). */
  approval: boolean;
}

/**
 * The gate's decision on one tool call (STYLE.md 2: a decision, never a throw). `ask` lists what the
 * channel must obtain from people before the call may run; the answers reach the gate, not the model.
 */
export type Decision =
  | { kind: 'allow'; reason: string }
  | { kind: 'deny'; reason: string }
  | { kind: 'ask'; needs: Requirements; summary: string; reason: string };

/** The outcome of checking a TOTP code. `locked` holds until `until`; codes are never echoed. */
export type MfaOutcome =
  | { ok: true }
  | {
      ok: false;
      reason: 'not-enrolled' | 'invalid' | 'replayed' | 'locked';
      message: string;
      until?: number;
    };
