import { previousEnvironment, type LoadedConfig } from '../config.js';

/**
 * Promotion-order and target checks of the gate. Each returns a reason when the call must be refused and
 * undefined when it may go on; none throws, so the gate can stay a function that always decides.
 */

/** The promotion order as people read it: `dev → tst → prd`. */
export function orderText(config: LoadedConfig): string {
  return config.order.join(' → ');
}

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

/**
 * Why promoting from `from` into `to` breaks the promotion order; undefined when `from` is the environment
 * right before `to`. Skipping an environment (dev → prd) or going backwards is refused.
 */
export function promotionOrderProblem(config: LoadedConfig, from: string, to: string): string | undefined {
  const previous = previousEnvironment(config, to);
  if (previous === undefined) {
    return `${to} is the first environment of the promotion order (${orderText(config)}); nothing is promoted into it. Deploy to it instead.`;
  }
  if (from !== previous) {
    return `Promotion follows the order ${orderText(config)}: ${to} takes versions from ${previous}, not from ${from}. Promote from ${previous} to ${to}.`;
  }
  return undefined;
}
