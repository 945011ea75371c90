import { z } from 'zod';
import { environmentOf } from '../config.js';
import { messageOf } from '../errors.js';
import type { Deployment } from '../store/store.js';
import { duration, percent, record, records, textTable } from './text.js';
import { defineTool, serviceField, serviceFor, type ToolContext } from './tool.js';

const DAY_MS = 86_400_000;
/** Window of the live per-colour figures. */
const LIVE_WINDOW_SECONDS = 300;

export const metricsTool = defineTool({
  name: 'get_deployment_metrics',
  description:
    'DORA-style deployment figures per environment over the last N days (deployments, successes, failures, rollbacks, mean time to restore, change-failure rate), and, when an environment is given, the live error rate and p99 latency of each colour over the last 5 minutes.',
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
    const until = ctx.clock.now();
    const since = until - input.days * DAY_MS;
    const envs = input.env ? [input.env] : [...ctx.config.order];
    for (const env of envs) environmentOf(ctx.config, env);
    const environments = await Promise.all(envs.map((env) => doraOf(ctx, env, input.service, since, until)));
    const live = input.env
      ? await liveFigures(ctx, input.env, serviceFor(ctx.config, input.env, input.service))
      : null;
    return { days: input.days, since: new Date(since).toISOString(), environments, live };
  },
  render: renderMetrics,
});

async function doraOf(
  ctx: ToolContext,
  env: string,
  service: string | undefined,
  since: number,
  until: number,
) {
  const rows = await ctx.store.listDeployments({ env, service, since, until, limit: 10_000 });
  const releases = rows.filter((d) => d.strategy !== 'rollback');
  const rollbacks = rows.filter((d) => d.strategy === 'rollback');
  // A release a person rolled back later is ROLLED_BACK too (its reason names the rollback); only the
  // ones analysis rolled back on their own are rollbacks of their own, the others are counted once, by
  // the rollback row.
  const automatic = releases.filter(
    (d) => d.status === 'ROLLED_BACK' && !d.reason?.startsWith('rolled back by '),
  );
  const failedReleases = releases.filter((d) => d.status === 'FAILED' || d.status === 'ROLLED_BACK').length;
  const restores = [
    ...rollbacks.filter((d) => d.status === 'SUCCESS').map((d) => d.durationMs ?? 0),
    ...(await Promise.all(automatic.map((d) => restoreTime(ctx, d)))),
  ];
  const decided = releases.filter((d) => d.status !== 'RUNNING').length;
  return {
    env,
    deployments: releases.length,
    successes: releases.filter((d) => d.status === 'SUCCESS').length,
    failures: failedReleases,
    aborted: releases.filter((d) => d.status === 'ABORTED').length,
    rollbacks: rollbacks.length + automatic.length,
    meanTimeToRestoreSeconds:
      restores.length > 0 ? Math.round(restores.reduce((a, b) => a + b, 0) / restores.length / 1000) : null,
    // Failed releases (failed, rolled back by analysis or by a person), over all decided releases.
    changeFailureRate: decided > 0 ? Math.min(1, failedReleases / decided) : null,
  };
}

/** From the failing verdict (the journal's abort entry) to traffic restored (the deployment's end). */
async function restoreTime(ctx: ToolContext, d: Deployment): Promise<number> {
  const journal = await ctx.store.journal(d.id);
  const abort = journal.find((e) => e.state === 'abort');
  return Math.max(0, (d.endedAt ?? 0) - (abort?.at ?? d.endedAt ?? 0));
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

function renderMetrics(output: unknown): string | undefined {
  const r = record(output);
  const envs = records(r?.environments);
  if (!r || envs.length === 0) return undefined;
  const table = textTable(
    ['env', 'deployments', 'successes', 'failures', 'rollbacks', 'aborted', 'MTTR', 'change failure rate'],
    envs.map((e) => [
      e.env,
      e.deployments,
      e.successes,
      e.failures,
      e.rollbacks,
      e.aborted,
      duration(e.meanTimeToRestoreSeconds),
      percent(e.changeFailureRate, 1),
    ]),
  );
  const lines = [`Deployment metrics for the last ${String(r.days)} days:`, table];
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
      `Live, ${String(live.service)} over the last ${duration(live.windowSeconds)}: blue ${colour(live.blue)}; green ${colour(live.green)}.`,
    );
  }
  return lines.join('\n');
}
