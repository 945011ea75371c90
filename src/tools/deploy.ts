import { z } from 'zod';
import { serviceOf, type LoadedConfig } from '../config.js';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { refuseWithoutEvidence } from './evidence.js';
import { describeRollout, renderRollout, rolloutSucceeded } from './render.js';

export const deployTool = defineTool({
  name: 'deploy_service',
  description:
    'Blue/green deploy of a version to one environment: prepares the idle colour with the version, shifts traffic step by step (e.g. 10, 25, 50, 100%) with error-rate and latency analysis between steps, and rolls back automatically when analysis fails. Returns the deployment record and the pre-check list. Use promote_version to move a version from one environment to the next.',
  risk: 'write',
  input: z
    .object({ env: envField, service: serviceField, version: versionField, breakGlass: breakGlassField })
    .strict(),
  summary: (input, config) => summaryOf(input, config),
  target: (input, config) => ({
    env: input.env,
    service: serviceFor(config, input.env, input.service),
    version: input.version,
    breakGlass: input.breakGlass,
  }),
  // Missing or failing release evidence is refused before anyone is asked to confirm.
  plan: async (ctx, input) => {
    await refuseWithoutEvidence(
      ctx,
      input.env,
      serviceFor(ctx.config, input.env, input.service),
      input.version,
    );
    return { summary: summaryOf(input, ctx.config), plan: undefined };
  },
  run: async (ctx, input) => {
    const service = serviceFor(ctx.config, input.env, input.service);
    const result = await ctx.rollouts.deploy({
      env: input.env,
      service,
      version: input.version,
      actor: ctx.actor,
      ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return describeRollout(result, ctx.config);
  },
  render: renderRollout,
  succeeded: rolloutSucceeded,
});

function summaryOf(
  input: { env: string; service?: string | undefined; version: string },
  config: LoadedConfig,
): string {
  const service = serviceFor(config, input.env, input.service);
  const steps = serviceOf(config, input.env, service).steps.join('→');
  return `deploy ${service} ${input.version} to ${input.env} (blue/green, steps ${steps}%)`;
}
