import { JarvisError } from '../errors.js';
import { lockKey, type Deployment, type FinalStatus } from './store.js';

/**
 * The errors a Store rejects with when the stored state forbids a write, shared by implementations so
 * that people and the model read the same explanation whichever database is behind it.
 */

const iso = (ms: number): string => new Date(ms).toISOString();

/** NOT_FOUND: no deployment has this id. */
export function noSuchDeployment(id: number): JarvisError {
  return new JarvisError('NOT_FOUND', `There is no deployment ${id}.`, { resource: `deployment/${id}` });
}

/** CONFLICT: the service already has a RUNNING deployment in that environment. */
export function rolloutRunning(running: Deployment): JarvisError {
  return new JarvisError(
    'CONFLICT',
    `${running.service} in ${running.env} already has a rollout running: deployment ${running.id} of ` +
      `${running.version} by ${running.actor}, started ${iso(running.startedAt)}. Wait for it to end or abort it first.`,
    {
      resource: lockKey(running.env, running.service),
      facts: { deploymentId: running.id, version: running.version, actor: running.actor },
    },
  );
}

/** CONFLICT: the deployment already reached a final status; the first outcome stands. */
export function alreadyFinished(existing: Deployment, requested: FinalStatus): JarvisError {
  return new JarvisError(
    'CONFLICT',
    `Deployment ${existing.id} already finished as ${existing.status} at ${iso(existing.endedAt ?? 0)}` +
      `${existing.reason === undefined ? '' : ` (${existing.reason})`}; it cannot also finish as ${requested}.`,
    { resource: `deployment/${existing.id}`, facts: { status: existing.status, requested } },
  );
}

/** CONFLICT: a journal entry for a deployment that is no longer RUNNING. */
export function journalClosed(deployment: Deployment, state: string): JarvisError {
  return new JarvisError(
    'CONFLICT',
    `Deployment ${deployment.id} already finished as ${deployment.status}: its journal is closed, and whoever ` +
      `writes "${state}" to it no longer owns the rollout.`,
    { resource: `deployment/${deployment.id}`, facts: { status: deployment.status, state } },
  );
}

/** LOCKED: the writer's fencing token is no longer the lock's: another process took the rollout over. */
export function fenced(deployment: Deployment, token: number, state: string): JarvisError {
  return new JarvisError(
    'LOCKED',
    `The lease on ${lockKey(deployment.env, deployment.service)} moved on from token ${token}: another process ` +
      `took deployment ${deployment.id} over, so "${state}" was not recorded and must not be acted on.`,
    { resource: lockKey(deployment.env, deployment.service), facts: { deploymentId: deployment.id, token } },
  );
}

/** CONFLICT: a journal entry whose seq does not follow the last one. */
export function journalOutOfOrder(
  deploymentId: number,
  seq: number,
  lastSeq: number | undefined,
): JarvisError {
  return new JarvisError(
    'CONFLICT',
    `Journal entry ${seq} of deployment ${deploymentId} is not after the last one (${lastSeq ?? 'none'}): ` +
      'another writer is journaling this rollout.',
    { resource: `deployment/${deploymentId}`, facts: { seq, lastSeq } },
  );
}

/** NOT_FOUND: the user never enrolled in MFA. */
export function notEnrolled(user: string): JarvisError {
  return new JarvisError('NOT_FOUND', `${user} has no MFA enrolment. Enrol with: jarvis mfa enroll ${user}`, {
    resource: `mfa/${user}`,
  });
}

/** INVALID_INPUT: a time range that ends before it starts. */
export function backwardsRange(since: number, until: number): JarvisError {
  return new JarvisError('INVALID_INPUT', `until (${iso(until)}) is before since (${iso(since)})`);
}

/** UNAVAILABLE: the store was closed. */
export function storeClosed(where: string): JarvisError {
  return new JarvisError('UNAVAILABLE', `The store ${where} is closed.`, { resource: where });
}
