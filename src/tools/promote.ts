import { z } from 'zod';
import type { LoadedConfig } from '../config.js';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { promotionChecklist } from './evidence.js';
import { describeRollout, renderRollout, rolloutSucceeded } from './render.js';

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
  summary: (input, config) => summaryOf(input, config),
  target: (input, config) => ({
    env: input.to,
    fromEnv: input.from,
    service: serviceFor(config, input.to, input.service),
    version: input.version,
    breakGlass: input.breakGlass,
  }),
  // The checklist comes first; a failing item is refused before anyone is asked to confirm.
  plan: async (ctx, input) => {
    const service = serviceFor(ctx.config, input.to, input.service);
    return {
      summary: await promotionChecklist(ctx, input.from, input.to, service, input.version),
      plan: undefined,
      question: `Proceed with ${input.to.toUpperCase()} promotion?`,
    };
  },
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
    return describeRollout(result, ctx.config);
  },
  render: renderRollout,
  succeeded: rolloutSucceeded,
});

function summaryOf(
  input: { version: string; from: string; to: string; service?: string | undefined },
  config: LoadedConfig,
): string {
  return `promote ${serviceFor(config, input.to, input.service)} ${input.version} from ${input.from} to ${input.to} (blue/green)`;
}
