import { serviceOf } from '../config.js';
import { JarvisError } from '../errors.js';
import { upstreamCheck } from '../policies/release.js';
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

/**
 * The confirmation of a promotion (seed 001, "Promotion Command"): the pre-promotion checklist (the
 * source environment's release of the version, then every piece of release evidence the target
 * requires), then how the target deploys it. Refused (NOT_PROMOTED, or FORBIDDEN with the checks) before
 * anyone is asked when an item fails.
 */
export async function promotionChecklist(
  ctx: ToolContext,
  from: string,
  to: string,
  service: string,
  version: string,
): Promise<string> {
  const upstream = await upstreamCheck(ctx.config, ctx.store, to, service, version, { promotion: true });
  if (!upstream.ok) {
    throw new JarvisError(upstream.refusal?.code ?? 'NOT_PROMOTED', upstream.detail, {
      resource: `${from}/${service}`,
    });
  }
  await refuseWithoutEvidence(ctx, to, service, version);
  const { checks } = await ctx.rollouts.evidence(to, service, version);
  const svc = serviceOf(ctx.config, to, service);
  const FROM = from.toUpperCase();
  return [
    `Promotion of ${service} ${version} from ${FROM} to ${to.toUpperCase()}.`,
    '',
    'Pre-promotion checklist:',
    `  ✓ ${FROM} deployment status: SUCCESSFUL (${upstream.detail})`,
    `  ✓ ${FROM} version: ${version}`,
    ...checks.map((c) => `  ✓ ${c.name}: ${c.detail}`),
    '',
    `${to.toUpperCase()} deployment:`,
    `  • Blue/Green deployment strategy: steps ${svc.steps.join('→')}%, ${svc.bakeSeconds}s of analysis each, ${svc.verifySeconds}s of verification at 100%`,
  ].join('\n');
}
