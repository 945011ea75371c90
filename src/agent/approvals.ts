import { serviceOf, type LoadedConfig } from '../config.js';
import { messageOf, type ErrorCode } from '../errors.js';
import { planHash, type ApprovedPlan } from '../policies/release.js';
import type { Logger } from '../logger.js';
import type { Actor, ApprovalRule, Decision } from '../policies/types.js';
import type { Store } from '../store/store.js';
import type { CallTarget, Tool, ToolContext } from '../tools/tool.js';
import { askQuestion } from './approval-questions.js';
import type { Interaction } from './types.js';

/** What the loop's approval steps need. */
export interface ApprovalDeps {
  config: LoadedConfig;
  store: Store;
  wallNow: () => number;
}

/** Why a call did not run, as the loop reports it. */
export interface Refused {
  outcome: 'denied' | 'declined';
  code: ErrorCode;
  message: string;
}

/** The plan an approval is bound to: the call, its target, the service's steps and the tool's own plan. */
export function approvedPlan(
  config: LoadedConfig,
  tool: string,
  target: CallTarget,
  plan: unknown,
  requester: string,
): ApprovedPlan {
  const env = target.env ?? '';
  const service = target.service ?? '';
  let steps: readonly number[] = [];
  try {
    steps = serviceOf(config, env, service).steps;
  } catch {
    // Unknown targets never reach approvals (the gate refused them); no steps bind nothing extra.
  }
  return { tool, env, service, version: target.version, fromEnv: target.fromEnv, steps, plan, requester };
}

export interface ApprovalWork {
  store: Store;
  io: Interaction;
  requester: Actor;
  tool: string;
  summary: string;
  rule: ApprovalRule;
  hash: string;
  wallNow: () => number;
  /** How often the store is looked at for an answer given through another replica (see askQuestion). */
  pollMs?: number | undefined;
  logger?: Logger | undefined;
}

/**
 * Collects approvals of the plan `hash` until `rule.required` distinct eligible people approved it, each
 * kept in the store (bound to the hash, expiring after `rule.ttlSeconds`) so that any replica sees them.
 * Approvals already held for the same plan count, and each question may be answered through any replica
 * (see askQuestion). Resolves with the approvers, or with why not.
 */
export async function collectApprovals(w: ApprovalWork): Promise<{ approvers: string[] } | Refused> {
  for (;;) {
    const held = await w.store.approvalsFor(w.hash, w.wallNow());
    const approvers = held.map((a) => a.approver);
    if (approvers.length >= w.rule.required) return { approvers };
    if (!w.io.approval) {
      return {
        outcome: 'denied',
        code: 'APPROVAL_REQUIRED',
        message: `This action needs ${w.rule.required} approval${w.rule.required > 1 ? 's' : ''} by other people, which this channel cannot collect; ask in Slack.`,
      };
    }
    const answer = await askQuestion({
      store: w.store,
      io: w.io,
      rule: w.rule,
      hash: w.hash,
      tool: w.tool,
      ask: {
        summary: w.summary,
        requester: w.requester,
        required: w.rule.required,
        approvers,
        eligible: (user) => w.rule.problem(user, approvers)?.reason,
      },
      wallNow: w.wallNow,
      pollMs: w.pollMs,
      logger: w.logger,
    });
    if (!answer.approved) {
      return {
        outcome: 'declined',
        code: 'NOT_APPROVED',
        message: answer.approver
          ? `${answer.approver} did not approve this action; nothing was changed.`
          : 'The approver did not approve this action (or nobody did in time); nothing was changed.',
      };
    }
    // Recorded with the answer, under the same rule (this replica's or the one that took the press).
    if (answer.recorded) continue;
    // The channel collected the answer; the policy decides once more whether it counts.
    const problem = w.rule.problem(answer.approver, approvers);
    if (problem) return { outcome: 'denied', code: problem.code, message: problem.reason };
    const now = w.wallNow();
    await w.store.recordApproval({
      planHash: w.hash,
      tool: w.tool,
      env: w.rule.env,
      service: w.rule.service,
      requester: w.requester.id,
      approver: answer.approver!,
      at: now,
      expiresAt: now + w.rule.ttlSeconds * 1000,
    });
  }
}

/**
 * Uses the approvals of `hash` for the write about to run: refused (APPROVAL_STALE) when the plan now
 * differs from the approved one, or when they expired meanwhile. Resolves with the approvers.
 */
export async function useApprovals(
  w: Pick<ApprovalWork, 'store' | 'rule' | 'hash' | 'wallNow'>,
  currentHash: string,
): Promise<{ approvers: string[] } | Refused> {
  if (currentHash !== w.hash) {
    return {
      outcome: 'denied',
      code: 'APPROVAL_STALE',
      message:
        'What this action would do changed after it was approved, so the approvals do not cover it; nothing was changed. Ask again to have the new plan approved.',
    };
  }
  const valid = await w.store.approvalsFor(w.hash, w.wallNow());
  if (valid.length < w.rule.required) {
    return {
      outcome: 'denied',
      code: 'APPROVAL_STALE',
      message: `The approvals of this action expired before it ran (${valid.length} of ${w.rule.required} still valid); nothing was changed. Ask again.`,
    };
  }
  const used = await w.store.consumeApprovals(w.hash, w.wallNow());
  return { approvers: used.map((a) => a.approver) };
}

/** Collects the approvals an `ask` needs, bound to the plan's hash; `hash` is unset when none are. */
export async function approveCall(
  d: ApprovalDeps,
  decision: Decision,
  tool: Tool,
  input: unknown,
  actor: Actor,
  io: Interaction,
  plan: unknown,
): Promise<{ refusal?: Refused; hash?: string }> {
  if (decision.kind !== 'ask' || !decision.needs.approval || !decision.approvals) return {};
  const target = tool.target(input as never, d.config);
  const hash = planHash(approvedPlan(d.config, tool.name, target, plan, actor.id));
  try {
    const got = await collectApprovals({
      store: d.store,
      io,
      requester: actor,
      tool: tool.name,
      summary: decision.summary,
      rule: decision.approvals,
      hash,
      wallNow: d.wallNow,
    });
    return 'code' in got ? { refusal: got } : { hash };
  } catch (err) {
    return {
      refusal: {
        outcome: 'denied',
        code: 'UNAVAILABLE',
        message: `Approvals could not be kept: ${messageOf(err)}`,
      },
    };
  }
}

/**
 * Right before an approved write runs: works its plan out again and uses the approvals of exactly that
 * plan (APPROVAL_STALE when the plan changed or they expired meanwhile).
 */
export async function stillApproved(
  d: ApprovalDeps,
  decision: Decision,
  tool: Tool,
  input: unknown,
  ctx: ToolContext,
  actor: Actor,
  hash: string,
): Promise<{ approvers: string[] } | Refused> {
  if (decision.kind !== 'ask' || !decision.approvals) return { approvers: [] };
  try {
    const plan = tool.plan ? (await tool.plan(ctx, input as never)).plan : ctx.plan;
    const target = tool.target(input as never, d.config);
    const now = planHash(approvedPlan(d.config, tool.name, target, plan, actor.id));
    return await useApprovals({ store: d.store, rule: decision.approvals, hash, wallNow: d.wallNow }, now);
  } catch (err) {
    return {
      outcome: 'denied',
      code: 'APPROVAL_STALE',
      message: `The approved plan could not be checked again: ${messageOf(err)}`,
    };
  }
}
