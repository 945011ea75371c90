import { policyOf, type LoadedConfig, type Role } from '../config.js';
import { messageOf } from '../errors.js';
import { roleAtLeast, roleOf } from './rbac.js';

/** A running rollout as far as its controls care: where it writes and who started it. */
export interface ControlledRollout {
  env: string;
  service: string;
  /** The actor id that started it (the deployment's `actor`). */
  requester: string;
}

/**
 * Why `userId` may not stop, pause or resume `rollout`, or undefined when they may: the person who
 * started it may, and so may anyone whose own role (looked up in `config.access`) may write to that
 * service there. A viewer never may. This decides who may press a control; the gate still decides the
 * call itself. Never throws: an unknown environment or service is a reason too.
 */
export function controlProblem(
  config: LoadedConfig,
  rollout: ControlledRollout,
  userId: string,
): string | undefined {
  if (userId === rollout.requester) return undefined;
  let writeRole: Role;
  try {
    writeRole = policyOf(config, rollout.env, rollout.service).writeRole;
  } catch (err) {
    return messageOf(err);
  }
  const role = roleOf(config, userId);
  if (role !== 'viewer' && roleAtLeast(role, writeRole)) return undefined;
  const needed = writeRole === 'viewer' ? 'deployer' : writeRole;
  return `${userId} is ${role}; controlling a rollout of ${rollout.service} in ${rollout.env} started by someone else needs the role ${needed}.`;
}
