import { policyOf, previousEnvironment, type LoadedConfig } from '../../config.js';
import type { Refusal } from '../../errors.js';
import type { Store } from '../../store/store.js';

/**
 * The promotion rules, once: the order environments take versions in, success in the previous one, and
 * which versions a rollback may go to. Each returns a result instead of throwing, so the gate can always
 * decide and the engine can list the outcome among its pre-checks.
 */

/** The promotion order as people read it: `dev → tst → prd`. */
export function orderText(config: LoadedConfig): string {
  return config.order.join(' → ');
}

/**
 * Why promoting from `from` into `to` breaks the promotion order (PROMOTION_ORDER); undefined when `from`
 * is the environment right before `to`. Skipping an environment (dev → prd) or going backwards is refused.
 */
export function promotionOrderProblem(config: LoadedConfig, from: string, to: string): Refusal | undefined {
  const previous = previousEnvironment(config, to);
  if (previous === undefined) {
    return {
      code: 'PROMOTION_ORDER',
      reason: `${to} is the first environment of the promotion order (${orderText(config)}); nothing is promoted into it. Deploy to it instead.`,
    };
  }
  if (from !== previous) {
    return {
      code: 'PROMOTION_ORDER',
      reason: `Promotion follows the order ${orderText(config)}: ${to} takes versions from ${previous}, not from ${from}. Promote from ${previous} to ${to}.`,
    };
  }
  return undefined;
}

/** The outcome of the previous-environment rule for one version, as a pre-check shows it. */
export interface UpstreamCheck {
  /** False when the rule does not apply here (no requirement, or the first environment). */
  applies: boolean;
  ok: boolean;
  /** What was found: `1.3.0 succeeded in tst (deployment #12)`, or the refusal's reason. */
  detail: string;
  /** Set when not ok: NOT_PROMOTED and the reason. */
  refusal?: Refusal;
}

/**
 * Whether `version` of `service` succeeded in the environment before `env`: always for a promotion (that
 * is what promoting means), for a deploy where `env`'s policy wants it (`requirePreviousEnvSuccess`).
 * Rejects only when the store cannot answer.
 */
export async function upstreamCheck(
  config: LoadedConfig,
  store: Store,
  env: string,
  service: string,
  version: string,
  opts: { promotion?: boolean } = {},
): Promise<UpstreamCheck> {
  const previous = previousEnvironment(config, env);
  const wanted = opts.promotion === true || policyOf(config, env, service).requirePreviousEnvSuccess;
  if (!wanted || previous === undefined) {
    return { applies: false, ok: true, detail: `${env} takes any version` };
  }
  const upstream = await store.lastSuccessful(previous, service, version);
  if (upstream) {
    return {
      applies: true,
      ok: true,
      detail: `${version} succeeded in ${previous} (deployment #${upstream.id})`,
    };
  }
  const reason = `${service} ${version} has not succeeded in ${previous}, and ${env} only takes versions that did: deploy it to ${previous} first.`;
  return { applies: true, ok: false, detail: reason, refusal: { code: 'NOT_PROMOTED', reason } };
}

/** Whether a rollback may go to a named version: why it may, or the refusal and the versions that may. */
export type RollbackVersionCheck =
  { ok: true; why: string; knownGood: boolean } | { ok: false; refusal: Refusal; options: string[] };

/**
 * The release policy for a named rollback target, from the release state: it was live and verified here
 * before (known good), or it succeeded in the previous environment and did not fail here. A version that
 * failed here is never a rollback target (ROLLBACK_NOT_ALLOWED). Rejects only when the store cannot answer.
 */
export async function rollbackVersionCheck(
  config: LoadedConfig,
  store: Store,
  env: string,
  service: string,
  version: string,
): Promise<RollbackVersionCheck> {
  const verdicts = await store.versionVerdicts(env, service);
  const verdict = verdicts.find((v) => v.version === version);
  if (verdict?.verdict === 'known_good') return { ok: true, why: 'verified here before', knownGood: true };
  const previous = previousEnvironment(config, env);
  const upstream = previous ? await store.lastSuccessful(previous, service, version) : undefined;
  if (upstream && verdict?.verdict !== 'failed') {
    return { ok: true, why: `succeeded in ${previous} (#${upstream.id})`, knownGood: false };
  }
  const known = verdicts.filter((v) => v.verdict === 'known_good').map((v) => v.version);
  const reason =
    verdict?.verdict === 'failed'
      ? `${service} ${version} failed in ${env} (${verdict.reason ?? 'failed'}): Jarvis will not roll back to it.`
      : `${service} ${version} was never live and verified in ${env}${previous ? ` and has no successful deployment in ${previous}` : ''}: a rollback must go to a version the release policy allows. ` +
        (known.length > 0
          ? `Verified here: ${known.join(', ')}.`
          : 'Deploy it through the promotion order instead.');
  return { ok: false, refusal: { code: 'ROLLBACK_NOT_ALLOWED', reason }, options: known };
}
