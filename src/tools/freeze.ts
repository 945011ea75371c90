import { z } from 'zod';
import { environmentOf } from '../config.js';
import { JarvisError } from '../errors.js';
import { record } from './text.js';
import { defineTool, envField } from './tool.js';

/** ISO-8601: `2026-12-27`, `2026-12-27T08:00Z`, `2026-12-27T08:00:00+01:00`. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const freezeTool = defineTool({
  name: 'freeze_environment',
  description:
    'Admins only. Freezes an environment: until it is lifted (unfreeze_environment) or `until` passes, every write there is refused with the reason, except abort, pause and rollback to the last known-good version. Stored, so every replica enforces it; audited.',
  risk: 'write',
  effect: 'guards',
  minRole: 'admin',
  input: z
    .object({
      environment: envField,
      reason: z.string().min(3).max(300).describe('Why writes must wait, shown with every refusal.'),
      until: z
        .string()
        .regex(ISO, 'must be an ISO-8601 date or time with Z or an offset, e.g. 2026-12-27T08:00Z')
        .optional()
        .describe('When the freeze ends by itself (ISO-8601, e.g. 2026-12-27T08:00Z); omit: until unfrozen.'),
    })
    .strict(),
  summary: (i) => `freeze ${i.environment}${i.until ? ` until ${i.until}` : ''}: ${i.reason}`,
  target: (i) => ({ env: i.environment, service: undefined }),
  run: async (ctx, i) => {
    environmentOf(ctx.config, i.environment);
    const now = Date.now();
    const until = i.until === undefined ? undefined : Date.parse(i.until);
    if (until !== undefined && !(until > now)) {
      throw new JarvisError(
        'INVALID_INPUT',
        `until ${i.until} is not in the future: give a later time, or omit it to freeze until unfrozen.`,
        { resource: `environment/${i.environment}` },
      );
    }
    const stored = await ctx.store.putFreeze({
      env: i.environment,
      reason: i.reason,
      actor: ctx.actor,
      at: now,
      until,
    });
    return {
      env: stored.env,
      status: 'FROZEN',
      reason: stored.reason,
      until: stored.until === undefined ? null : new Date(stored.until).toISOString(),
      by: stored.actor,
    };
  },
  render: (output) => {
    const r = record(output);
    if (!r || typeof r.env !== 'string') return undefined;
    const until = typeof r.until === 'string' ? `until ${r.until}` : 'until someone unfreezes it';
    return `${r.env} is frozen ${until}: ${String(r.reason)}. Writes there are refused except abort, pause and rollback to known good.`;
  },
});
