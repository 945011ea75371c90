import { createHash } from 'node:crypto';
import { policyOf, type ApprovalsSettings, type LoadedConfig, type Role } from '../../config.js';
import { messageOf, type Refusal } from '../../errors.js';
import { ROLES, roleAtLeast, roleOf } from '../rbac.js';
import type { ApprovalRule } from '../types.js';

/**
 * The approvals a write to `service` in `env` needs, or undefined when it needs none: `approvals` as
 * configured, or one approval by anyone allowed to write there for `requireApproval: true`.
 */
export function approvalSettings(
  config: LoadedConfig,
  env: string,
  service: string,
): ApprovalsSettings | undefined {
  const policy = policyOf(config, env, service);
  if (policy.approvals) return policy.approvals;
  return policy.requireApproval ? { required: 1, from: [], ttlSeconds: 900 } : undefined;
}

/** The approval rule of one write by `requester`, or undefined when none is needed. */
export function approvalRule(
  config: LoadedConfig,
  env: string,
  service: string,
  requester: string,
): ApprovalRule | undefined {
  const settings = approvalSettings(config, env, service);
  if (!settings) return undefined;
  return {
    env,
    service,
    required: settings.required,
    ttlSeconds: settings.ttlSeconds,
    problem: (approver, already) => approverProblem(config, { requester, env, service }, approver, already),
  };
}

/** What is being approved: a write to `service` in `env`, requested by `requester` (an actor id). */
export interface ApprovalRequest {
  requester: string;
  env: string;
  service: string;
}

/**
 * Why `approverId` may not approve `request` (FORBIDDEN; NOT_FOUND for an unknown target), or undefined
 * when they may. An approver is a person other than the requester and other than a system actor (`pagerduty`), who
 * has not approved this plan already, whose own role (looked up in `config.access`, never taken from the
 * channel) may write there, and who is in `approvals.from` when that lists anyone. Never throws.
 */
export function approverProblem(
  config: LoadedConfig,
  request: ApprovalRequest,
  approverId: string | undefined,
  already: readonly string[] = [],
): Refusal | undefined {
  const refuse = (reason: string): Refusal => ({ code: 'FORBIDDEN', reason });
  if (approverId === undefined || approverId.trim() === '')
    return refuse('Nobody approved: an approval needs a second person.');
  if (approverId === request.requester) {
    return refuse(
      `${approverId} asked for this change and cannot approve it too: a second person must approve.`,
    );
  }
  if (approverId === 'pagerduty') return refuse('PagerDuty cannot approve a change: a second person must.');
  if (already.includes(approverId)) {
    return refuse(`${approverId} already approved this change: another person must approve it too.`);
  }
  let writeRole: Role;
  let settings: ApprovalsSettings | undefined;
  try {
    writeRole = policyOf(config, request.env, request.service).writeRole;
    settings = approvalSettings(config, request.env, request.service);
  } catch (err) {
    return { code: 'NOT_FOUND', reason: messageOf(err) };
  }
  const role = roleOf(config, approverId);
  if (role === 'viewer' || !roleAtLeast(role, writeRole)) {
    return refuse(
      `${approverId} is ${role}; approving a write to ${request.service} in ${request.env} needs the role ${writeRole === 'viewer' ? 'deployer' : writeRole}.`,
    );
  }
  const from = settings?.from ?? [];
  if (from.length > 0 && !from.some((entry) => inEntry(config, entry, approverId, role))) {
    return refuse(
      `${approverId} is not among those who may approve writes to ${request.service} in ${request.env} (${from.join(', ')}).`,
    );
  }
  return undefined;
}

/** True when `approver` is meant by an `approvals.from` entry: a role (or above), a group, or the id. */
function inEntry(config: LoadedConfig, entry: string, approver: string, role: Role): boolean {
  if ((ROLES as readonly string[]).includes(entry)) return roleAtLeast(role, entry as Role);
  const group = Object.hasOwn(config.access.groups, entry) ? config.access.groups[entry] : undefined;
  if (group) return group.includes(approver);
  return entry === approver;
}

/** Everything an approval is bound to: a change of any of it needs new approvals. */
export interface ApprovedPlan {
  tool: string;
  env: string;
  service: string;
  version: string | undefined;
  fromEnv: string | undefined;
  /** The traffic steps the write will take (the service's configured steps). */
  steps: readonly number[];
  /** The tool's own plan (what a rollback will switch), when it has one. */
  plan: unknown;
  requester: string;
}

/** The hash an approval is bound to: SHA-256 of the plan's canonical JSON. */
export function planHash(plan: ApprovedPlan): string {
  return createHash('sha256').update(canonical(plan)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
