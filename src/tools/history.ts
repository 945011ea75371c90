import { z } from 'zod';
import { environmentOf } from '../config.js';
import { historyReport, type HistoryReport } from '../rollout/dora.js';
import { describeView } from './deployment-views.js';
import { columns, day, duration, percent, record, records } from './text.js';
import { defineTool, envField, serviceField } from './tool.js';

const STRATEGY: Record<string, string> = { 'blue-green': 'Blue/Green', promote: 'Promotion' };

export const historyTool = defineTool({
  name: 'get_deployment_history',
  description:
    'Release history of an environment, newest first: version, wall-clock date, duration, strategy, deployer, status (ROLLBACK for a release that was rolled back) and reason; with the rollback events of the last 30 days, the average duration of the listed releases and the success rate with its counts.',
  risk: 'read',
  input: z
    .object({
      env: envField,
      service: serviceField.describe('Service name; omit for every service.'),
      limit: z.number().int().min(1).max(100).default(20).describe('How many releases to list (1-100).'),
    })
    .strict(),
  summary: (input) => `deployment history of ${input.service ?? 'every service'} in ${input.env}`,
  target: (input) => ({ env: input.env, service: input.service }),
  run: async (ctx, input) => {
    environmentOf(ctx.config, input.env);
    const report = await historyReport(ctx.store, ctx.clock, {
      env: input.env,
      service: input.service,
      limit: input.limit,
      now: Date.now(),
    });
    return historyOutput(report, ctx.config.timeZone);
  },
  render: renderHistory,
  renderNarrow: renderHistoryNarrow,
});

/** The tool's result: the releases with wall-clock ISO dates, and the summary figures. */
export function historyOutput(report: HistoryReport, timeZone = 'UTC'): Record<string, unknown> {
  return {
    env: report.env,
    timeZone,
    deployments: report.releases.map(describeView),
    summary: {
      count: report.releases.length,
      rollbackEvents30Days: report.rollbackEvents,
      successes: report.successes,
      finished: report.finished,
      successRate: report.successRate,
      averageDurationSeconds: report.averageDurationSeconds,
    },
  };
}

/** The history as people read it (seed 001, "Deployment History"); undefined for another shape. */
export function renderHistory(output: unknown): string | undefined {
  return historyText(output, Infinity);
}

/** {@link renderHistory} with its table fitted to `width` columns (rows and reasons wrapped). */
export function renderHistoryNarrow(output: unknown, width: number): string | undefined {
  return historyText(output, width);
}

function historyText(output: unknown, width: number): string | undefined {
  const r = record(output);
  const rows = records(r?.deployments);
  if (!r) return undefined;
  const s = record(r.summary) ?? {};
  const env = String(r.env);
  const zone = typeof r.timeZone === 'string' ? r.timeZone : 'UTC';
  if (rows.length === 0) return `No releases recorded in ${env} yet.`;
  const table = columns(
    ['Version', 'Service', 'Date', 'Duration', 'Strategy', 'Deployer', 'Status'],
    rows.map((d) => ({
      cells: [
        d.version,
        d.service,
        day(Date.parse(String(d.date)), zone),
        duration(d.durationSeconds),
        STRATEGY[String(d.strategy)] ?? d.strategy,
        d.deployer,
        d.status,
      ],
      note: typeof d.reason === 'string' && d.reason ? `Reason: ${d.reason}` : undefined,
    })),
    width,
  );
  const rate =
    typeof s.successRate === 'number'
      ? `${percent(s.successRate, 0)} (${String(s.successes)}/${String(s.finished)})`
      : '– (no finished releases)';
  return [
    `${env.toUpperCase()} Deployment History (dates ${zone}):`,
    '',
    table,
    '',
    `Rollback events: ${String(s.rollbackEvents30Days)} in last 30 days`,
    `Average deployment time: ${duration(s.averageDurationSeconds)}`,
    `Success rate: ${rate}`,
  ].join('\n');
}
