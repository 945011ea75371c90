import { JarvisError } from '../errors.js';
import type { ToolContext } from './tool.js';

/**
 * Refuses (FORBIDDEN, with the checks) a release whose evidence is missing or failing, before the person
 * is asked to confirm or to type a code; the pre-checks ask again when the release starts.
 */
export async function refuseWithoutEvidence(
  ctx: ToolContext,
  env: string,
  service: string,
  version: string,
): Promise<void> {
  const { checks } = await ctx.rollouts.evidence(env, service, version);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return;
  throw new JarvisError(
    'FORBIDDEN',
    `Release evidence missing for ${service} ${version} in ${env}: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}.`,
    { resource: `${env}/${service}`, facts: { checks } },
  );
}
