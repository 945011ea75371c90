import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { doraReport, historyReport } from '../../src/rollout/dora.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { DeploymentStrategy, FinalStatus, JournalEntry } from '../../src/store/store.js';
import { TimeZoneSchema } from '../../src/config/schema-display.js';
import { historyOutput, renderHistory } from '../../src/tools/history.js';
import { metricsOutput, renderMetrics } from '../../src/tools/metrics.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** "Now", wall-clock: 2025-01-04 12:00 UTC. */
const NOW = Date.UTC(2025, 0, 4, 12, 0, 0);
/** The wall clock the fixture was recorded under (times in the store are wall-clock). */
const wall: Clock = { now: () => NOW, sleep: () => Promise.resolve(), scale: 1 };

interface Fixture {
  env: string;
  version: string;
  status: FinalStatus;
  startedAt: number;
  durationMs: number;
  strategy?: DeploymentStrategy;
  reason?: string;
  actor?: string;
  journal?: Array<Omit<JournalEntry, 'deploymentId' | 'seq'>>;
  rolledBack?: { deploymentId: number; reason: string };
}

/** Records one finished deployment through the store's public methods, as a rollout would have. */
async function record(store: SqliteStore, f: Fixture): Promise<number> {
  const d = await store.startDeployment({
    env: f.env,
    service: 'checkout',
    version: f.version,
    colour: 'green',
    previousVersion: '1.0.0',
    previousColour: 'blue',
    strategy: f.strategy ?? 'blue-green',
    actor: f.actor ?? 'alice',
    startedAt: f.startedAt,
  });
  for (const [i, e] of (f.journal ?? []).entries()) {
    await store.appendJournal({ ...e, deploymentId: d.id, seq: i + 1 });
  }
  const outcome = f.rolledBack
    ? {
        state: {
          live: { colour: 'green' as const, version: f.version, verdict: 'known_good' as const },
          standby: { colour: 'blue' as const, version: '1.3.1', verdict: 'failed' as const },
          weights: { blue: 0, green: 100 },
        },
        verdicts: [],
        rolledBack: f.rolledBack,
      }
    : undefined;
  await store.finishDeployment(d.id, f.status, f.reason, f.startedAt + f.durationMs, outcome);
  return d.id;
}

describe('DORA figures and history from a fixture history with known answers', () => {
  let store: SqliteStore;

  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    const a = NOW - 6 * D;
    // prd, A: 1.2.0 released in 12m, built (committed) 2h before it started.
    await record(store, {
      env: 'prd',
      version: '1.2.0',
      status: 'SUCCESS',
      startedAt: a,
      durationMs: 12 * M,
      journal: [{ state: 'prepare', data: { builtAt: { at: a - 2 * H, source: 'commit' } }, at: a + S }],
    });
    // prd, B: 1.3.0 rolled back by analysis; the first failing window at +5m, traffic restored at +7m.
    const b = NOW - 3 * D;
    await record(store, {
      env: 'prd',
      version: '1.3.0',
      status: 'ROLLED_BACK',
      reason: 'analysis failed at 25%: p99 latency 900 ms over 2x the baseline',
      startedAt: b,
      durationMs: 7 * M,
      journal: [
        { state: 'prepare', data: { builtAt: { at: b - H, source: 'commit' } }, at: b + S },
        { state: 'shift', data: { step: 10 }, at: b + 2 * M },
        { state: 'abort', data: { reason: 'analysis failed', detectedAt: b + 5 * M }, at: b + 6 * M },
      ],
    });
    // prd, C: 1.3.1 released in 10m (built 4h before), rolled back by a person a day later (D, 30 s).
    const c = NOW - 2 * D;
    const cId = await record(store, {
      env: 'prd',
      version: '1.3.1',
      status: 'SUCCESS',
      startedAt: c,
      durationMs: 10 * M,
      journal: [
        { state: 'prepare', data: { builtAt: { at: c - 4 * H, source: 'image pushed' } }, at: c + S },
      ],
    });
    // PagerDuty paged about prd's checkout 10 minutes before that rollback (as the incident flow audits it).
    await store.appendAudit({
      at: NOW - D - 10 * M,
      actor: 'pagerduty',
      channel: 'pagerduty',
      tool: 'pagerduty.incident',
      inputSummary: 'diagnose checkout in prd for PagerDuty incident Q1ABC',
      decision: 'allow',
      outcome: 'ok',
      detail: { incident: 'Q1ABC', env: 'prd', service: 'checkout' },
    });
    await record(store, {
      env: 'prd',
      version: '1.2.0',
      status: 'SUCCESS',
      strategy: 'rollback',
      startedAt: NOW - D,
      durationMs: 30 * S,
      rolledBack: { deploymentId: cId, reason: 'rolled back by alice: P99 latency spike detected' },
    });
    // prd, E: 1.3.2 failed while preparing, in 3m.
    await record(store, {
      env: 'prd',
      version: '1.3.2',
      status: 'FAILED',
      reason: 'prepare failed: Health check timeout',
      startedAt: NOW - D + H,
      durationMs: 3 * M,
    });
    // prd, F: 1.1.0, ten days ago: outside the 7 days, inside the history's 30.
    await record(store, {
      env: 'prd',
      version: '1.1.0',
      status: 'SUCCESS',
      startedAt: NOW - 10 * D,
      durationMs: 11 * M,
    });
    // dev: a success and a failure.
    await record(store, {
      env: 'dev',
      version: '1.3.1',
      status: 'SUCCESS',
      startedAt: NOW - 5 * H,
      durationMs: 272 * S,
    });
    // dev, recorded by a sandbox on a clock 60 times faster whose time is 100 h ahead of the wall
    // clock: the journal's wall stamp dates it 2 h ago, not 4 days in the future.
    const ahead = NOW + 100 * H;
    await record(store, {
      env: 'dev',
      version: '1.2.9',
      status: 'FAILED',
      reason: 'prepare failed: Health check timeout',
      startedAt: ahead,
      durationMs: 301 * S,
      journal: [{ state: 'prepare', data: { wall: { at: NOW - 2 * H + S, scale: 60 } }, at: ahead + 60 * S }],
    });
  });
  afterAll(async () => {
    await store.close();
  });

  it('counts per environment, CFR, MTTR from detection, frequency and lead time', async () => {
    // Act
    const report = await doraReport(store, wall, {
      envs: ['dev', 'tst', 'prd'],
      production: 'prd',
      days: 7,
      now: NOW,
    });

    // Assert
    expect(report.since).toBe('2024-12-28T12:00:00.000Z');
    expect(report.until).toBe('2025-01-04T12:00:00.000Z');
    const prd = report.environments.find((e) => e.env === 'prd');
    expect(prd).toEqual({
      env: 'prd',
      deployments: 4,
      successes: 1,
      // B rolled back by analysis, C rolled back by a person, E failed.
      failures: 3,
      rollbacks: 2,
      aborted: 0,
      running: 0,
      // B: 2m from the first failing window to restored; D: 10m 30s from the incident. Mean 6m 15s.
      mttrSeconds: 375,
      changeFailureRate: 0.75,
      deploymentsPerDay: 4 / 7,
    });
    expect(report.environments.find((e) => e.env === 'dev')).toMatchObject({
      deployments: 2,
      successes: 1,
      failures: 1,
      rollbacks: 0,
      mttrSeconds: null,
      changeFailureRate: 0.5,
    });
    expect(report.environments.find((e) => e.env === 'tst')).toMatchObject({
      deployments: 0,
      changeFailureRate: null,
      mttrSeconds: null,
    });
    // A (2h 12m) and C (4h 10m) went live; B never did (analysis rolled it back). Mean 3h 11m.
    expect(report.leadTime).toEqual({ env: 'prd', meanSeconds: 11_460, releases: 2, measured: 2 });
    expect(report.recent.map((v) => [v.env, v.version, v.status])).toEqual([
      ['dev', '1.2.9', 'FAILED'],
      ['dev', '1.3.1', 'SUCCESS'],
      ['prd', '1.3.2', 'FAILED'],
      ['prd', '1.2.0', 'SUCCESS'],
      ['prd', '1.3.1', 'ROLLBACK'],
      ['prd', '1.3.0', 'ROLLBACK'],
      ['prd', '1.2.0', 'SUCCESS'],
    ]);
    expect(new Date(report.recent[0]!.startedAt).toISOString()).toBe('2025-01-04T10:00:00.000Z');
  });

  it('renders the seed’s metrics: the date range, the table, lead time and recent deployments with reasons', async () => {
    // Arrange
    const report = await doraReport(store, wall, {
      envs: ['dev', 'tst', 'prd'],
      production: 'prd',
      days: 7,
      now: NOW,
    });

    // Act
    const text = renderMetrics(JSON.parse(JSON.stringify(metricsOutput(report)))) ?? '';

    // Assert
    const lines = text.split('\n');
    expect(lines[0]).toBe('Deployment metrics (2024-12-28 to 2025-01-04, UTC):');
    expect(lines).toContain('PRD          4            1        3       2          6m 15s  75%  0.6');
    expect(lines).toContain('DEV          2            1        1       0          –       50%  0.3');
    expect(text).toContain(
      'Lead time (commit or image push → live in prd): 3h 11m (2 of 2 releases measured)',
    );
    const recent = lines.slice(lines.indexOf('Recent deployments:') + 1);
    expect(recent[2]).toBe('2025-01-04  DEV  checkout  1.2.9    5m 01s    FAILED (B/G)');
    expect(recent[3]).toBe('  └─ Reason: prepare failed: Health check timeout');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(140);
  });

  it('history: ROLLBACK with its reason, rollback events in 30 days, average over releases, success rate with counts', async () => {
    // Act
    const report = await historyReport(store, wall, { env: 'prd', limit: 20, now: NOW });
    const text = renderHistory(JSON.parse(JSON.stringify(historyOutput(report)))) ?? '';

    // Assert
    expect(report.releases.map((v) => [v.version, v.status])).toEqual([
      ['1.3.2', 'FAILED'],
      ['1.3.1', 'ROLLBACK'],
      ['1.3.0', 'ROLLBACK'],
      ['1.2.0', 'SUCCESS'],
      ['1.1.0', 'SUCCESS'],
    ]);
    expect(report.rollbackEvents).toBe(2);
    // 3m + 10m + 7m + 12m + 11m over 5 releases; the 30 s rollback is not a release.
    expect(report.averageDurationSeconds).toBe(516);
    expect([report.successes, report.finished]).toEqual([2, 5]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('PRD Deployment History (dates UTC):');
    const at = lines.findIndex((l) => l.startsWith('1.3.1 '));
    expect(lines[at]).toMatch(/^1\.3\.1 +checkout +2025-01-02 +10m 00s +Blue\/Green +alice +ROLLBACK$/);
    expect(lines[at + 1]).toBe('  └─ Reason: rolled back by alice: P99 latency spike detected');
    expect(lines.slice(-3)).toEqual([
      'Rollback events: 2 in last 30 days',
      'Average deployment time: 8m 36s',
      'Success rate: 40% (2/5)',
    ]);
  });

  it('shows dates in the configured time zone, and refuses one that does not exist', async () => {
    // Arrange
    const report = await doraReport(store, wall, { envs: ['dev'], production: 'prd', days: 7, now: NOW });

    // Act: UTC+14, where 2025-01-04 12:00 UTC is already the 5th.
    const text = renderMetrics(metricsOutput(report, null, 'Pacific/Kiritimati')) ?? '';

    // Assert
    expect(text.split('\n')[0]).toBe('Deployment metrics (2024-12-29 to 2025-01-05, Pacific/Kiritimati):');
    expect(text).toMatch(/^2025-01-05 {2}DEV {2}checkout {2}1\.2\.9 /m);
    // Lead time ends in prd, which was not asked for: not shown rather than shown as nothing.
    expect(report.leadTime).toBeNull();
    expect(text).not.toContain('Lead time');
    expect(TimeZoneSchema.safeParse('Europe/Amsterdam').success).toBe(true);
    expect(TimeZoneSchema.safeParse('Mars/Olympus_Mons').error?.issues[0]?.message).toBe(
      'must be an IANA time zone such as Europe/Amsterdam, or UTC',
    );
  });
});
