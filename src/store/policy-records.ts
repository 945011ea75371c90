/**
 * What the release policy keeps in the store so that every replica sees it: approvals (bound to the hash
 * of the exact plan they approve, and expiring), the approval questions waiting for an answer, and
 * freezes set by admins.
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

/**
 * A question asking people to approve one plan, as posted in Slack. Any replica that receives a press of
 * its buttons answers it from this record, whichever replica asked it and waits for the answer.
 */
export interface NewApprovalQuestion {
  /** The question's id: the value of its buttons. */
  id: string;
  /** The hash of the plan it asks to approve. */
  planHash: string;
  tool: string;
  env: string;
  service: string;
  requester: string;
  /** What it asks to approve, as the question shows it. */
  summary: string;
  /** How many approvals the plan needs in all. */
  required: number;
  channel: string;
  /** The thread it was asked in; undefined: none. */
  threadTs: string | undefined;
  /** The question's own message: a press counts only from it. */
  messageTs: string;
  at: number;
  /** Its buttons stop working at this time. */
  expiresAt: number;
}

/** approved, rejected: by a person; withdrawn: by the replica that asked (it expired, or it stopped). */
export type QuestionAnswerKind = 'approved' | 'rejected' | 'withdrawn';

export interface QuestionAnswer {
  kind: QuestionAnswerKind;
  /** The person who answered; for `withdrawn`, why (`expired`, `stopped`...). */
  by: string;
  at: number;
  /** For `approved`: when the approval recorded with the answer stops counting. */
  approvalExpiresAt?: number | undefined;
}

export interface ApprovalQuestion extends NewApprovalQuestion {
  /** Undefined while the question is open. */
  answer: { kind: QuestionAnswerKind; by: string; at: number } | undefined;
}

/**
 * The outcome of {@link PolicyRecordStore.answerApprovalQuestion}: answered, or why not (`unknown`: no such
 * question; `answered`: someone answered it first; `expired`: its buttons no longer work;
 * `already-approved`: the approver already approved this plan).
 */
export type AnswerResult =
  | { ok: true; question: ApprovalQuestion }
  | {
      ok: false;
      reason: 'unknown' | 'answered' | 'expired' | 'already-approved';
      question: ApprovalQuestion | undefined;
    };

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
  /**
   * Records an approval question that was just posted. Rejects with CONFLICT when a question with its id
   * exists. Questions that expired a day before `question.at` are forgotten on the way.
   */
  openApprovalQuestion(question: NewApprovalQuestion): Promise<void>;
  /** The question with this id, answered or not; undefined when there is none. */
  approvalQuestion(id: string): Promise<ApprovalQuestion | undefined>;
  /**
   * Answers the open question `id`, atomically, so that it is answered once whichever replicas receive
   * presses of its buttons. `approved` and `rejected` need the question open and not expired at
   * `answer.at`; `approved` also records an approval of the question's plan by `answer.by` (expiring at
   * `answer.approvalExpiresAt`) in the same transaction, and is refused when `answer.by` already holds a
   * usable approval of that plan. `withdrawn` closes an open question, expired or not. Nothing is written
   * when it resolves with `ok: false`.
   */
  answerApprovalQuestion(id: string, answer: QuestionAnswer): Promise<AnswerResult>;
  /** Records a freeze of `env`. */
  putFreeze(freeze: NewFreeze): Promise<StoredFreeze>;
  /** Lifts every stored freeze of `env` in force at `now`; resolves with how many were lifted. */
  liftFreezes(env: string, actor: string, now: number): Promise<number>;
  /** Stored freezes of `env` in force at `now` (not lifted, `until` after `now`), newest first. */
  activeFreezes(env: string, now: number): Promise<StoredFreeze[]>;
}
