import type { Clock } from '../clock.js';
import { policyOf, previousEnvironment, type LoadedConfig, type Policy } from '../config.js';
import { messageOf } from '../errors.js';
import type { Store } from '../store/store.js';
import type { CallTarget, Tool } from '../tools/tool.js';
import { promotionOrderProblem, unknownTarget } from './environments.js';
import { roleAtLeast } from './rbac.js';
import type { Actor, Decision, Requirements } from './types.js';

/** The one tool exempt from the promotion checks: going back must never wait for another environment. */
const ROLLBACK_TOOL = 'rollback_service';

export interface PolicyGateDeps {
  config: LoadedConfig;
  store: Store;
  /**
   * The release clock Jarvis runs on (scaled in the sandbox). Today's rules do not read it: MFA validity
   * is wall time, see `wallNow`.
   */
  clock: Clock;
  /**
   * Real wall time in ms (default `Date.now`), against which an earlier MFA verification's
   * `mfaTtlSeconds` is measured. It is the time base MfaService records verifications in; a scaled
   * sandbox clock would make a five-minute validity last five seconds.
   */
  wallNow?: () => number;
}

/**
 * Decides, outside the model, whether a tool call may run (DESIGN.md, "Security model"). It reads only
 * the actor (established by the channel), the tool's risk, name and schema, the call's target, the
 * configuration and the store: tool inputs carry no field that could claim MFA or approval, and an input
 * with any field the tool's strict schema does not know is refused.
 */
export class PolicyGate {
  private readonly config: LoadedConfig;
  private readonly store: Store;
  private readonly wallNow: () => number;

  constructor(deps: PolicyGateDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.wallNow = deps.wallNow ?? Date.now;
  }

  /**
   * The decision on `tool` called with `input` by `actor`. Never rejects: any failure (an input the
   * schema refuses, a target that cannot be resolved, a store error) becomes a `deny` whose reason says
   * why. Read tools are allowed for everyone with a valid input; a write that passes every rule is an
   * `ask`: always a confirmation, plus MFA and a second person's approval where the policy wants them.
   */
  async decide(actor: Actor, tool: Tool, input: unknown): Promise<Decision> {
    try {
      return await this.decideOrThrow(actor, tool, input);
    } catch (err) {
      return deny(`Cannot check ${tool.name}: ${messageOf(err)}`);
    }
  }

  private async decideOrThrow(actor: Actor, tool: Tool, input: unknown): Promise<Decision> {
    const parsed = tool.input.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
      return deny(`Invalid input for ${tool.name}: ${issues.join('; ')}.`);
    }
    if (tool.risk === 'read') return { kind: 'allow', reason: `${tool.name} only reads` };

    // PagerDuty-triggered work is read-only whatever the channel sets, as a second line of defence.
    if (actor.readOnly === true || actor.channel === 'pagerduty') {
      return deny('read-only actor: PagerDuty-triggered work may only read');
    }
    if (actor.role === 'viewer') {
      return deny(
        `${actor.id} has the role viewer, which may only read. An admin can grant deployer in access.users.`,
      );
    }

    let target: CallTarget;
    try {
      target = tool.target(parsed.data, this.config);
    } catch (err) {
      return deny(messageOf(err));
    }
    const { env, service } = target;
    if (env === undefined || service === undefined) {
      return deny(`${tool.name} must name an environment and a service to write to.`);
    }
    const unknown =
      unknownTarget(this.config, env, service) ??
      (target.fromEnv === undefined ? undefined : unknownTarget(this.config, target.fromEnv));
    if (unknown) return deny(unknown);

    const policy = policyOf(this.config, env, service);
    if (!roleAtLeast(actor.role, policy.writeRole)) {
      return deny(
        `Writing to ${service} in ${env} needs the role ${policy.writeRole}; ${actor.id} is ${actor.role}.`,
      );
    }
    // Stopping a change (abort, pause) returns to or holds the verified state: it is never refused for a
    // freeze, and needs neither an MFA code nor a second person, only the person's own confirmation.
    const stops = tool.effect === 'stops';
    if (policy.freeze !== undefined && !stops)
      return deny(`${env} is frozen for ${service}: ${policy.freeze}`);

    if (tool.name !== ROLLBACK_TOOL && !stops) {
      const order = await this.promotionProblem(target, env, service, policy);
      if (order) return deny(order);
    }

    const needs: Requirements = {
      confirm: true,
      mfa: !stops && policy.requireMfa && !(await this.mfaStillValid(actor.id, env, policy)),
      approval: !stops && policy.requireApproval,
    };
    return {
      kind: 'ask',
      needs,
      summary: tool.summary(parsed.data, this.config),
      reason: `${tool.name} writes to ${service} in ${env}: needs ${describeNeeds(needs)}`,
    };
  }

  /** Why the call breaks the promotion order or skips an environment; undefined when it does not. */
  private async promotionProblem(
    target: CallTarget,
    env: string,
    service: string,
    policy: Policy,
  ): Promise<string | undefined> {
    if (target.fromEnv !== undefined) {
      const order = promotionOrderProblem(this.config, target.fromEnv, env);
      if (order) return order;
    }
    const previous = previousEnvironment(this.config, env);
    if (!policy.requirePreviousEnvSuccess || target.version === undefined || previous === undefined) {
      return undefined;
    }
    const succeeded = await this.store.lastSuccessful(previous, service, target.version);
    return succeeded
      ? undefined
      : `${service} ${target.version} has not succeeded in ${previous}, and ${env} only takes versions that did: deploy it to ${previous} first.`;
  }

  /**
   * True when `actor` passed MFA in `env` within the policy's `mfaTtlSeconds`. A store failure, or a
   * verification dated in the future (clock skew between replicas), counts as none: ask again.
   */
  private async mfaStillValid(actor: string, env: string, policy: Policy): Promise<boolean> {
    if (policy.mfaTtlSeconds <= 0) return false;
    let last: number | undefined;
    try {
      last = await this.store.lastMfaVerification(actor, env);
    } catch {
      return false;
    }
    if (last === undefined) return false;
    const elapsed = this.wallNow() - last;
    return elapsed >= 0 && elapsed < policy.mfaTtlSeconds * 1000;
  }
}

function deny(reason: string): Decision {
  return { kind: 'deny', reason };
}

function describeNeeds(needs: Requirements): string {
  const parts = ['a confirmation'];
  if (needs.mfa) parts.push('an MFA code');
  if (needs.approval) parts.push("a second person's approval");
  return parts.join(', ');
}
