import { previousEnvironment, serviceOf } from '../config.js';
import { JarvisError } from '../errors.js';
import type { Internals } from './internals.js';
import { deploy, type Check, type DeployRequest, type RolloutResult } from './release.js';

export interface PromoteRequest extends Omit<DeployRequest, 'env' | 'strategy'> {
  from: string;
  to: string;
}

/**
 * Promotes `version` from one environment to the next in the promotion order. Refuses (FORBIDDEN, with
 * the checklist) when `from` is not right before `to` or the version did not succeed in `from`.
 */
export async function promote(x: Internals, req: PromoteRequest): Promise<RolloutResult> {
  const { config, store } = x.deps;
  serviceOf(config, req.from, req.service);
  serviceOf(config, req.to, req.service);
  const expectedFrom = previousEnvironment(config, req.to);
  const upstream = await store.lastSuccessful(req.from, req.service, req.version);
  const checks: Check[] = [
    {
      name: 'order',
      ok: expectedFrom === req.from,
      detail:
        expectedFrom === req.from
          ? `${req.from} → ${req.to} follows the promotion order`
          : `${req.to} is promoted from ${expectedFrom ?? 'nowhere (it is the first environment)'}, not ${req.from} (order: ${config.order.join(' → ')})`,
    },
    {
      name: 'upstream success',
      ok: upstream !== undefined,
      detail: upstream
        ? `${req.version} succeeded in ${req.from} (deployment #${upstream.id}, ${new Date(upstream.endedAt ?? upstream.startedAt).toISOString()})`
        : `${req.version} has no successful deployment of ${req.service} in ${req.from}`,
    },
  ];
  if (checks.some((c) => !c.ok)) {
    throw new JarvisError(
      'FORBIDDEN',
      `Cannot promote ${req.service} ${req.version} from ${req.from} to ${req.to}: ${checks
        .filter((c) => !c.ok)
        .map((c) => c.detail)
        .join('; ')}.`,
      { resource: `${req.to}/${req.service}`, facts: { checks } },
    );
  }
  const result = await deploy(x, { ...req, env: req.to, strategy: 'promote' });
  return { deployment: result.deployment, checks: [...checks, ...result.checks] };
}
