import { isReady } from './pod-status.js';
import { createPod, terminatePod, type PodContext } from './pods.js';
import { clone, nameSuffix, newUid, templateHash, ts } from './meta.js';
import type { DeploymentRecord, PodRecord, ReplicaSetRecord } from './state.js';
import type { Condition, Deployment } from './types.js';

/** What the Deployment controller needs from the simulation around it. */
export interface DeploymentContext extends PodContext {
  /** Asks for a reconcile of the Deployment `name` at simulated time `at`. */
  wakeDeployment(name: string, at: number): void;
}

const live = (p: PodRecord): boolean => p.stage !== 'terminating' && p.stage !== 'gone';
const available = (p: PodRecord): boolean => live(p) && isReady(p.pod);
const hashOf = (p: PodRecord): string | undefined => p.pod.metadata.labels?.['pod-template-hash'];

/** `25%` of `total`, rounded up for maxSurge and down for maxUnavailable, or an absolute number. */
export function resolveIntOrPercent(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value ?? '25%');
  const pct = Number(m?.[1] ?? 25) / 100;
  return roundUp ? Math.ceil(total * pct) : Math.floor(total * pct);
}

/**
 * The Deployment controller, once: makes the ReplicaSet of the current template, scales it up and the
 * old ones down within maxSurge/maxUnavailable (RollingUpdate) or all at once (Recreate), creates and
 * deletes pods to match, and writes status and the Available/Progressing conditions.
 */
export function reconcileDeployment(ctx: DeploymentContext, rec: DeploymentRecord, at: number): void {
  const dep = rec.dep;
  const name = dep.metadata.name;
  const before = JSON.stringify(dep.status);
  const prev = { ...dep.status };
  const desired = dep.spec.replicas;
  const { rs: newRs, created } = currentReplicaSet(rec, at);
  const olds = [...rec.replicaSets.values()]
    .filter((rs) => rs !== newRs)
    .sort((a, b) => a.revision - b.revision);
  const pods = (): PodRecord[] => ctx.ns.podsOfDeployment(name).filter(live);
  const of = (rs: ReplicaSetRecord): PodRecord[] => pods().filter((p) => hashOf(p) === rs.hash);
  const scale = (rs: ReplicaSetRecord, to: number): void => {
    if (to === rs.replicas) return;
    const verb = to > rs.replicas ? 'up' : 'down';
    const message = `Scaled ${verb} replica set ${rs.name} from ${rs.replicas} to ${to}`;
    ctx.ns.events.record(at, refOf(dep), 'Normal', 'ScalingReplicaSet', message, {
      component: 'deployment-controller',
    });
    rs.replicas = to;
  };
  const maxSurge = resolveIntOrPercent(dep.spec.strategy.rollingUpdate?.maxSurge, desired, true);
  let maxUnavailable = resolveIntOrPercent(dep.spec.strategy.rollingUpdate?.maxUnavailable, desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

  if (dep.spec.strategy.type === 'Recreate') {
    for (const rs of olds) scale(rs, 0);
    if (olds.every((rs) => ctx.ns.podsOfDeployment(name).every((p) => hashOf(p) !== rs.hash)))
      scale(newRs, desired);
  } else {
    const total = (): number => [...rec.replicaSets.values()].reduce((sum, rs) => sum + rs.replicas, 0);
    if (newRs.replicas > desired) scale(newRs, desired);
    else if (newRs.replicas < desired) {
      const room = desired + maxSurge - total();
      if (room > 0) scale(newRs, Math.min(desired, newRs.replicas + room));
    }
    const minAvailable = desired - maxUnavailable;
    const newUnavailable = Math.max(0, newRs.replicas - of(newRs).filter(available).length);
    // Unhealthy old pods go first: they serve nothing, so removing them costs no availability.
    let cleanup = total() - minAvailable - newUnavailable;
    for (const rs of olds) {
      if (cleanup <= 0) break;
      const unhealthy = Math.max(0, rs.replicas - of(rs).filter(available).length);
      const n = Math.min(unhealthy, cleanup);
      if (n > 0) scale(rs, rs.replicas - n);
      cleanup -= n;
    }
    let scaleDown = pods().filter(available).length - minAvailable;
    for (const rs of olds) {
      if (scaleDown <= 0) break;
      const n = Math.min(rs.replicas, scaleDown);
      if (n > 0) scale(rs, rs.replicas - n);
      scaleDown -= n;
    }
  }
  for (const rs of rec.replicaSets.values()) syncReplicaSet(ctx, rec, rs, of(rs), at);
  pruneHistory(rec, newRs, ctx);

  const current = pods();
  const status = dep.status;
  status.observedGeneration = dep.metadata.generation ?? 1;
  status.replicas = current.length;
  status.updatedReplicas = current.filter((p) => hashOf(p) === newRs.hash).length;
  status.readyReplicas = current.filter(available).length;
  status.availableReplicas = status.readyReplicas;
  const specTotal = [...rec.replicaSets.values()].reduce((sum, rs) => sum + rs.replicas, 0);
  status.unavailableReplicas = Math.max(0, specTotal - status.availableReplicas);
  for (const key of [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
  ] as const) {
    if (status[key] === 0) delete status[key];
  }
  const conditions = (status.conditions ??= []);
  const avail = (status.availableReplicas ?? 0) >= desired - maxUnavailable;
  setDeploymentCondition(
    conditions,
    'Available',
    avail ? 'True' : 'False',
    at,
    avail ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    avail ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
  );
  const complete =
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired;
  const progressed =
    created ||
    (status.updatedReplicas ?? 0) > (prev.updatedReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (prev.availableReplicas ?? 0) ||
    (status.replicas ?? 0) < (prev.replicas ?? 0) ||
    prev.observedGeneration !== status.observedGeneration;
  const deadlineMs = dep.spec.progressDeadlineSeconds * 1000;
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (complete) {
    setDeploymentCondition(
      conditions,
      'Progressing',
      'True',
      at,
      'NewReplicaSetAvailable',
      `ReplicaSet "${newRs.name}" has successfully progressed.`,
    );
  } else if (progressed) {
    rec.lastProgressAt = at;
    if (created)
      setDeploymentCondition(
        conditions,
        'Progressing',
        'True',
        at,
        'NewReplicaSetCreated',
        `Created new replica set "${newRs.name}"`,
        true,
      );
    else
      setDeploymentCondition(
        conditions,
        'Progressing',
        'True',
        at,
        'ReplicaSetUpdated',
        `ReplicaSet "${newRs.name}" is progressing.`,
        true,
      );
    ctx.wakeDeployment(name, at + deadlineMs);
  } else if (progressing?.reason !== 'ProgressDeadlineExceeded') {
    if (at - rec.lastProgressAt >= deadlineMs) {
      setDeploymentCondition(
        conditions,
        'Progressing',
        'False',
        at,
        'ProgressDeadlineExceeded',
        `ReplicaSet "${newRs.name}" has timed out progressing.`,
      );
    } else ctx.wakeDeployment(name, rec.lastProgressAt + deadlineMs);
  }
  if (JSON.stringify(status) !== before) dep.metadata.resourceVersion = ctx.cluster.nextRv();
}

/** The ReplicaSet of the Deployment's current template, created (as the newest revision) when missing. */
function currentReplicaSet(rec: DeploymentRecord, at: number): { rs: ReplicaSetRecord; created: boolean } {
  const dep = rec.dep;
  const hash = templateHash(dep.spec.template);
  const maxRevision = Math.max(0, ...[...rec.replicaSets.values()].map((rs) => rs.revision));
  let rs = rec.replicaSets.get(hash);
  const created = rs === undefined;
  if (!rs) {
    rs = {
      name: `${dep.metadata.name}-${hash}`,
      uid: newUid(),
      createdAt: at,
      hash,
      revision: maxRevision + 1,
      replicas: 0,
      template: clone(dep.spec.template),
    };
    rec.replicaSets.set(hash, rs);
  } else if (rs.revision !== maxRevision) {
    // Rolling back to an older template makes its ReplicaSet the newest revision again.
    rs.revision = maxRevision + 1;
  }
  dep.metadata.annotations = {
    ...dep.metadata.annotations,
    'deployment.kubernetes.io/revision': String(rs.revision),
  };
  return { rs, created };
}

/** Creates or deletes pods of one ReplicaSet so that its live pods match its replicas. */
function syncReplicaSet(
  ctx: DeploymentContext,
  rec: DeploymentRecord,
  rs: ReplicaSetRecord,
  pods: PodRecord[],
  at: number,
): void {
  const diff = rs.replicas - pods.length;
  for (let i = 0; i < diff; i++) {
    let name: string;
    do name = `${rs.name}-${nameSuffix(newUid())}`;
    while (ctx.ns.pods.get(name));
    createPod(ctx, {
      name,
      template: rs.template,
      labels: { ...rs.template.metadata.labels, 'pod-template-hash': rs.hash },
      owner: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: rs.name,
        uid: rs.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
      deployment: rec.dep.metadata.name,
      at,
    });
  }
  if (diff < 0) {
    // As the ReplicaSet controller: unscheduled, then not running, then not ready, then the newest.
    const rank = (p: PodRecord): number =>
      p.stage === 'unschedulable' ? 0 : p.runningSince === undefined ? 1 : isReady(p.pod) ? 3 : 2;
    const victims = [...pods].sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt).slice(0, -diff);
    for (const p of victims) terminatePod(ctx, p, at);
  }
}

function pruneHistory(rec: DeploymentRecord, current: ReplicaSetRecord, ctx: DeploymentContext): void {
  const idle = [...rec.replicaSets.values()]
    .filter((rs) => rs !== current && rs.replicas === 0)
    .filter((rs) => ctx.ns.podsOfDeployment(rec.dep.metadata.name).every((p) => hashOf(p) !== rs.hash))
    .sort((a, b) => a.revision - b.revision);
  const excess = idle.length - rec.dep.spec.revisionHistoryLimit;
  for (const rs of idle.slice(0, Math.max(0, excess))) rec.replicaSets.delete(rs.hash);
}

function setDeploymentCondition(
  conditions: Condition[],
  type: string,
  status: Condition['status'],
  at: number,
  reason: string,
  message: string,
  progress = false,
): void {
  const existing = conditions.find((c) => c.type === type);
  const changed =
    !existing || existing.status !== status || existing.reason !== reason || existing.message !== message;
  const next: Condition = {
    type,
    status,
    lastUpdateTime: changed || progress ? ts(at) : existing.lastUpdateTime!,
    lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime! : ts(at),
    reason,
    message,
  };
  if (existing) conditions.splice(conditions.indexOf(existing), 1, next);
  else conditions.push(next);
}

/** The involvedObject reference of a Deployment, for its events. */
export function refOf(dep: Deployment): {
  kind: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
} {
  return {
    kind: 'Deployment',
    name: dep.metadata.name,
    uid: dep.metadata.uid,
    apiVersion: 'apps/v1',
    resourceVersion: dep.metadata.resourceVersion,
  };
}
