import { previousEnvironment, serviceOf } from '../config.js';
import { JarvisError, messageOf } from '../errors.js';
import { otherColour } from '../platform/types.js';
import type { RolloutEngine, Check, RolloutResult, DeployRequest } from './engine.js';
import type { RolloutListener } from './events.js';
import { allOn, prepare, restoreStable, stableColourOf } from './phases.js';
import { Run } from './run.js';

export interface RollbackRequest {
  env: string;
  service: string;
  actor: string;
  /** A named version to go back to; undefined: the standby colour as it is. */
  version?: string | undefined;
  onEvent?: RolloutListener;
  signal?: AbortSignal;
}

/**
 * Rolls back: all traffic to the standby colour in one verified write, or, for a named version the standby
 * does not run, prepare the idle colour with it first and then switch. Rejects before any change when the
 * standby cannot take traffic (no healthy targets), naming what to do instead.
 */
export async function rollback(engine: RolloutEngine, req: RollbackRequest): Promise<RolloutResult> {
  const { deps } = engine;
  const { route, ports } = engine.resolve(req.env, req.service);
  const svc = serviceOf(deps.config, req.env, req.service);
  const who = `${req.actor} rolling back ${req.service}${req.version ? ` to ${req.version}` : ''}`;
  return engine.withLock(req.env, req.service, who, async (lease) => {
    const weights = await ports.traffic.readWeights(route);
    const stable = stableColourOf(weights, `${req.env}/${req.service}`);
    const standby = otherColour(stable);
    const [live, spare] = await Promise.all([
      ports.workloads.getDeployment(route.namespace, route.deployments[stable], route.container),
      ports.workloads.getDeployment(route.namespace, route.deployments[standby], route.container),
    ]);
    const target = req.version ?? spare.version;
    if (!target) {
      throw new JarvisError(
        'CONFLICT',
        `The standby colour ${standby} of ${req.env}/${req.service} runs no version; name one.`,
      );
    }
    if (target === live.version) {
      throw new JarvisError(
        'INVALID_INPUT',
        `${req.env}/${req.service} already runs ${target} on ${stable}: nothing to roll back to.`,
        {
          resource: `${req.env}/${req.service}`,
          options: spare.version ? [spare.version] : [],
        },
      );
    }
    const needsPrepare = target !== spare.version || spare.readyReplicas === 0;
    const checks: Check[] = [
      { name: 'traffic', ok: true, detail: `all traffic on ${stable} (${live.version ?? 'unknown'})` },
    ];
    if (!needsPrepare) {
      const targets = await ports.traffic.targetHealth(route.targetGroups[standby]);
      const healthy = targets.filter((t) => t.state === 'healthy').length;
      checks.push({
        name: 'standby health',
        ok: healthy > 0,
        detail: `${healthy}/${targets.length} ${standby} targets healthy`,
      });
      if (healthy === 0) {
        throw new JarvisError(
          'CONFLICT',
          `Standby ${standby} (${target}) has no healthy targets, so switching to it would fail. Roll back to a named version instead, which prepares it first.`,
          { resource: route.targetGroups[standby], facts: { checks } },
        );
      }
    }
    const deployment = await deps.store.startDeployment({
      env: req.env,
      service: req.service,
      version: target,
      colour: standby,
      previousVersion: live.version,
      previousColour: stable,
      strategy: 'rollback',
      actor: req.actor,
      startedAt: deps.clock.now(),
    });
    const run = new Run(deployment, route, ports, deps.store, deps.clock, req.onEvent, deps.logger);
    const signal = req.signal ? AbortSignal.any([req.signal, lease.lost]) : lease.lost;
    if (needsPrepare) {
      await run.journal('prepare', { stable, idle: standby, version: target, replicas: live.replicas });
      try {
        await prepare(run, deps, svc, standby, target, Math.max(1, live.replicas), signal);
      } catch (err) {
        return { deployment: await run.finish('FAILED', `prepare failed: ${messageOf(err)}`), checks };
      }
    }
    await run.journal('switch', { from: weights, to: allOn(standby), stable, standby });
    run.phase('switch', `all traffic to ${standby} (${target}) in one write`);
    try {
      await ports.traffic.setWeights(route, allOn(standby), weights);
    } catch (err) {
      // The write may or may not have landed: put traffic back where it was, verified, and say why.
      return {
        deployment: await restoreStable(run, stable, 'FAILED', `switch failed: ${messageOf(err)}`),
        checks,
      };
    }
    return { deployment: await run.finish('SUCCESS', undefined), checks };
  });
}

export interface PromoteRequest extends Omit<DeployRequest, 'env' | 'strategy'> {
  from: string;
  to: string;
}

/**
 * Promotes `version` from one environment to the next in the promotion order. Refuses (FORBIDDEN, with
 * the checklist) when `from` is not right before `to` or the version did not succeed in `from`.
 */
export async function promote(engine: RolloutEngine, req: PromoteRequest): Promise<RolloutResult> {
  const { config, store } = engine.deps;
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
  const result = await engine.deploy({ ...req, env: req.to, strategy: 'promote' });
  return { deployment: result.deployment, checks: [...checks, ...result.checks] };
}
