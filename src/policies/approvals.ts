import { policyOf, type LoadedConfig, type Role } from '../config.js';
import { messageOf } from '../errors.js';
import { roleAtLeast, roleOf } from './rbac.js';
import type { Actor } from './types.js';

/** What is being approved: a write to `service` in `env`, requested by `requester`. */
export interface ApprovalRequest {
  requester: Actor;
  env: string;
  service: string;
}

/**
 * Why `approverId` may not approve `request`, or undefined when they may. An approver is a second person
 * (not the requester, and not a system actor such as `pagerduty`) whose own role, looked up in
 * `config.access` rather than taken from the channel, is allowed to write to that service there. Never
 * throws: an unknown environment or service is a reason too.
 */
export function approverProblem(
  config: LoadedConfig,
  request: ApprovalRequest,
  approverId: string | undefined,
): string | undefined {
  if (approverId === undefined || approverId.trim() === '')
    return 'Nobody approved: an approval needs a second person.';
  if (approverId === request.requester.id) {
    return `${approverId} asked for this change and cannot approve it too: a second person must approve.`;
  }
  if (approverId === 'pagerduty') return 'PagerDuty cannot approve a change: a second person must.';
  let writeRole: Role;
  try {
    writeRole = policyOf(config, request.env, request.service).writeRole;
  } catch (err) {
    return messageOf(err);
  }
  const role = roleOf(config, approverId);
  if (role === 'viewer' || !roleAtLeast(role, writeRole)) {
    return `${approverId} is ${role}; approving a write to ${request.service} in ${request.env} needs the role ${writeRole === 'viewer' ? 'deployer' : writeRole}.`;
  }
  return undefined;
}
