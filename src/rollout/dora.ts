import type { Clock } from '../clock.js';
import type { Deployment, DeploymentStatus, JournalEntry, Store } from '../store/store.js';

/**
 * Deployment figures (DORA) and history, computed once here for every channel and planner. Two clocks:
 * durations (deploy time, time to restore) are in the rollout clock's time, as the bake and verification
 * windows are; dates, date ranges and lead time are wall-clock, from the stamp every journal entry carries,
 * so that the sandbox's scaled clock and restarts never put a date in the future or out of order.
 */

const DAY_MS = 86_400_000;
/** Rows read per query; metrics over more releases than this count the newest ones. */
const MAX_ROWS = 5000;

/** A deployment as people read it: wall-clock dates, the status a person would use. */
export interface DeploymentView {
  id: number;
  env: string;
  service: string;
  version: string;
  strategy: Deployment['strategy'];
  actor: string;
  /** `ROLLBACK`: a release rolled back (by analysis or later by a person); else the recorded status. */
  status: Exclude<DeploymentStatus, 'ROLLED_BACK'> | 'ROLLBACK';
  reason: string | undefined;
  /** Wall-clock ms. */
  startedAt: number;
  /** Wall-clock ms; undefined while running. */
  endedAt: number | undefined;
  /** In the rollout clock's time; undefined while running. */
  durationSeconds: number | undefined;
  /** Analysis rolled it back on its own (not a person's later rollback). */
  automaticRollback: boolean;
  /** Rollout-clock ms from detection to traffic restored, for a restore (automatic or a rollback). */
  restoreMs: number | undefined;
  /** Wall-clock ms when the version was built (commit or image push), when the evidence said. */
  builtAt: number | undefined;
}

/** The wall-clock time of rollout-clock time `t`, for rows whose journal carries no wall stamp. */
export function wallOf(clock: Clock, t: number): number {
  if (clock.scale === 1) return t;
  const anchor = (clock as { anchor?: unknown }).anchor;
  return typeof anchor === 'number' ? anchor + (t - anchor) / clock.scale : t;
}

interface WallStamp {
  at: number;
  scale: number;
}

function stampOf(e: JournalEntry | undefined): WallStamp | undefined {
  const w = e?.data.wall as { at?: unknown; scale?: unknown } | undefined;
  return typeof w?.at === 'number' && typeof w.scale === 'number' && w.scale > 0
    ? { at: w.at, scale: w.scale }
    : undefined;
}

/** How long before a person's rollback a PagerDuty incident on the service counts as its detection. */
const INCIDENT_WINDOW_MS = 6 * 3_600_000;

/**
 * One deployment with its journal, as {@link DeploymentView}. `incidents`: rollout-clock times of the
 * PagerDuty incidents on its service, the detection of a person's rollback that follows one.
 */
export function viewOf(
  clock: Clock,
  d: Deployment,
  journal: readonly JournalEntry[],
  incidents: readonly number[] = [],
): DeploymentView {
  const first = journal.find((e) => stampOf(e));
  const last = journal.findLast((e) => stampOf(e));
  const toWall = (t: number, e: JournalEntry | undefined): number => {
    const s = stampOf(e);
    return s && e ? s.at + (t - e.at) / s.scale : wallOf(clock, t);
  };
  const abort = journal.find((e) => e.state === 'abort');
  const automaticRollback = d.strategy !== 'rollback' && d.status === 'ROLLED_BACK' && abort !== undefined;
  let restoreMs: number | undefined;
  if (d.endedAt !== undefined && automaticRollback) {
    const detected = typeof abort.data.detectedAt === 'number' ? abort.data.detectedAt : abort.at;
    restoreMs = Math.max(0, d.endedAt - detected);
  } else if (d.endedAt !== undefined && d.strategy === 'rollback' && d.status === 'SUCCESS') {
    // A person's rollback: from the incident that preceded it (else their request) to traffic verified.
    const incident = Math.max(
      ...incidents.filter((t) => t <= d.startedAt && t >= d.startedAt - INCIDENT_WINDOW_MS),
    );
    restoreMs = Math.max(0, d.endedAt - (Number.isFinite(incident) ? incident : d.startedAt));
  }
  const built = journal.map((e) => e.data.builtAt as { at?: unknown } | undefined).find((b) => b);
  return {
    id: d.id,
    env: d.env,
    service: d.service,
    version: d.version,
    strategy: d.strategy,
    actor: d.actor,
    status: d.status === 'ROLLED_BACK' ? 'ROLLBACK' : d.status,
    reason: d.reason,
    startedAt: toWall(d.startedAt, first),
    endedAt: d.endedAt === undefined ? undefined : toWall(d.endedAt, last),
    durationSeconds: d.durationMs === undefined ? undefined : Math.round(d.durationMs / 1000),
    automaticRollback,
    restoreMs,
    builtAt: typeof built?.at === 'number' ? built.at : undefined,
  };
}

/** Journals read at once while scanning back in time. */
const CHUNK = 50;

/**
 * Deployments of `env` (and `service`) started in the wall-clock range `[since, until)`, newest first.
 * Rows are read newest id first, a chunk at a time, and the scan stops at the first chunk started
 * wholly before `since` once `releases` releases were found (ids follow start order, wall-clock too), so
 * a long history costs only the range asked for.
 */
export async function deploymentViews(
  store: Store,
  clock: Clock,
  q: { env: string; service?: string | undefined; since?: number; until?: number; releases?: number },
): Promise<DeploymentView[]> {
  const rows = (await store.listDeployments({ env: q.env, service: q.service, limit: MAX_ROWS })).sort(
    (a, b) => b.id - a.id,
  );
  const incidents = await incidentTimes(store, q.env);
  const views: DeploymentView[] = [];
  for (let at = 0; at < rows.length; at += CHUNK) {
    const chunk = await Promise.all(
      rows
        .slice(at, at + CHUNK)
        .map(async (d) => viewOf(clock, d, await store.journal(d.id), incidents.get(d.service))),
    );
    views.push(...chunk);
    const older = q.since !== undefined && chunk.every((v) => v.startedAt < q.since!);
    if (older && views.filter(isRelease).length >= (q.releases ?? 0)) break;
  }
  return views
    .filter((v) => q.until === undefined || v.startedAt < q.until)
    .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
}

/** Rollout-clock times of the PagerDuty incidents Jarvis diagnosed in `env`, by service (the audit log). */
async function incidentTimes(store: Store, env: string): Promise<Map<string, number[]>> {
  const byService = new Map<string, number[]>();
  for (const e of await store.listAudit({ actor: 'pagerduty', limit: 1000 })) {
    const service = e.detail?.service;
    if (e.tool !== 'pagerduty.incident' || e.detail?.env !== env || typeof service !== 'string') continue;
    byService.set(service, [...(byService.get(service) ?? []), e.at]);
  }
  return byService;
}

/** Releases are what people deploy or promote; rollbacks restore service and are counted apart. */
export function isRelease(v: DeploymentView): boolean {
  return v.strategy !== 'rollback';
}

/** Rollback events: a person's rollback that restored traffic, or analysis rolling a release back. */
export function isRollbackEvent(v: DeploymentView): boolean {
  return (v.strategy === 'rollback' && v.status === 'SUCCESS') || v.automaticRollback;
}

export interface EnvFigures {
  env: string;
  /** Releases started in the range (deploys and promotions, not rollbacks). */
  deployments: number;
  successes: number;
  /** Releases that FAILED (prepare or an error) or were rolled back. */
  failures: number;
  rollbacks: number;
  aborted: number;
  running: number;
  /** Mean time to restore, rollout-clock seconds; null when nothing was restored. */
  mttrSeconds: number | null;
  /** Failures over finished releases; null when none finished. */
  changeFailureRate: number | null;
  /** Releases per day over the range. */
  deploymentsPerDay: number;
}

export interface DoraReport {
  /** Wall-clock ISO dates of the range. */
  since: string;
  until: string;
  days: number;
  environments: EnvFigures[];
  /**
   * From build (commit or image push) to live in the last environment of the promotion order; null when
   * that environment is not among those asked for.
   */
  leadTime: { env: string; meanSeconds: number | null; releases: number; measured: number } | null;
  /** Newest first. */
  recent: DeploymentView[];
}

/**
 * The figures of `envs` over the `days` of wall-clock time before `now` (wall-clock ms). `production` is
 * where lead time ends (the last environment of the promotion order).
 */
export async function doraReport(
  store: Store,
  clock: Clock,
  q: {
    envs: readonly string[];
    production: string;
    service?: string | undefined;
    days: number;
    now: number;
    recent?: number;
  },
): Promise<DoraReport> {
  const since = q.now - q.days * DAY_MS;
  const byEnv = await Promise.all(
    q.envs.map(async (env) => ({
      env,
      views: (await deploymentViews(store, clock, { env, service: q.service, since, until: q.now })).filter(
        (v) => v.startedAt >= since,
      ),
    })),
  );
  const environments = byEnv.map(({ env, views }) => figuresOf(env, views, q.days));
  const prd = byEnv.find((e) => e.env === q.production)?.views;
  // Went live: succeeded, or succeeded and was rolled back later by a person (analysis never let it be).
  const live = (prd ?? []).filter(
    (v) => isRelease(v) && (v.status === 'SUCCESS' || (v.status === 'ROLLBACK' && !v.automaticRollback)),
  );
  const leads = live.flatMap((v) =>
    v.builtAt !== undefined && v.endedAt !== undefined ? [Math.max(0, v.endedAt - v.builtAt)] : [],
  );
  return {
    since: new Date(since).toISOString(),
    until: new Date(q.now).toISOString(),
    days: q.days,
    environments,
    leadTime: prd
      ? { env: q.production, meanSeconds: meanSeconds(leads), releases: live.length, measured: leads.length }
      : null,
    recent: byEnv
      .flatMap((e) => e.views)
      .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
      .slice(0, q.recent ?? 10),
  };
}

export function figuresOf(env: string, views: readonly DeploymentView[], days: number): EnvFigures {
  const releases = views.filter(isRelease);
  const count = (s: DeploymentView['status']): number => releases.filter((v) => v.status === s).length;
  const failures = count('FAILED') + count('ROLLBACK');
  const finished = releases.length - count('RUNNING');
  const restores = views.flatMap((v) =>
    isRollbackEvent(v) && v.restoreMs !== undefined ? [v.restoreMs] : [],
  );
  return {
    env,
    deployments: releases.length,
    successes: count('SUCCESS'),
    failures,
    rollbacks: views.filter(isRollbackEvent).length,
    aborted: count('ABORTED'),
    running: count('RUNNING'),
    mttrSeconds: meanSeconds(restores),
    changeFailureRate: finished > 0 ? failures / finished : null,
    deploymentsPerDay: days > 0 ? releases.length / days : 0,
  };
}

export interface HistoryReport {
  env: string;
  /** Releases, newest first; rollbacks are counted in `rollbackEvents`. */
  releases: DeploymentView[];
  /** Rollback events in the last 30 days (wall-clock). */
  rollbackEvents: number;
  /** Over the finished releases listed; null when none. */
  averageDurationSeconds: number | null;
  successes: number;
  finished: number;
  successRate: number | null;
}

/** The release history of `env`, newest first, with the figures the seed's history shows. */
export async function historyReport(
  store: Store,
  clock: Clock,
  q: { env: string; service?: string | undefined; limit: number; now: number },
): Promise<HistoryReport> {
  const all = await deploymentViews(store, clock, {
    env: q.env,
    service: q.service,
    since: q.now - 30 * DAY_MS,
    releases: q.limit,
  });
  const releases = all.filter(isRelease).slice(0, q.limit);
  const finished = releases.filter((v) => v.status !== 'RUNNING' && v.durationSeconds !== undefined);
  const successes = finished.filter((v) => v.status === 'SUCCESS').length;
  const durations = finished.map((v) => v.durationSeconds ?? 0);
  return {
    env: q.env,
    releases,
    rollbackEvents: all.filter((v) => isRollbackEvent(v) && v.startedAt >= q.now - 30 * DAY_MS).length,
    averageDurationSeconds:
      durations.length > 0 ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    successes,
    finished: finished.length,
    successRate: finished.length > 0 ? successes / finished.length : null,
  };
}

function meanSeconds(ms: readonly number[]): number | null {
  return ms.length > 0 ? Math.round(ms.reduce((a, b) => a + b, 0) / ms.length / 1000) : null;
}
