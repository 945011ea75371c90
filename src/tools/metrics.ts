import { z } from 'zod';
import { environmentOf } from '../config.js';
import { messageOf } from '../errors.js';
import { doraReport, type DoraReport } from '../rollout/dora.js';
import { describeView, recentTable } from './deployment-views.js';
import { columns, day, duration, percent, record, records, span } from './text.js';
import { defineTool, serviceField, serviceFor, type ToolContext } from './tool.js';

/** Window of the live per-colour figures. */
const LIVE_WINDOW_SECONDS = 300;

export const metricsTool = defineTool({
  name: 'get_deployment_metrics',
  description:
    'DORA deployment figures per environment over the last N days of wall-clock time (deployments, successes, failures, rollbacks, mean time to restore from detection, change-failure rate, deployments per day), lead time from commit or image push to live in production, the recent deployments with date, duration, status and reason, and, when an environment is given, the live error rate and p99 latency of each colour over the last 5 minutes.',
  risk: 'read',
  input: z
    .object({
      days: z.number().int().min(1).max(365).default(7).describe('How many days back to count (1-365).'),
      env: z
        .string()
        .min(1)
        .max(63)
        .optional()
        .describe('Environment for live figures; omit for all environments, no live figures.'),
      service: serviceField,
    })
    .strict(),
  summary: (input) =>
    `deployment metrics for the last ${input.days} days${input.env ? ` in ${input.env}` : ''}`,
  target: (input) => ({ env: input.env, service: input.service }),
  run: async (ctx, input) => {
    const envs = input.env ? [input.env] : [...ctx.config.order];
    for (const env of envs) environmentOf(ctx.config, env);
    const report = await doraReport(ctx.store, ctx.clock, {
      envs,
      production: ctx.config.order.at(-1) ?? envs.at(-1) ?? '',
      service: input.service,
      days: input.days,
      now: Date.now(),
    });
    const live = input.env
      ? await liveFigures(ctx, input.env, serviceFor(ctx.config, input.env, input.service))
      : null;
    return metricsOutput(report, live, ctx.config.timeZone);
  },
  render: renderMetrics,
  renderNarrow: renderMetricsNarrow,
});

/** The tool's result: the report with wall-clock ISO dates, and the live figures (null: none asked). */
export function metricsOutput(
  report: DoraReport,
  live: unknown = null,
  timeZone = 'UTC',
): Record<string, unknown> {
  return {
    days: report.days,
    since: report.since,
    until: report.until,
    timeZone,
    environments: report.environments,
    leadTime: report.leadTime,
    recent: report.recent.map(describeView),
    live,
  };
}

async function liveFigures(ctx: ToolContext, env: string, service: string) {
  const route = ctx.rollouts.route(env, service);
  const colour = async (c: 'blue' | 'green') => {
    try {
      const f = await ctx.metrics.window({
        env,
        service,
        colour: c,
        targetGroupArn: route.targetGroups[c],
        windowSeconds: LIVE_WINDOW_SECONDS,
      });
      return {
        requests: f.requests,
        errorRate: f.errorRate,
        p99Ms: f.p99Ms === undefined ? null : Math.round(f.p99Ms),
      };
    } catch (err) {
      return { error: messageOf(err) };
    }
  };
  return {
    service,
    windowSeconds: LIVE_WINDOW_SECONDS,
    blue: await colour('blue'),
    green: await colour('green'),
  };
}

/** The metrics as people read them (seed 001, "Deployment Metrics"); undefined for another shape. */
export function renderMetrics(output: unknown): string | undefined {
  return metricsText(output, Infinity);
}

/** {@link renderMetrics} with its tables fitted to `width` columns (rows and reasons wrapped). */
export function renderMetricsNarrow(output: unknown, width: number): string | undefined {
  return metricsText(output, width);
}

function metricsText(output: unknown, width: number): string | undefined {
  const r = record(output);
  const envs = records(r?.environments);
  if (!r || envs.length === 0) return undefined;
  const zone = typeof r.timeZone === 'string' ? r.timeZone : 'UTC';
  const range = `${day(Date.parse(String(r.since)), zone)} to ${day(Date.parse(String(r.until)), zone)}, ${zone}`;
  const lines = [
    `Deployment metrics (${range}):`,
    '',
    columns(
      ['Environment', 'Deployments', 'Success', 'Failed', 'Rollbacks', 'MTTR', 'CFR', 'Per day'],
      envs.map((e) => ({
        cells: [
          String(e.env).toUpperCase(),
          e.deployments,
          e.successes,
          e.failures,
          e.rollbacks,
          duration(e.mttrSeconds),
          percent(e.changeFailureRate, 0),
          typeof e.deploymentsPerDay === 'number' ? e.deploymentsPerDay.toFixed(1) : '–',
        ],
      })),
      width,
    ),
  ];
  const lead = record(r.leadTime);
  if (lead) {
    lines.push(
      '',
      `Lead time (commit or image push → live in ${String(lead.env)}): ${span(lead.meanSeconds)}` +
        ` (${String(lead.measured)} of ${String(lead.releases)} releases measured)`,
    );
  }
  const recent = records(r.recent);
  lines.push('', 'Recent deployments:');
  if (recent.length === 0) lines.push('  none in this range');
  else lines.push(recentTable(recent, zone, width));
  const live = record(r.live);
  if (live) {
    const colour = (c: unknown): string => {
      const f = record(c);
      if (!f) return '–';
      if (typeof f.error === 'string') return `unavailable (${f.error})`;
      const p99 = typeof f.p99Ms === 'number' ? `${f.p99Ms} ms` : '–';
      return `${percent(f.errorRate)} errors, p99 ${p99}, ${String(f.requests)} requests`;
    };
    lines.push(
      '',
      `Live, ${String(live.service)} over the last ${duration(live.windowSeconds)}: blue ${colour(live.blue)}; green ${colour(live.green)}.`,
    );
  }
  lines.push(
    '',
    'MTTR: first failing analysis window (or the PagerDuty incident, else the rollback request) to traffic restored.',
    'CFR: failed or rolled-back releases / finished releases.',
  );
  return lines.join('\n');
}
