import { isJarvisError, messageOf } from '../errors.js';
import type { RolloutListener } from './events.js';
import { runningOf, type Internals } from './internals.js';
import type { RolloutResult } from './release.js';
import { describeRollback, planRollback, type RollbackPlan, type RollbackRequest } from './rollback.js';
import type { ControlRequest, ControlResult } from './service.js';

/** `all`: every service back to its known-good version; `canaries`: abort every rollout in progress. */
export type EmergencyScope = 'all' | 'canaries';

/** What an emergency rollback will do to one service: its plan, or why it is left alone. */
export type EmergencyStep =
  | { service: string; kind: 'rollback'; plan: RollbackPlan }
  | { service: string; kind: 'abort'; deploymentId: number; version: string }
  | { service: string; kind: 'skip'; reason: string };

/** Exactly what an emergency rollback will do, per service, computed read-only before it is confirmed. */
export interface EmergencyPlan {
  env: string;
  scope: EmergencyScope;
  steps: EmergencyStep[];
}

/** What came of one service. */
export interface EmergencyOutcome {
  service: string;
  outcome: 'rolled-back' | 'aborted' | 'skipped' | 'failed';
  /** The deployment record written for it (the rollback, or the aborted rollout). */
  deploymentId?: number;
  version?: string;
  status?: string;
  detail: string;
}

export interface EmergencyRequest {
  env: string;
  actor: string;
  reason?: string | undefined;
  /** The plan the person confirmed: each service gets exactly its step, nothing else. */
  plan: EmergencyPlan;
  onEvent?: RolloutListener;
  signal?: AbortSignal;
}

/** The writes an emergency rollback makes, through the service's own verified paths. */
export interface EmergencyWrites {
  rollback(req: RollbackRequest): Promise<RolloutResult>;
  abort(req: ControlRequest): Promise<ControlResult>;
}

/**
 * The plan of an emergency rollback of `services` in `env`, read-only: per service, its rollback to the
 * last known-good version (or the abort of its rollout in progress), or, with `canaries`, the abort of
 * its rollout in progress. A service with nothing to do (no known-good version, no rollout) is a `skip`
 * with the reason; the others still proceed.
 */
export async function planEmergency(
  x: Internals,
  env: string,
  services: readonly string[],
  scope: EmergencyScope,
): Promise<EmergencyPlan> {
  const steps: EmergencyStep[] = [];
  for (const service of services) {
    if (scope === 'canaries') {
      const running = await runningOf(x, env, service);
      steps.push(
        running
          ? { service, kind: 'abort', deploymentId: running.id, version: running.version }
          : { service, kind: 'skip', reason: `no rollout of ${service} is in progress in ${env}` },
      );
      continue;
    }
    try {
      steps.push({ service, kind: 'rollback', plan: await planRollback(x, env, service) });
    } catch (err) {
      // CONFLICT (no known-good version) and the like: this service is skipped, not the whole operation.
      if (!isJarvisError(err)) throw err;
      steps.push({ service, kind: 'skip', reason: err.message });
    }
  }
  return { env, scope, steps };
}

/**
 * Carries out a confirmed {@link EmergencyPlan}, one service at a time (writes never overlap): each
 * rollback or abort is the service's own verified write, recorded as its own deployment, and refused
 * (CONFLICT) for a service whose state changed since the plan. A failure of one service is reported and
 * the next one still proceeds.
 */
export async function runEmergency(w: EmergencyWrites, req: EmergencyRequest): Promise<EmergencyOutcome[]> {
  const outcomes: EmergencyOutcome[] = [];
  const reason = req.reason ?? `emergency rollback of ${req.env} by ${req.actor}`;
  for (const step of req.plan.steps) {
    if (step.kind === 'skip') {
      outcomes.push({ service: step.service, outcome: 'skipped', detail: step.reason });
      continue;
    }
    req.signal?.throwIfAborted();
    try {
      if (step.kind === 'abort') {
        const r = await w.abort({
          env: req.env,
          service: step.service,
          actor: req.actor,
          reason,
          deploymentId: step.deploymentId,
        });
        outcomes.push({
          service: step.service,
          outcome: r.action === 'aborted' ? 'aborted' : 'failed',
          deploymentId: r.deployment.id,
          version: r.deployment.version,
          status: r.deployment.status,
          detail: r.detail,
        });
        continue;
      }
      const r = await w.rollback({
        env: req.env,
        service: step.service,
        actor: req.actor,
        reason,
        expect: step.plan,
        ...(req.onEvent ? { onEvent: req.onEvent } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const d = r.deployment;
      const done = d.status === 'SUCCESS' || (step.plan.kind === 'abort' && d.status === 'ABORTED');
      outcomes.push({
        service: step.service,
        outcome: !done ? 'failed' : step.plan.kind === 'abort' ? 'aborted' : 'rolled-back',
        deploymentId: d.id,
        version: d.version,
        status: d.status,
        detail: d.reason ?? r.checks.map((c) => c.detail).join('; '),
      });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      outcomes.push({ service: step.service, outcome: 'failed', detail: messageOf(err) });
    }
  }
  return outcomes;
}

/** The confirmation: one line per service, what will happen to it. */
export function describeEmergency(plan: EmergencyPlan, now: number): string {
  const what =
    plan.scope === 'canaries'
      ? `abort every rollout in progress in ${plan.env}`
      : `roll back every service in ${plan.env} to its known-good version`;
  const lines = plan.steps.map((s) => {
    if (s.kind === 'skip') return `  • ${s.service}: skipped: ${s.reason}`;
    if (s.kind === 'abort') {
      return `  • ${s.service}: abort deployment #${s.deploymentId} (${s.version}), all traffic back on the stable colour`;
    }
    return `  • ${s.service}: ${describeRollback(s.plan, now)}`;
  });
  const acting = plan.steps.filter((s) => s.kind !== 'skip').length;
  return `Emergency: ${what} (${acting} of ${plan.steps.length} services, one at a time):\n${lines.join('\n')}`;
}
