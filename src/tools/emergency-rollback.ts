import { z } from 'zod';
import { environmentOf, policyOf, type LoadedConfig } from '../config.js';
import { JarvisError } from '../errors.js';
import { describeEmergency, type EmergencyOutcome, type EmergencyPlan } from '../rollout/emergency.js';
import { record, records, textTable } from './text.js';
import { defineTool, envField } from './tool.js';

const input = z
  .object({
    env: envField,
    scope: z
      .enum(['all', 'canaries'])
      .optional()
      .describe(
        'all (default): every service back to its last known-good version; canaries: only abort every rollout in progress.',
      ),
    group: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe('A group of services named in the configuration (groups); omit for every service.'),
    reason: z.string().max(300).optional().describe('Why, in the words of the person asking.'),
  })
  .strict();
type Input = z.infer<typeof input>;

/**
 * The services an emergency rollback covers: the group's members that run in `env`, or every service of
 * `env`. INVALID_INPUT for an unknown group (with the known ones) or a group with no service there.
 */
export function servicesOf(config: LoadedConfig, i: Input): string[] {
  const all = Object.keys(environmentOf(config, i.env).services);
  if (i.group === undefined) return all;
  const members = config.groups[i.group];
  if (!members) {
    const known = Object.keys(config.groups);
    throw new JarvisError(
      'INVALID_INPUT',
      `There is no group "${i.group}"${known.length > 0 ? `; groups: ${known.join(', ')}` : ' (the configuration names none)'}.`,
      { options: known },
    );
  }
  const here = members.filter((m) => all.includes(m));
  if (here.length === 0) {
    throw new JarvisError('INVALID_INPUT', `No service of the group ${i.group} runs in ${i.env}.`, {
      options: all,
    });
  }
  return here;
}

/**
 * The service whose release policy the gate applies to the whole operation: the first one. Refused
 * (FORBIDDEN) when the services' policies differ, so that no service is written under a weaker rule
 * than its own: they are then rolled back one by one.
 */
function policyService(config: LoadedConfig, i: Input): string {
  const services = servicesOf(config, i);
  const first = services[0]!;
  const key = (s: string) => JSON.stringify(policyOf(config, i.env, s));
  const other = services.find((s) => key(s) !== key(first));
  if (other) {
    throw new JarvisError(
      'FORBIDDEN',
      `${first} and ${other} in ${i.env} have different release policies: roll them back one by one ("rollback ${first} in ${i.env}").`,
      { options: services },
    );
  }
  return first;
}

export const emergencyRollbackTool = defineTool({
  name: 'emergency_rollback',
  description:
    'Emergency: rolls back every service of an environment (or of a configured group) to its last known-good version, one service at a time, each with one verified write (its rollout in progress is aborted instead); with scope "canaries" it only aborts every rollout in progress there. One confirmation lists the plan per service. A service with no known-good version is skipped with the reason; the others still proceed. The result has one entry per service.',
  risk: 'write',
  // Every service goes back to its known-good version (or its canary is aborted): a freeze lets it through.
  effect: 'reverts',
  input,
  summary: (i) =>
    `emergency ${i.scope === 'canaries' ? 'abort of every rollout' : 'rollback of every service'}${i.group ? ` of ${i.group}` : ''} in ${i.env}`,
  target: (i, config) => ({ env: i.env, service: policyService(config, i) }),
  plan: async (ctx, i) => {
    const plan = await ctx.rollouts.planEmergency(i.env, servicesOf(ctx.config, i), i.scope ?? 'all');
    if (plan.steps.every((s) => s.kind === 'skip')) {
      throw new JarvisError(
        'CONFLICT',
        `Nothing to do in ${i.env}: ${plan.steps.map((s) => (s.kind === 'skip' ? `${s.service}: ${s.reason}` : '')).join('; ')}`,
      );
    }
    return {
      summary: describeEmergency(plan, ctx.clock.now()),
      plan,
      question: `Confirm emergency ${plan.scope === 'canaries' ? 'abort' : 'rollback'}?`,
    };
  },
  run: async (ctx, i) => {
    const plan =
      (ctx.plan as EmergencyPlan | undefined) ??
      (await ctx.rollouts.planEmergency(i.env, servicesOf(ctx.config, i), i.scope ?? 'all'));
    const outcomes = await ctx.rollouts.emergencyRollback({
      env: i.env,
      actor: ctx.actor,
      reason: i.reason,
      plan,
      ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return {
      env: i.env,
      scope: plan.scope,
      ...(i.group ? { group: i.group } : {}),
      status: statusOf(outcomes),
      services: outcomes,
    };
  },
  render: (output) => emergencyText(output, Infinity),
  renderNarrow: emergencyText,
  succeeded: (output) => record(output)?.status === 'SUCCESS',
});

/** The outcome per service as people read it; the table fitted to `width` columns when finite. */
function emergencyText(output: unknown, width: number): string | undefined {
  const r = record(output);
  const rows = records(r?.services);
  if (!r || typeof r.env !== 'string' || rows.length === 0) return undefined;
  const table = textTable(
    ['service', 'outcome', 'version', 'deployment', 'detail'],
    rows.map((o) => [
      o.service,
      o.outcome,
      o.version ?? '',
      typeof o.deploymentId === 'number' ? `#${o.deploymentId}` : '',
      o.detail,
    ]),
    width,
  );
  return `Emergency ${r.scope === 'canaries' ? 'abort' : 'rollback'} in ${r.env}: ${String(r.status)}.\n${table}`;
}

/** SUCCESS: every service acted on did what was asked (skips aside); PARTIAL: some failed; FAILED: all. */
function statusOf(outcomes: readonly EmergencyOutcome[]): 'SUCCESS' | 'PARTIAL' | 'FAILED' {
  const acted = outcomes.filter((o) => o.outcome !== 'skipped');
  const failed = acted.filter((o) => o.outcome === 'failed');
  if (failed.length === 0) return 'SUCCESS';
  return failed.length === acted.length ? 'FAILED' : 'PARTIAL';
}
