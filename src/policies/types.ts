import type { Role } from '../config.js';
import type { ErrorCode, Refusal } from '../errors.js';

export type { Role } from '../config.js';

/** Who a request comes from. The channel establishes it; nothing the model says can change it. */
export interface Actor {
  /** Stable id: a Slack user id, a REPL login name, `pagerduty`. Never a display name. */
  id: string;
  role: Role;
  channel: 'repl' | 'slack' | 'pagerduty' | 'cli';
  /** Read tools only, whatever the role (PagerDuty-triggered work). */
  readOnly?: boolean;
  /** Where the request was asked from; undefined: derived from `channel` (see originOf). */
  origin?: Origin;
}

/**
 * Where a request came from, as the channel guardrails see it: the terminal (REPL, `jarvis ask`), a
 * Slack channel (by id, and by name when known), a Slack direct message, or PagerDuty.
 */
export type Origin =
  | { kind: 'terminal' }
  | { kind: 'slack'; channel: string; name?: string | undefined }
  | { kind: 'dm'; channel: string }
  | { kind: 'pagerduty' };

/** The origin of `actor`'s request: the one the channel set, else the kind its channel implies. */
export function originOf(actor: Actor): Origin {
  if (actor.origin) return actor.origin;
  switch (actor.channel) {
    case 'repl':
    case 'cli':
      return { kind: 'terminal' };
    case 'pagerduty':
      return { kind: 'pagerduty' };
    case 'slack':
      return { kind: 'slack', channel: 'unknown' };
  }
}

/** What a write needs from the person before it runs. */
export interface Requirements {
  /** An explicit yes to `summary`. */
  confirm: boolean;
  /** A TOTP code, verified by the gate's MFA, collected by the channel where the model never sees it. */
  mfa: boolean;
  /** Approvals by other people (Slack); how many and from whom: `Decision.approvals`. */
  approval: boolean;
}

/**
 * The gate's decision on one tool call (STYLE.md 2: a decision, never a throw). `ask` lists what the
 * channel must obtain from people before the call may run; the answers reach the gate, not the model.
 */
export type Decision =
  | { kind: 'allow'; reason: string }
  | { kind: 'deny'; code: ErrorCode; reason: string }
  | {
      kind: 'ask';
      needs: Requirements;
      summary: string;
      reason: string;
      /** Set when `needs.approval`: how many, from whom, for how long (decided from the call's target). */
      approvals?: ApprovalRule;
      /** A write let through a freeze by an admin, with the admin's reason (audited as break-glass). */
      breakGlass?: { reason: string; freeze: string };
    };

/**
 * The approvals one write needs, decided by the release policy from the call's target. `problem` says why
 * a person may not approve (the requester, someone who already approved, someone not in `from`...).
 */
export interface ApprovalRule {
  env: string;
  service: string;
  required: number;
  ttlSeconds: number;
  /** Why `approver` may not approve, given the people who already did; undefined when they may. */
  problem: (approver: string | undefined, already: readonly string[]) => Refusal | undefined;
}

/** The outcome of checking a TOTP code. `locked` holds until `until`; codes are never echoed. */
export type MfaOutcome =
  | { ok: true }
  | {
      ok: false;
      reason: 'not-enrolled' | 'invalid' | 'replayed' | 'locked';
      message: string;
      until?: number;
    };
