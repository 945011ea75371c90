import { serviceOf } from '../config.js';
import { JarvisError } from '../errors.js';
import { promotionOrderProblem, upstreamCheck } from '../policies/release.js';
import type { Internals } from './internals.js';
import { deploy, type Check, type DeployRequest, type RolloutResult } from './release.js';

export interface PromoteRequest extends Omit<DeployRequest, 'env' | 'strategy'> {
  from: string;
  to: string;
}

/**
 * Promotes `version` from one environment to the next in the promotion order. Refuses with the release
 * policy's code (PROMOTION_ORDER, NOT_PROMOTED) and the checklist when `from` is not right before `to` or
 * the version did not succeed in `from`.
 */
export async function promote(x: Internals, req: PromoteRequest): Promise<RolloutResult> {
  const { config, store } = x.deps;
  serviceOf(config, req.from, req.service);
  serviceOf(config, req.to, req.service);
  const order = promotionOrderProblem(config, req.from, req.to);
  const upstream = order
    ? undefined
    : await upstreamCheck(config, store, req.to, req.service, req.version, { promotion: true });
  const checks: Check[] = [
    {
      name: 'order',
      ok: !order,
      detail: order?.reason ?? `${req.from} → ${req.to} follows the promotion order`,
    },
  ];
  if (upstream) checks.push({ name: 'upstream success', ok: upstream.ok, detail: upstream.detail });
  const refusal = order ?? upstream?.refusal;
  if (refusal) {
    throw new JarvisError(
      refusal.code,
      `Cannot promote ${req.service} ${req.version} from ${req.from} to ${req.to}: ${refusal.reason}`,
      { resource: `${req.to}/${req.service}`, facts: { checks } },
    );
  }
  const result = await deploy(x, { ...req, env: req.to, strategy: 'promote', checks });
  return result;
}
