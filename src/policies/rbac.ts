import type { LoadedConfig, Role } from '../config.js';

/** Roles from least to most powerful; a role may do whatever the roles before it may. */
export const ROLES: readonly Role[] = ['viewer', 'deployer', 'admin'];

/**
 * The role of an actor id under `config.access`: the role listed for the id in `users`, else
 * `defaultRole`. Ids are compared exactly (Slack user ids, REPL login names), never as display names.
 */
export function roleOf(config: LoadedConfig, actorId: string): Role {
  return Object.hasOwn(config.access.users, actorId)
    ? (config.access.users[actorId] ?? config.access.defaultRole)
    : config.access.defaultRole;
}

/** True when `role` is `least` or more powerful (viewer < deployer < admin). */
export function roleAtLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}
