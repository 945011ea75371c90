import type { LoadedConfig } from '../config.js';

/** Why `env` (and `service` in it) is not a known target, listing the valid ones; undefined when it is. */
export function unknownTarget(config: LoadedConfig, env: string, service?: string): string | undefined {
  const environment = Object.hasOwn(config.environments, env) ? config.environments[env] : undefined;
  if (!environment) {
    return `Unknown environment "${env}". Known environments: ${config.order.join(', ')}.`;
  }
  if (service !== undefined && !Object.hasOwn(environment.services, service)) {
    return `Unknown service "${service}" in ${env}. Services there: ${Object.keys(environment.services).join(', ')}.`;
  }
  return undefined;
}
