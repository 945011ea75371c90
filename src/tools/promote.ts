import { z } from 'zod';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { describeRollout, renderRollout } from './render.js';

export const promoteTool = defineTool({
  name: 'promote_version',
  description:
    'Promotes a version from one environment to the next in the promotion order (dev → tst → prd): checks the version succeeded in the source environment, then runs a blue/green deploy in the target. The result includes the checklist that was checked.',
  risk: 'write',
  input: z
    .object({
      version: versionField,
      from: envField.describe('Environment the version succeeded in.'),
      to: envField.describe('Environment to deploy it to: the next one in the promotion order.'),
      service: serviceField,
      breakGlass: breakGlassField,
    })
    .strict(),
  summary: (input, config) =>
    `promote ${serviceFor(config, input.to, input.service)} ${input.version} from ${input.from} to ${input.to} (blue/green)`,
  target: (input, config) => ({
    env: input.to,
    fromEnv: input.from,
    service: serviceFor(config, input.to, input.service),
    version: input.version,
    breakGlass: input.breakGlass,
  }),
  run: async (ctx, input) => {
    const result = await ctx.rollouts.promote({
      from: input.from,
      to: input.to,
      service: serviceFor(ctx.config, input.to, input.service),
      version: input.version,
      actor: ctx.actor,
      ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return describeRollout(result);
  },
  render: renderRollout,
});
