import { z } from 'zod';
import type { ControlRequest, ControlResult } from '../rollout/service.js';
import { record } from './text.js';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, type ToolContext } from './tool.js';

const reasonField = z.string().max(300).optional().describe('Why, in the words of the person asking.');
const deploymentField = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('The deployment meant (as a button names it); refused when another one is running now.');
const input = z
  .object({ env: envField, service: serviceField, reason: reasonField, deploymentId: deploymentField })
  .strict();
type Input = z.infer<typeof input>;

function describe(result: ControlResult): Record<string, unknown> {
  const d = result.deployment;
  return {
    action: result.action,
    deploymentId: d.id,
    env: d.env,
    service: d.service,
    version: d.version,
    status: d.status,
    reason: d.reason ?? null,
    detail: result.detail,
  };
}

/** The service's request for the call: who asks, for which deployment, and why. */
function requestOf(
  ctx: ToolContext,
  i: {
    env: string;
    service?: string | undefined;
    reason?: string | undefined;
    deploymentId?: number | undefined;
  },
): ControlRequest {
  return {
    env: i.env,
    service: serviceFor(ctx.config, i.env, i.service),
    actor: ctx.actor,
    reason: i.reason,
    deploymentId: i.deploymentId,
  };
}

async function running(ctx: ToolContext, i: Input): Promise<string> {
  const service = serviceFor(ctx.config, i.env, i.service);
  const d = await ctx.rollouts.running(i.env, service);
  return d
    ? `deployment #${d.id}: ${service} ${d.version} by ${d.actor}`
    : `no rollout of ${service} in ${i.env} is in progress`;
}

const CONTROLLED: Record<string, string> = {
  aborted: 'Aborted',
  paused: 'Paused',
  resumed: 'Resumed',
};

/**
 * `{ deploymentId, env, service, version, status, action, detail }` as people read it; undefined when the
 * result does not have that shape.
 */
function render(output: unknown): string | undefined {
  const r = record(output);
  if (!r || typeof r.action !== 'string' || typeof r.env !== 'string' || typeof r.service !== 'string')
    return undefined;
  const id = typeof r.deploymentId === 'number' ? `deployment #${r.deploymentId}` : 'the rollout';
  const version = typeof r.version === 'string' ? ` ${r.version}` : '';
  const what = `${id} (${r.service}${version} in ${r.env})`;
  const done = Object.hasOwn(CONTROLLED, r.action) ? CONTROLLED[r.action] : undefined;
  const head = done ? `${done} ${what}` : `${capital(what)}: ${r.action.replace(/[-_]/g, ' ')}`;
  const status = typeof r.status === 'string' ? `; status ${r.status}` : '';
  const detail = typeof r.detail === 'string' && r.detail.trim() !== '' ? ` ${r.detail.trim()}` : '';
  const next = r.action === 'paused' ? ` Say "resume ${r.service} in ${r.env}" to continue.` : '';
  return `${head}${status}.${detail}${next}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const abortTool = defineTool({
  name: 'abort_rollout',
  description:
    'Aborts the rollout in progress of a service: all traffic back on the stable colour in one verified write, recorded ABORTED with who and why. Needs no MFA: it returns to the verified state. Works whichever process or channel started the rollout.',
  risk: 'write',
  effect: 'stops',
  input,
  summary: (i, config) =>
    `abort the rollout of ${serviceFor(config, i.env, i.service)} in ${i.env}: all traffic back on the stable colour`,
  target: (i, config) => ({ env: i.env, service: serviceFor(config, i.env, i.service) }),
  plan: async (ctx, i) => ({
    summary: `abort the rollout of ${serviceFor(ctx.config, i.env, i.service)} in ${i.env} (${await running(ctx, i)}): all traffic back on the stable colour in one verified write`,
    plan: undefined,
  }),
  run: async (ctx, i) => describe(await ctx.rollouts.abort(requestOf(ctx, i))),
  render,
});

export const pauseTool = defineTool({
  name: 'pause_rollout',
  description:
    'Pauses the rollout in progress of a service at its current step: traffic stays as it is, analysis goes on, and a failing analysis still rolls back. Resume it with resume_rollout, or abort it.',
  risk: 'write',
  effect: 'stops',
  input,
  summary: (i, config) =>
    `pause the rollout of ${serviceFor(config, i.env, i.service)} in ${i.env} at its current step`,
  target: (i, config) => ({ env: i.env, service: serviceFor(config, i.env, i.service) }),
  run: async (ctx, i) => describe(await ctx.rollouts.pause(requestOf(ctx, i))),
  render,
});

export const resumeTool = defineTool({
  name: 'resume_rollout',
  description: 'Resumes a paused rollout of a service: traffic shifting continues from its current step.',
  risk: 'write',
  input: z
    .object({
      env: envField,
      service: serviceField,
      deploymentId: deploymentField,
      breakGlass: breakGlassField,
    })
    .strict(),
  summary: (i, config) => `resume the rollout of ${serviceFor(config, i.env, i.service)} in ${i.env}`,
  target: (i, config) => ({
    env: i.env,
    service: serviceFor(config, i.env, i.service),
    breakGlass: i.breakGlass,
  }),
  run: async (ctx, i) => describe(await ctx.rollouts.resume(requestOf(ctx, i))),
  render,
});
