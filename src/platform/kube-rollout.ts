import type { V1Deployment } from '@kubernetes/client-node';
import { JarvisError } from '../errors.js';
import { deploymentState } from './kube-types.js';
import type { DeploymentState } from './types.js';

/**
 * Where a Deployment's rollout stands, judged as `kubectl rollout status` does: done once the controller
 * has observed the latest generation and every replica is updated and available with no old one left;
 * failed when its Progressing condition says ProgressDeadlineExceeded (for the latest generation only,
 * an older verdict is stale).
 */
export function rolloutVerdict(
  dep: V1Deployment,
  container: string,
): { state: DeploymentState; verdict: 'done' | 'failed' | 'progressing' } {
  const state = deploymentState(dep, container);
  const observed = state.observedGeneration >= state.generation;
  if (observed && state.progressDeadlineExceeded) return { state, verdict: 'failed' };
  const done =
    observed &&
    state.updatedReplicas === state.replicas &&
    state.availableReplicas === state.replicas &&
    (dep.status?.replicas ?? 0) === state.updatedReplicas;
  return { state, verdict: done ? 'done' : 'progressing' };
}

/** ROLLOUT_FAILED naming the Deployment, with the Progressing message and the replica counts. */
export function rolloutFailed(resource: string, state: DeploymentState): JarvisError {
  const why =
    state.conditions.find((c) => c.type === 'Progressing')?.message ?? 'progress deadline exceeded.';
  return new JarvisError(
    'ROLLOUT_FAILED',
    `Rollout of ${resource} failed: ${why} Diagnose its pods and events.`,
    {
      resource,
      facts: { ...progressFacts(state), image: state.image },
    },
  );
}

/** TIMEOUT naming the Deployment, with how far the rollout got. */
export function rolloutTimedOut(resource: string, state: DeploymentState, timeoutMs: number): JarvisError {
  return new JarvisError(
    'TIMEOUT',
    `Rollout of ${resource} not done after ${Math.round(timeoutMs / 1000)}s: ${state.updatedReplicas}/${state.replicas} updated, ${state.availableReplicas} available.`,
    { resource, facts: progressFacts(state) },
  );
}

/** ABORTED naming the Deployment, with the abort reason. */
export function rolloutAborted(resource: string, signal: AbortSignal | undefined): JarvisError {
  const reason: unknown = signal?.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
  return new JarvisError('ABORTED', `Stopped waiting for the rollout of ${resource}: ${why}.`, { resource });
}

function progressFacts(state: DeploymentState): Record<string, number> {
  return {
    replicas: state.replicas,
    updated: state.updatedReplicas,
    ready: state.readyReplicas,
    available: state.availableReplicas,
    generation: state.generation,
    observedGeneration: state.observedGeneration,
  };
}
