import { z } from 'zod';
import { rollback } from '../rollout/rollback.js';
import { defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { describeRollout, renderRollout } from './render.js';

export const rollbackTool = defineTool({
  name: 'rollback_service',
  description:
    'Rolls an environment back. Without a version: moves all traffic to the standby colour (the previous version, still running) in one verified write. With a version: prepares the idle colour with that version, then switches all traffic to it.',
  risk: 'write',
  input: z
    .object({
      env: envField,
      service: serviceField,
      version: versionField
        .optional()
        .describe('Version to go back to; omit for the previous version (the standby colour).'),
    })
    .strict(),
  summary: (input, config) =>
    `roll back ${serviceFor(config, input.env, input.service)} in ${input.env} to ${input.version ?? 'the previous version (standby colour)'}`,
  target: (input, config) => ({
    env: input.env,
    service: serviceFor(config, input.env, input.service),
    version: input.version,
  }),
  run: async (ctx, input) => {
    const result = await rollback(ctx.engine, {
      env: input.env,
      service: serviceFor(ctx.config, input.env, input.service),
      version: input.version,
      actor: ctx.actor,
      ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return describeRollout(result);
  },
  render: renderRollout,
});
