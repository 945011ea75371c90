import type { RolloutResult } from '../rollout/engine.js';

/** The structured result of a rollout, as tools return it. */
export function describeRollout(result: RolloutResult): Record<string, unknown> {
  const d = result.deployment;
  return {
    deploymentId: d.id,
    env: d.env,
    service: d.service,
    version: d.version,
    colour: d.colour,
    previousVersion: d.previousVersion ?? null,
    strategy: d.strategy,
    status: d.status,
    reason: d.reason ?? null,
    durationSeconds: d.durationMs === undefined ? null : Math.round(d.durationMs / 1000),
    checks: result.checks,
  };
}
