import { JarvisError } from '../errors.js';
import type { EvidenceReport } from '../evidence/types.js';
import { routeOf, type ServiceRoute } from '../platform/types.js';
import { lockKey, type Deployment, type ReleaseState } from '../store/store.js';
import { currentState, resolve, runningOf, type Internals } from './internals.js';
import { holderIsGone, Lease, leaseFor } from './lease.js';
import type { PlatformReader, RolloutDeps } from './ports.js';
import { promote, type PromoteRequest } from './promote.js';
import { adoptOrphans, noRollout, recoverOne, type RecoveryReport } from './recovery.js';
import {
  planEmergency,
  runEmergency,
  type EmergencyOutcome,
  type EmergencyPlan,
  type EmergencyRequest,
  type EmergencyScope,
} from './emergency.js';
import { deploy, type DeployRequest, type RolloutResult } from './release.js';
import { planRollback, rollback, type RollbackPlan, type RollbackRequest } from './rollback.js';

export type { Check, DeployRequest, RolloutResult } from './release.js';
export type { PromoteRequest } from './promote.js';
export type { RollbackPlan, RollbackRequest } from './rollback.js';
export type { RecoveryReport } from './recovery.js';
export type { EmergencyOutcome, EmergencyPlan, EmergencyRequest, EmergencyScope } from './emergency.js';

/** A request to a running rollout. */
export interface ControlRequest {
  env: string;
  service: string;
  actor: string;
  reason?: string | undefined;
  /** The deployment meant; CONFLICT when another one (or none) is running now. */
  deploymentId?: number | undefined;
}

/** What came of an abort, pause or resume. */
export interface ControlResult {
  /** `requested`: queued for the process running it, which had not confirmed within the wait. */
  action: 'aborted' | 'paused' | 'resumed' | 'requested' | 'unchanged';
  deployment: Deployment;
  detail: string;
}

/** How long an abort asked of another process is waited for, in real ms, before reporting `requested`. */
const REMOTE_WAIT_MS = 30_000;

/**
 * The rollout service (DESIGN.md): deploy, promote, rollback, abort, pause, resume and the adoption of
 * orphaned rollouts, as plain code usable without any chat. Its dependencies are private: callers ask it
 * to do things, and read-only callers get {@link RolloutService.reader}.
 */
export class RolloutService {
  readonly #x: Internals;

  constructor(deps: RolloutDeps) {
    this.#x = { deps, leaseMs: deps.leaseMs ?? 120_000, active: new Map() };
  }

  /** The route of a service from configuration; NOT_FOUND for unknown names. */
  route(env: string, service: string): ServiceRoute {
    return routeOf(this.#x.deps.config, env, service);
  }

  /** The read-only view of an environment's platform; NOT_FOUND for an unknown one. */
  reader(env: string): PlatformReader {
    return this.#x.deps.reader(env);
  }

  /** The lease of a rollout lock in clock ms, as taken (what the reconciler waits out for a silent holder). */
  get leaseMs(): number {
    return leaseFor(this.#x.deps.clock, this.#x.leaseMs);
  }

  /**
   * The release evidence `version` needs in `env` (image, scan, CI), read-only, as the pre-checks will
   * gather it; empty checks when the environment requires none. NOT_FOUND for unknown names.
   */
  async evidence(env: string, service: string, version: string): Promise<EvidenceReport> {
    resolve(this.#x, env, service);
    return (await this.#x.deps.evidence?.collect({ env, service, version })) ?? { checks: [] };
  }

  deploy(req: DeployRequest): Promise<RolloutResult> {
    return deploy(this.#x, req);
  }

  promote(req: PromoteRequest): Promise<RolloutResult> {
    return promote(this.#x, req);
  }

  /** What `rollback` would do now, read-only, for the person to confirm. */
  planRollback(env: string, service: string, version?: string): Promise<RollbackPlan> {
    return planRollback(this.#x, env, service, version);
  }

  /** Rolls back to the last known-good version (or a named one); during a rollout, aborts it instead. */
  async rollback(req: RollbackRequest): Promise<RolloutResult> {
    resolve(this.#x, req.env, req.service);
    if (req.expect?.kind === 'abort' || (await runningOf(this.#x, req.env, req.service))) {
      const result = await this.abort({
        env: req.env,
        service: req.service,
        actor: req.actor,
        reason: req.reason ?? 'rollback asked for during the rollout',
      });
      return {
        deployment: result.deployment,
        checks: [{ name: 'rollout in progress', ok: true, detail: result.detail }],
      };
    }
    return rollback(this.#x, req);
  }

  /** What an emergency rollback of `services` in `env` would do now, per service, read-only. */
  planEmergency(env: string, services: readonly string[], scope: EmergencyScope): Promise<EmergencyPlan> {
    for (const service of services) resolve(this.#x, env, service);
    return planEmergency(this.#x, env, services, scope);
  }

  /**
   * Carries out a confirmed emergency plan, one service at a time, each through its own verified
   * rollback or abort; a result per service (skipped, rolled back, aborted or failed).
   */
  emergencyRollback(req: EmergencyRequest): Promise<EmergencyOutcome[]> {
    return runEmergency({ rollback: (r) => this.rollback(r), abort: (r) => this.abort(r) }, req);
  }

  /**
   * Aborts the rollout of the service: all traffic back on the stable colour in one verified write,
   * recorded ABORTED with who and why. Reaches a rollout of this process at once, one of another live
   * process through the store, and adopts one whose process is gone. NOT_FOUND when none runs.
   */
  async abort(req: ControlRequest): Promise<ControlResult> {
    const x = this.#x;
    resolve(x, req.env, req.service);
    const running = await runningOf(x, req.env, req.service);
    if (!running) throw noRollout(req.env, req.service, 'abort');
    meant(req, running);
    const key = lockKey(req.env, req.service);
    const local = x.active.get(key);
    if (local?.deploymentId === running.id && local.done) {
      local.abort(req.actor, req.reason);
      const deployment = await local.done;
      return { action: 'aborted', deployment, detail: describeEnd(deployment) };
    }
    const { store, clock } = x.deps;
    const lock = await store.getLock(key);
    const live = lock !== undefined && lock.expiresAt > clock.now();
    if (!live || holderIsGone(lock.holder)) {
      const who = `${req.actor} aborting deployment #${running.id}`;
      const lease = live
        ? await Lease.takeOver(store, clock, key, lock.holder, who, x.deps.processId, x.leaseMs)
        : await Lease.acquire(store, clock, key, who, x.deps.processId, x.leaseMs);
      if (!lease)
        throw new JarvisError('CONFLICT', `Another process took deployment #${running.id} over; ask again.`);
      try {
        const last = (await store.journal(running.id)).at(-1);
        const why = `aborted by ${req.actor}${req.reason ? `: ${req.reason}` : ''} (its process was gone)`;
        const report = await recoverOne(x, running, lease, last, why);
        return { action: 'aborted', deployment: report.deployment, detail: report.detail };
      } finally {
        await lease.release();
      }
    }
    await store.queueCommand({
      deploymentId: running.id,
      command: 'abort',
      actor: req.actor,
      reason: req.reason,
      at: clock.now(),
    });
    const deployment = await this.#waitForEnd(running.id, REMOTE_WAIT_MS);
    if (deployment.status === 'RUNNING') {
      return {
        action: 'requested',
        deployment,
        detail: `abort queued for ${lock.holder}, which has not confirmed yet; its lease ends ${new Date(lock.expiresAt).toISOString()}, after which the reconciler aborts it`,
      };
    }
    return { action: 'aborted', deployment, detail: describeEnd(deployment) };
  }

  /** Holds the rollout at its current step; analysis goes on and a failure still aborts. */
  pause(req: ControlRequest): Promise<ControlResult> {
    return this.#toggle(req, 'pause');
  }

  /** Continues a paused rollout. */
  resume(req: ControlRequest): Promise<ControlResult> {
    return this.#toggle(req, 'resume');
  }

  async #toggle(req: ControlRequest, kind: 'pause' | 'resume'): Promise<ControlResult> {
    const x = this.#x;
    resolve(x, req.env, req.service);
    const running = await runningOf(x, req.env, req.service);
    if (!running) throw noRollout(req.env, req.service, kind);
    meant(req, running);
    const local = x.active.get(lockKey(req.env, req.service));
    const done = kind === 'pause' ? 'paused' : 'resumed';
    if (local?.deploymentId === running.id) {
      const changed = kind === 'pause' ? local.pause(req.actor, req.reason) : local.resume(req.actor);
      return {
        action: changed ? done : 'unchanged',
        deployment: running,
        detail: changed
          ? `deployment #${running.id} ${done}`
          : `deployment #${running.id} was already ${kind === 'pause' ? 'paused' : 'running'}`,
      };
    }
    const { store, clock } = x.deps;
    const lock = await store.getLock(lockKey(req.env, req.service));
    if (!lock || lock.expiresAt <= clock.now() || holderIsGone(lock.holder)) {
      throw new JarvisError(
        'CONFLICT',
        `Deployment #${running.id} has no live process to ${kind} it: the reconciler aborts it to the stable colour. Abort it now with "abort ${req.env}".`,
        { resource: lockKey(req.env, req.service) },
      );
    }
    const since = (await store.journal(running.id)).at(-1)?.seq ?? 0;
    await store.queueCommand({
      deploymentId: running.id,
      command: kind,
      actor: req.actor,
      reason: req.reason,
      at: clock.now(),
    });
    const deadline = Date.now() + REMOTE_WAIT_MS;
    while (Date.now() < deadline) {
      const entries = await store.journal(running.id);
      if (entries.some((e) => e.seq > since && e.state === kind)) {
        return {
          action: done,
          deployment: running,
          detail: `deployment #${running.id} ${done} by its process`,
        };
      }
      const now = await store.getDeployment(running.id);
      if (now && now.status !== 'RUNNING')
        return { action: 'unchanged', deployment: now, detail: describeEnd(now) };
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      action: 'requested',
      deployment: running,
      detail: `${kind} queued for ${lock.holder}, which has not confirmed yet`,
    };
  }

  async #waitForEnd(id: number, waitMs: number): Promise<Deployment> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const d = await this.#x.deps.store.getDeployment(id);
      if (!d) throw new JarvisError('NOT_FOUND', `There is no deployment ${id}.`);
      if (d.status !== 'RUNNING' || Date.now() >= deadline) return d;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Adopts orphaned rollouts (see adoptOrphans): the reconciler's and start-up's work. */
  adoptOrphans(): Promise<RecoveryReport[]> {
    return adoptOrphans(this.#x);
  }

  /** True when this process runs the rollout of `env/service` now. */
  runsHere(env: string, service: string): boolean {
    return this.#x.active.has(lockKey(env, service));
  }

  /** The release state as it stands (recorded, checked against the platform; rebuilt when none). Reads only. */
  async releaseState(env: string, service: string): Promise<ReleaseState> {
    const route = this.route(env, service);
    const reader = this.reader(env);
    return (
      await currentState(this.#x, route, {
        readWeights: reader.readWeights.bind(reader),
        getDeployment: reader.getDeployment.bind(reader),
      })
    ).state;
  }

  /** The recorded release state only (no platform read); undefined when none. */
  recordedState(env: string, service: string): Promise<ReleaseState | undefined> {
    return this.#x.deps.store.getReleaseState(env, service);
  }

  /** The RUNNING deployment of a service, if any. */
  running(env: string, service: string): Promise<Deployment | undefined> {
    return runningOf(this.#x, env, service);
  }
}

/** CONFLICT when the request names another deployment than the one running. */
function meant(req: ControlRequest, running: Deployment): void {
  if (req.deploymentId !== undefined && req.deploymentId !== running.id) {
    throw new JarvisError(
      'CONFLICT',
      `Deployment #${req.deploymentId} of ${req.service} in ${req.env} is no longer running; #${running.id} (${running.version} by ${running.actor}) is. Nothing was done: ask about that one if you mean it.`,
      { resource: lockKey(req.env, req.service), facts: { running: running.id } },
    );
  }
}

function describeEnd(d: Deployment): string {
  return `deployment #${d.id} ended ${d.status}${d.reason ? `: ${d.reason}` : ''}`;
}
