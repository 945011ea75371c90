/**
 * What the release policy keeps in the store so that every replica sees it: approvals (bound to the hash
 * of the exact plan they approve, and expiring) and freezes set by admins.
 */

export interface NewApproval {
  /** The hash of the plan approved (tool, environment, service, version, steps, requester). */
  planHash: string;
  tool: string;
  env: string;
  service: string;
  requester: string;
  approver: string;
  at: number;
  expiresAt: number;
}

export interface ApprovalRecord extends NewApproval {
  id: number;
  /** When the write it approved ran; undefined while it may still be used. */
  usedAt: number | undefined;
}

export interface NewFreeze {
  env: string;
  reason: string;
  actor: string;
  at: number;
  /** When it ends by itself; undefined: until someone unfreezes. */
  until: number | undefined;
}

export interface StoredFreeze extends NewFreeze {
  id: number;
}

export interface PolicyRecordStore {
  /**
   * Records `approval`. Resolves false (and records nothing) when the approver already approved this plan
   * and that approval is still usable: each approver counts once.
   */
  recordApproval(approval: NewApproval): Promise<boolean>;
  /** Approvals of `planHash` not yet used and not expired at `now`, oldest first. */
  approvalsFor(planHash: string, now: number): Promise<ApprovalRecord[]>;
  /** Marks the usable approvals of `planHash` used at `now`, atomically; resolves with them. */
  consumeApprovals(planHash: string, now: number): Promise<ApprovalRecord[]>;
  /** Records a freeze of `env`. */
  putFreeze(freeze: NewFreeze): Promise<StoredFreeze>;
  /** Lifts every stored freeze of `env` in force at `now`; resolves with how many were lifted. */
  liftFreezes(env: string, actor: string, now: number): Promise<number>;
  /** Stored freezes of `env` in force at `now` (not lifted, `until` after `now`), newest first. */
  activeFreezes(env: string, now: number): Promise<StoredFreeze[]>;
}
