import { z } from 'zod';
import { environmentOf } from '../config.js';
import { record } from './text.js';
import { defineTool, envField } from './tool.js';

export const unfreezeTool = defineTool({
  name: 'unfreeze_environment',
  description:
    'Admins only. Lifts the freezes set with freeze_environment on an environment. Freeze windows written in the configuration stay in force (they end on their own). Audited.',
  risk: 'write',
  effect: 'guards',
  minRole: 'admin',
  input: z.object({ environment: envField }).strict(),
  summary: (i) => `unfreeze ${i.environment}`,
  target: (i) => ({ env: i.environment, service: undefined }),
  run: async (ctx, i) => {
    environmentOf(ctx.config, i.environment);
    const lifted = await ctx.store.liftFreezes(i.environment, ctx.actor, Date.now());
    return { env: i.environment, status: lifted > 0 ? 'UNFROZEN' : 'NOT_FROZEN', lifted };
  },
  render: (output) => {
    const r = record(output);
    if (!r || typeof r.env !== 'string') return undefined;
    return r.status === 'UNFROZEN'
      ? `${r.env} is no longer frozen (${String(r.lifted)} freeze${r.lifted === 1 ? '' : 's'} lifted). Freeze windows in the configuration still apply.`
      : `${r.env} had no freeze set with freeze_environment; freeze windows in the configuration still apply.`;
  },
});
