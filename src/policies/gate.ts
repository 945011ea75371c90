import type { Clock } from '../clock.js';
import { environmentOf, policyOf, type LoadedConfig, type Policy } from '../config.js';
import { isJarvisError, messageOf, type ErrorCode } from '../errors.js';
import type { Store } from '../store/store.js';
import type { CallTarget, Tool } from '../tools/tool.js';
import { unknownTarget } from './environments.js';
import { ReleasePolicy } from './release.js';
import type { Actor, Decision, Requirements } from './types.js';

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
   * `mfaTtlSeconds`, freeze windows and approvals are measured. It is the time base MfaService records verifications in; a scaled
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
  private readonly release: ReleasePolicy;

  constructor(deps: PolicyGateDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.wallNow = deps.wallNow ?? Date.now;
    this.release = new ReleasePolicy({ config: deps.config, store: deps.store, wallNow: this.wallNow });
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
      return deny(isJarvisError(err) ? err.code : 'INTERNAL', `Cannot check ${tool.name}: ${messageOf(err)}`);
    }
  }

  private async decideOrThrow(actor: Actor, tool: Tool, input: unknown): Promise<Decision> {
    const parsed = tool.input.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
      return deny('INVALID_INPUT', `Invalid input for ${tool.name}: ${issues.join('; ')}.`);
    }
    if (tool.risk === 'read') return { kind: 'allow', reason: `${tool.name} only reads` };

    // PagerDuty-triggered work is read-only whatever the channel sets, as a second line of defence.
    if (actor.readOnly === true || actor.channel === 'pagerduty') {
      return deny('READ_ONLY', 'read-only actor: PagerDuty-triggered work may only read');
    }
    if (actor.role === 'viewer') {
      return deny(
        'ROLE_REQUIRED',
        `${actor.id} has the role viewer, which may only read. An admin can grant deployer in access.users.`,
      );
    }

    let target: CallTarget;
    try {
      target = tool.target(parsed.data, this.config);
    } catch (err) {
      return deny(isJarvisError(err) ? err.code : 'INVALID_INPUT', messageOf(err));
    }
    const { env, service } = target;
    const envOnly = tool.effect === 'guards';
    if (env === undefined || (service === undefined && !envOnly)) {
      return deny('INVALID_INPUT', `${tool.name} must name an environment and a service to write to.`);
    }
    const unknown =
      unknownTarget(this.config, env, service) ??
      (target.fromEnv === undefined ? undefined : unknownTarget(this.config, target.fromEnv));
    if (unknown) return deny('NOT_FOUND', unknown);

    const verdict = await this.release.checkWrite({ actor, tool, target: { ...target, env } });
    if (!verdict.ok) return deny(verdict.refusal.code, verdict.refusal.reason);

    const policy =
      service === undefined ? environmentOf(this.config, env).policy : policyOf(this.config, env, service);
    // Stopping a change (abort, pause) returns to or holds the verified state: it needs neither an MFA
    // code nor a second person, only the person's own confirmation. Breaking the glass always needs MFA.
    const stops = tool.effect === 'stops';
    const mfaWanted = verdict.breakGlass !== undefined || (!stops && policy.requireMfa);
    const needs: Requirements = {
      confirm: true,
      mfa:
        mfaWanted && (verdict.breakGlass !== undefined || !(await this.mfaStillValid(actor.id, env, policy))),
      approval: verdict.approvals !== undefined,
    };
    return {
      kind: 'ask',
      needs,
      summary: tool.summary(parsed.data, this.config),
      reason: `${tool.name} writes to ${service ?? 'the policy'} in ${env}: needs ${describeNeeds(needs, verdict.approvals?.required)}`,
      ...(verdict.approvals ? { approvals: verdict.approvals } : {}),
      ...(verdict.breakGlass ? { breakGlass: verdict.breakGlass } : {}),
    };
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

function deny(code: ErrorCode, reason: string): Decision {
  return { kind: 'deny', code, reason };
}

function describeNeeds(needs: Requirements, approvals: number | undefined): string {
  const parts = ['a confirmation'];
  if (needs.mfa) parts.push('an MFA code');
  if (needs.approval) {
    parts.push(
      approvals && approvals > 1 ? `${approvals} other people's approvals` : "a second person's approval",
    );
  }
  return parts.join(', ');
}
