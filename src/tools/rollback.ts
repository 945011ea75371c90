import { z } from 'zod';
import { rollbackConfirmation, type RollbackPlan } from '../rollout/rollback.js';
import { breakGlassField, defineTool, envField, serviceField, serviceFor, versionField } from './tool.js';
import { describeRollout, renderRollout, rolloutSucceeded } from './render.js';
import { record, records } from './text.js';

export const rollbackTool = defineTool({
  name: 'rollback_service',
  description:
    'Rolls a service back to its last known-good version (one that was live and verified in this environment): one verified weight write when the standby colour holds it, else that version is prepared on the idle colour first. Refused when there is no known-good version. With a version: that version, if it was verified here before or succeeded in the previous environment, then analysed for the verification window. During a rollout of the same service it aborts that rollout instead.',
  risk: 'write',
  effect: 'reverts',
  input: z
    .object({
      env: envField,
      service: serviceField,
      version: versionField
        .optional()
        .describe('Version to go back to; omit for the last known-good version.'),
      reason: z
        .string()
        .max(300)
        .optional()
        .describe('Why, in the words of the person asking; recorded on the release rolled back.'),
      breakGlass: breakGlassField,
    })
    .strict(),
  summary: (input, config) =>
    `roll back ${serviceFor(config, input.env, input.service)} in ${input.env} to ${input.version ?? 'the last known-good version'}`,
  target: (input, config) => ({
    env: input.env,
    service: serviceFor(config, input.env, input.service),
    version: input.version,
    breakGlass: input.breakGlass,
  }),
  plan: async (ctx, input) => {
    const plan = await ctx.rollouts.planRollback(
      input.env,
      serviceFor(ctx.config, input.env, input.service),
      input.version,
    );
    return {
      summary: rollbackConfirmation(plan, ctx.clock.now()),
      plan,
      question: plan.kind === 'abort' ? 'Abort it?' : 'Confirm rollback?',
    };
  },
  run: async (ctx, input) => {
    const result = await ctx.rollouts.rollback({
      env: input.env,
      service: serviceFor(ctx.config, input.env, input.service),
      version: input.version,
      reason: input.reason,
      actor: ctx.actor,
      expect: ctx.plan as RollbackPlan | undefined,
      ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return describeRollout(result, ctx.config);
  },
  render: renderRollout,
  // During a rollout a rollback is its abort: the rollout ending ABORTED is then what was asked for.
  succeeded: (output) =>
    rolloutSucceeded(output) ||
    (record(output)?.status === 'ABORTED' &&
      records(record(output)?.checks).some((c) => c.name === 'rollout in progress')),
});
