import { z } from 'zod';
import { environmentOf } from '../config.js';
import { duration, percent, record, records, textTable } from './text.js';
import { defineTool, envField, serviceField } from './tool.js';

export const historyTool = defineTool({
  name: 'get_deployment_history',
  description:
    'Deployment history of an environment, newest first: version, date, duration, strategy, deployer, status and reason, with the success rate and average duration of the listed deployments.',
  risk: 'read',
  input: z
    .object({
      env: envField,
      service: serviceField.describe('Service name; omit for every service.'),
      limit: z.number().int().min(1).max(100).default(20).describe('How many deployments to list (1-100).'),
    })
    .strict(),
  summary: (input) => `deployment history of ${input.service ?? 'every service'} in ${input.env}`,
  target: (input) => ({ env: input.env, service: input.service }),
  run: async (ctx, input) => {
    environmentOf(ctx.config, input.env);
    const rows = await ctx.store.listDeployments({
      env: input.env,
      service: input.service,
      limit: input.limit,
    });
    const finished = rows.filter((d) => d.status !== 'RUNNING');
    const successes = finished.filter((d) => d.status === 'SUCCESS').length;
    const durations = finished.map((d) => d.durationMs ?? 0);
    return {
      env: input.env,
      deployments: rows.map((d) => ({
        id: d.id,
        service: d.service,
        version: d.version,
        date: new Date(d.startedAt).toISOString(),
        durationSeconds: d.durationMs === undefined ? null : Math.round(d.durationMs / 1000),
        strategy: d.strategy,
        deployer: d.actor,
        status: d.status,
        reason: d.reason ?? null,
      })),
      summary: {
        count: rows.length,
        successRate: finished.length > 0 ? successes / finished.length : null,
        averageDurationSeconds:
          durations.length > 0
            ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length / 1000)
            : null,
      },
    };
  },
  render: renderHistory,
});

function renderHistory(output: unknown): string | undefined {
  const r = record(output);
  const rows = records(r?.deployments);
  if (!r) return undefined;
  if (rows.length === 0) return `No deployments recorded in ${String(r.env)} yet.`;
  const summary = record(r.summary) ?? {};
  const table = textTable(
    ['date (UTC)', 'service', 'version', 'duration', 'strategy', 'deployer', 'status', 'reason'],
    rows.map((d) => [
      typeof d.date === 'string' ? d.date.slice(0, 16).replace('T', ' ') : d.date,
      d.service,
      d.version,
      duration(d.durationSeconds),
      d.strategy,
      d.deployer,
      d.status,
      d.reason,
    ]),
  );
  return [
    `Deployment history of ${String(r.env)}, newest first:`,
    table,
    `${rows.length} deployments; success rate ${percent(summary.successRate, 0)}, average duration ${duration(summary.averageDurationSeconds)}.`,
  ].join('\n');
}
