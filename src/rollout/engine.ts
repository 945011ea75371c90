import { policyOf, previousEnvironment, serviceOf } from '../config.js';
import { JarvisError, isJarvisError, messageOf } from '../errors.js';
import { otherColour, routeOf, type Colour, type ServiceRoute } from '../platform/types.js';
import { lockKey, type Deployment, type DeploymentStrategy } from '../store/store.js';
import type { RolloutListener } from './events.js';
import { Lease } from './lease.js';
import { allOn, bake, prepare, restoreStable, split, stableColourOf } from './phases.js';
import type { EngineDeps, EnvironmentPorts } from './ports.js';
import { Run } from './run.js';

/** A version is an image tag: what registries accept, nothing that could smuggle a path or digest. */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface DeployRequest {
  env: string;
  service: string;
  version: string;
  actor: string;
  strategy?: DeploymentStrategy;
  onEvent?: RolloutListener;
  /** Aborting it (a person's cancel) rolls traffic back to the stable colour and records ABORTED. */
  signal?: AbortSignal;
}

/** One item of a pre-check list, shown to people and the model. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RolloutResult {
  deployment: Deployment;
  checks: Check[];
}

/**
 * The blue/green state machine of DESIGN.md as plain code: pre-checks, prepare the idle colour, shift
 * step by step with analysis, verify, finalise; or abort back to the stable colour. Usable without chat.
 */
export class RolloutEngine {
  constructor(readonly deps: EngineDeps) {}

  /** The environment's adapters and the service's route; NOT_FOUND for unknown names. */
  resolve(env: string, service: string): { route: ServiceRoute; ports: EnvironmentPorts } {
    const route = routeOf(this.deps.config, env, service);
    return { route, ports: this.deps.ports(env) };
  }

  /** Holds the service's lock around `work`; LOCKED when another rollout holds it. */
  async withLock<T>(
    env: string,
    service: string,
    who: string,
    work: (lease: Lease) => Promise<T>,
  ): Promise<T> {
    const lease = await Lease.acquire(
      this.deps.store,
      this.deps.clock,
      lockKey(env, service),
      who,
      this.deps.processId,
      this.deps.leaseMs ?? 120_000,
    );
    try {
      return await work(lease);
    } finally {
      await lease.release();
    }
  }

  /**
   * Deploys `version` to the idle colour and shifts traffic to it. Resolves with the recorded deployment
   * whatever its final status (SUCCESS, FAILED, ROLLED_BACK, ABORTED); rejects before anything changes
   * when a pre-check fails (INVALID_INPUT/FORBIDDEN with the checklist), the lock is held (LOCKED), or a
   * name is unknown (NOT_FOUND). A failure of the abort itself rejects, leaving the journal for recovery.
   */
  async deploy(req: DeployRequest): Promise<RolloutResult> {
    const { route, ports } = this.resolve(req.env, req.service);
    const svc = serviceOf(this.deps.config, req.env, req.service);
    if (!VERSION.test(req.version)) {
      throw new JarvisError(
        'INVALID_INPUT',
        `"${req.version}" is not a valid version (an image tag such as 1.3.0).`,
        {
          resource: `${req.env}/${req.service}`,
        },
      );
    }
    return this.withLock(
      req.env,
      req.service,
      `${req.actor} deploying ${req.service} ${req.version}`,
      async (lease) => {
        const { checks, stable, stableVersion, replicas } = await this.precheck(route, ports, req.version);
        const failed = checks.filter((c) => !c.ok);
        if (failed.length > 0) {
          throw new JarvisError(
            'FORBIDDEN',
            `Pre-checks failed for ${req.service} ${req.version} in ${req.env}: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}.`,
            { resource: `${req.env}/${req.service}`, facts: { checks } },
          );
        }
        const idle = otherColour(stable);
        const deployment = await this.deps.store.startDeployment({
          env: req.env,
          service: req.service,
          version: req.version,
          colour: idle,
          previousVersion: stableVersion,
          previousColour: stable,
          strategy: req.strategy ?? 'blue-green',
          actor: req.actor,
          startedAt: this.deps.clock.now(),
        });
        const run = new Run(
          deployment,
          route,
          ports,
          this.deps.store,
          this.deps.clock,
          req.onEvent,
          this.deps.logger,
        );
        const signal = req.signal ? AbortSignal.any([req.signal, lease.lost]) : lease.lost;
        const done = await this.release(run, svc, stable, req.version, replicas, signal);
        return { deployment: done, checks };
      },
    );
  }

  private async release(
    run: Run,
    svc: ReturnType<typeof serviceOf>,
    stable: Colour,
    version: string,
    replicas: number,
    signal: AbortSignal,
  ): Promise<Deployment> {
    const idle = otherColour(stable);
    const idleState = await run.ports.workloads.getDeployment(
      run.route.namespace,
      run.route.deployments[idle],
      run.route.container,
    );
    await run.journal('prepare', {
      stable,
      idle,
      version,
      replicas,
      standbyImage: idleState.image ?? null,
      standbyReplicas: idleState.replicas,
    });
    try {
      await prepare(run, this.deps, svc, idle, version, replicas, signal);
    } catch (err) {
      const reason = signal.aborted
        ? `cancelled while preparing: ${messageOf(signal.reason)}`
        : `prepare failed: ${messageOf(err)}`;
      await this.restoreStandby(run, idle, idleState.image, idleState.replicas);
      return run.finish(signal.aborted ? 'ABORTED' : 'FAILED', reason);
    }
    let current = allOn(stable);
    const baseline = { p99Ms: undefined as number | undefined };
    const plan = [...svc.steps.map((step) => ({ step, seconds: svc.bakeSeconds, verify: false }))];
    plan.push({ step: 100, seconds: svc.verifySeconds, verify: true });
    for (const [i, { step, seconds, verify }] of plan.entries()) {
      const desired = split(idle, step);
      try {
        if (verify) {
          await run.journal('verify', { step, weights: current, seconds });
          run.phase('verify', `holding ${idle} at 100% for ${seconds}s`);
        } else {
          await run.journal('shift', { step, from: current, to: desired });
          current = (await run.ports.traffic.setWeights(run.route, desired, current)).weights;
          run.emit('weights', {
            step,
            stepIndex: i,
            steps: svc.steps.length,
            weights: current,
            newColour: idle,
          });
        }
        const verdict = await bake(
          run,
          this.deps,
          svc.analysis,
          idle,
          step,
          current,
          seconds,
          baseline,
          signal,
        );
        if (!verdict.ok) return await restoreStable(run, stable, 'ROLLED_BACK', verdict.reason);
      } catch (err) {
        if (signal.aborted)
          return restoreStable(run, stable, 'ABORTED', `cancelled: ${messageOf(signal.reason)}`);
        const reason = `${isJarvisError(err) ? err.code : 'ERROR'} at ${step}%: ${messageOf(err)}`;
        return restoreStable(run, stable, 'ABORTED', reason);
      }
    }
    await run.journal('finalise', { stable: idle, standby: stable });
    run.phase('finalise', `${idle} is stable at ${version}; ${stable} stays as standby`);
    return run.finish('SUCCESS', undefined);
  }

  /** Puts the standby colour back as it was after a failed prepare, so rollback stays instant. */
  private async restoreStandby(
    run: Run,
    idle: Colour,
    image: string | undefined,
    replicas: number,
  ): Promise<void> {
    if (!image) return;
    try {
      await run.ports.workloads.setImageAndReplicas(
        run.route.namespace,
        run.route.deployments[idle],
        run.route.container,
        image,
        replicas,
      );
    } catch (err) {
      this.deps.logger?.warn(
        { err, deployment: run.route.deployments[idle] },
        'could not restore the standby colour',
      );
    }
  }

  /** The pre-check list of DESIGN.md: promotion order, the lock (already held), weights, stable health. */
  async precheck(
    route: ServiceRoute,
    ports: EnvironmentPorts,
    version: string,
  ): Promise<{ checks: Check[]; stable: Colour; stableVersion: string | undefined; replicas: number }> {
    const checks: Check[] = [
      { name: 'lock', ok: true, detail: `no other rollout of ${route.service} in ${route.env}` },
    ];
    const policy = policyOf(this.deps.config, route.env, route.service);
    const previous = previousEnvironment(this.deps.config, route.env);
    if (policy.requirePreviousEnvSuccess && previous) {
      const upstream = await this.deps.store.lastSuccessful(previous, route.service, version);
      checks.push({
        name: 'promotion',
        ok: upstream !== undefined,
        detail: upstream
          ? `${version} succeeded in ${previous} (deployment #${upstream.id})`
          : `${version} has no successful deployment in ${previous}; deploy it there first`,
      });
    }
    const weights = await ports.traffic.readWeights(route);
    const stable = stableColourOf(weights, `${route.env}/${route.service}`);
    checks.push({ name: 'traffic', ok: true, detail: `all traffic on ${stable}` });
    const state = await ports.workloads.getDeployment(
      route.namespace,
      route.deployments[stable],
      route.container,
    );
    checks.push({
      name: 'version',
      ok: state.version !== version,
      detail:
        state.version === version
          ? `${version} is already live on ${stable}`
          : `live: ${state.version ?? 'unknown'}`,
    });
    const targets = await ports.traffic.targetHealth(route.targetGroups[stable]);
    const healthy = targets.filter((t) => t.state === 'healthy').length;
    checks.push({
      name: 'stable health',
      ok: healthy > 0,
      detail: `${healthy}/${targets.length} ${stable} targets healthy`,
    });
    return { checks, stable, stableVersion: state.version, replicas: Math.max(1, state.replicas) };
  }
}
