import { environmentOf, policyOf, type LoadedConfig, type Role } from '../config.js';
import type { Refusal } from '../errors.js';
import type { Store } from '../store/store.js';
import type { CallTarget, Tool } from '../tools/tool.js';
import { roleAtLeast } from './rbac.js';
import { approvalRule } from './release/approvers.js';
import { channelProblem } from './release/channels.js';
import { freezeEnd, freezeInForce } from './release/freezes.js';
import { promotionOrderProblem, rollbackVersionCheck, upstreamCheck } from './release/order.js';
import { originOf, type Actor, type ApprovalRule } from './types.js';

/**
 * Every release rule, once (DESIGN.md, "policies/"): promotion order, previous-environment success,
 * rollback eligibility, approvers, freezes and channel guardrails. The gate asks {@link ReleasePolicy}
 * about a write; the rollout engine's pre-checks call the same rule functions exported here.
 */
export {
  approvalRule,
  approvalSettings,
  approverProblem,
  planHash,
  type ApprovalRequest,
  type ApprovedPlan,
} from './release/approvers.js';
export { channelProblem, writeOrigins } from './release/channels.js';
export { freezeEnd, freezeInForce, windowFreeze, type ActiveFreeze } from './release/freezes.js';
export {
  orderText,
  promotionOrderProblem,
  rollbackVersionCheck,
  upstreamCheck,
  type RollbackVersionCheck,
  type UpstreamCheck,
} from './release/order.js';

/** A write the gate has parsed and resolved to a target. */
export interface WriteCall {
  actor: Actor;
  tool: Pick<Tool, 'name' | 'effect' | 'minRole'>;
  target: CallTarget & { env: string };
}

/** What the release policy says about a write: refused, or allowed with what it still needs. */
export type WriteVerdict =
  | { ok: false; refusal: Refusal }
  | {
      ok: true;
      /** Approvals the write needs; undefined: none. */
      approvals: ApprovalRule | undefined;
      /** Let through a freeze by an admin: MFA is then required whatever the environment says. */
      breakGlass: { reason: string; freeze: string } | undefined;
    };

export interface ReleasePolicyDeps {
  config: LoadedConfig;
  store: Store;
  /** Wall time in ms (default `Date.now`): freezes and approvals are calendar time, not the sandbox's. */
  wallNow?: () => number;
}

/** The release rules applied to one write, in the order people expect to hear about them. */
export class ReleasePolicy {
  private readonly config: LoadedConfig;
  private readonly store: Store;
  readonly wallNow: () => number;

  constructor(deps: ReleasePolicyDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.wallNow = deps.wallNow ?? Date.now;
  }

  /**
   * The verdict on `call`. Stopping a change (abort, pause) skips the guardrail, freezes, promotion rules
   * and approvals; a rollback skips the promotion rules and, to a known-good version, freezes; freeze
   * tools skip freezes, promotion rules and approvals. Rejects only when the store cannot answer.
   */
  async checkWrite(call: WriteCall): Promise<WriteVerdict> {
    const { actor, tool, target } = call;
    const { env, service } = target;
    const refuse = (refusal: Refusal): WriteVerdict => ({ ok: false, refusal });
    const policy =
      service === undefined ? environmentOf(this.config, env).policy : policyOf(this.config, env, service);
    const needed: Role =
      tool.minRole && !roleAtLeast(policy.writeRole, tool.minRole) ? tool.minRole : policy.writeRole;
    if (!roleAtLeast(actor.role, needed)) {
      return refuse({
        code: 'ROLE_REQUIRED',
        reason: `${tool.minRole === needed ? `${tool.name} needs` : `Writing to ${service ?? env} in ${env} needs`} the role ${needed}; ${actor.id} is ${actor.role}.`,
      });
    }
    const effect = tool.effect;
    if (effect === 'stops') return { ok: true, approvals: undefined, breakGlass: undefined };

    const guard = channelProblem(this.config, env, service, originOf(actor));
    if (guard) return refuse(guard);

    let knownGood = effect === 'reverts' && target.version === undefined;
    // A named rollback target is refused by the tool's plan (with the state it reads), through the same
    // rule; here the rule only says whether the target is known good, which a freeze lets through.
    if (effect === 'reverts' && target.version !== undefined && service !== undefined) {
      const check = await rollbackVersionCheck(this.config, this.store, env, service, target.version);
      knownGood = check.ok && check.knownGood;
    }

    let breakGlass: { reason: string; freeze: string } | undefined;
    if (effect !== 'guards' && !knownGood) {
      const freeze = await freezeInForce(this.config, this.store, env, service, this.wallNow());
      if (freeze && target.breakGlass === undefined) {
        return refuse({
          code: 'FROZEN',
          reason: `${env} is frozen${service ? ` for ${service}` : ''}: ${freeze.reason} (${freezeEnd(freeze)}). Abort, pause and rollback to the last known-good version still work; an admin may break the glass with a reason and an MFA code.`,
        });
      }
      if (freeze) {
        if (actor.role !== 'admin') {
          return refuse({
            code: 'BREAK_GLASS_REFUSED',
            reason: `${env} is frozen (${freeze.reason}); only an admin may break the glass, and ${actor.id} is ${actor.role}.`,
          });
        }
        breakGlass = { reason: target.breakGlass!, freeze: freeze.reason };
      }
    }
    if (effect === 'guards' || service === undefined) {
      return { ok: true, approvals: undefined, breakGlass };
    }

    if (effect !== 'reverts') {
      if (target.fromEnv !== undefined) {
        const order = promotionOrderProblem(this.config, target.fromEnv, env);
        if (order) return refuse(order);
      }
      if (target.version !== undefined) {
        const upstream = await upstreamCheck(this.config, this.store, env, service, target.version, {
          promotion: target.fromEnv !== undefined,
        });
        if (upstream.refusal) return refuse(upstream.refusal);
      }
    }
    return { ok: true, approvals: approvalRule(this.config, env, service, actor.id), breakGlass };
  }
}
