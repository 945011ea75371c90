/**
 * Coded errors. Adapters turn SDK and HTTP failures into these, naming the resource, so that tools can
 * hand the model (and people) an error that says what failed, on what, and what to try instead.
 */
export type ErrorCode =
  // Platform, store and configuration failures.
  | 'CONFIG_INVALID'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'DRIFT'
  | 'INGRESS_MANAGED'
  | 'THROTTLED'
  | 'UPSTREAM'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'FORBIDDEN'
  | 'LOCKED'
  | 'ROLLOUT_FAILED'
  | 'ABORTED'
  | 'INTERNAL'
  // Release policy refusals (src/policies/release.ts): the rule that refused a call.
  /** The actor may only read (PagerDuty-triggered work, or flagged read-only). */
  | 'READ_ONLY'
  /** The actor's role is below what the environment (or the tool) needs. */
  | 'ROLE_REQUIRED'
  /** A promotion skips an environment, goes backwards or into the first environment. */
  | 'PROMOTION_ORDER'
  /** The version has not succeeded in the previous environment of the promotion order. */
  | 'NOT_PROMOTED'
  /** A rollback target the release state does not allow (failed here, never verified nor promoted). */
  | 'ROLLBACK_NOT_ALLOWED'
  /** A change freeze is in force. */
  | 'FROZEN'
  /** A break-glass request that is not allowed (not an admin, no reason). */
  | 'BREAK_GLASS_REFUSED'
  /** Writes to this environment may not be asked for from the channel the request came from. */
  | 'CHANNEL_NOT_ALLOWED'
  // What the agent loop reports when a call did not run (src/agent/loop.ts).
  /** The gate refused the call; the rule that refused it is given as well. */
  | 'DENIED'
  /** The call needs approvals this channel cannot collect. */
  | 'APPROVAL_REQUIRED'
  /** An approver rejected the call, or too few approved before the request expired. */
  | 'NOT_APPROVED'
  /** The plan changed after it was approved: the approvals do not cover what would run now. */
  | 'APPROVAL_STALE'
  /** The person did not confirm. */
  | 'DECLINED'
  /** MFA is required but no key is configured. */
  | 'MFA_UNAVAILABLE'
  /** The person's code was not accepted. */
  | 'MFA_FAILED'
  /** The planner named a tool that does not exist. */
  | 'UNKNOWN_TOOL';

/** A refusal as policy rules return it: a stable code and the reason people and the model read. */
export interface Refusal {
  code: ErrorCode;
  reason: string;
}

export interface ErrorDetails {
  /** The resource the failure concerns: an ARN, `namespace/kind/name`, a config path. */
  resource?: string;
  /** Valid options the caller could use instead (environments, versions, target groups...). */
  options?: readonly string[];
  /** Upstream error code or HTTP status, as the upstream reported it. */
  upstream?: string;
  /** Free-form structured facts (expected vs actual weights, holder of a lock...). */
  facts?: Record<string, unknown>;
}

/** Base class of every error Jarvis raises on purpose. `code` is stable and safe to branch on. */
export class JarvisError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JarvisError';
    this.code = code;
    this.details = details;
  }

  /** A compact, JSON-safe view for tool results and logs (never includes the cause's stack). */
  toJSON(): { code: ErrorCode; message: string } & ErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** The configuration is invalid; `problems` lists every one of them with its path and fix. */
export class ConfigError extends JarvisError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source: string) {
    super(
      'CONFIG_INVALID',
      `Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        resource: source,
      },
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The state read back differs from the state the caller expected: someone else wrote, or a write did not take. */
export class DriftError extends JarvisError {
  constructor(resource: string, expected: unknown, actual: unknown, hint: string) {
    super(
      'DRIFT',
      `State of ${resource} differs from what was expected: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}. ${hint}`,
      { resource, facts: { expected, actual } },
    );
    this.name = 'DriftError';
  }
}

/** True when `err` is a JarvisError with one of the given codes. */
export function isJarvisError(err: unknown, ...codes: ErrorCode[]): err is JarvisError {
  return err instanceof JarvisError && (codes.length === 0 || codes.includes(err.code));
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
