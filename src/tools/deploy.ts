import { z } from 'zod';
import { serviceOf } from '../config.js';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { describeRollout, renderRollout } from './render.js';

export const deployTool = defineTool({
  name: 'deploy_service',
  description:
    'Blue/green deploy of a version to one environment: prepares the idle colour with the version, shifts traffic step by step (e.g. 10, 25, 50, 100%) with error-rate and latency analysis between steps, and rolls back automatically when analysis fails. Returns the deployment record and the pre-check list. Use promote_version to move a version from one environment to the next.',
  risk: 'write',
  input: z
    .object({ env: envField, service: serviceField, version: versionField, breakGlass: breakGlassField })
    .strict(),
  summary: (input, config) => {
    const service = serviceFor(config, input.env, input.service);
    const steps = serviceOf(config, input.env, service).steps.join('→');
    return `deploy ${service} ${input.version} to ${input.env} (blue/green, steps ${steps}%)`;
  },
  target: (input, config) => ({
    env: input.env,
    service: serviceFor(config, input.env, input.service),
    version: input.version,
    breakGlass: input.breakGlass,
  }),
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
    return describeRollout(result);
  },
  render: renderRollout,
});
