import type { LoadedConfig } from '../../config.js';
import { JarvisError } from '../../errors.js';
import type { Deployment, JournalEntry, Store } from '../../store/store.js';
import { colourLabel, kubectl } from './helpers.js';
import { commandTarget, rollbackOutlook } from './remedy.js';
import type { Facts, Finding } from './types.js';

/** Which deployment a troubleshooting diagnosis is about: the last one that did not succeed, or an id. */
export type DeploymentFocus = 'last_failed' | number;

const FAILED = new Set(['FAILED', 'ROLLED_BACK', 'ABORTED']);
/** Deployments searched for the last failed one. */
const SEARCH = 50;

const iso = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';

/**
 * The deployment a troubleshooting question is about. Undefined when the service has no failed one;
 * INVALID_INPUT for an id that does not exist or belongs to another service or environment.
 */
export async function findDeployment(
  store: Store,
  env: string,
  service: string,
  focus: DeploymentFocus,
): Promise<{ deployment: Deployment; journal: JournalEntry[] } | undefined> {
  let d: Deployment | undefined;
  if (focus === 'last_failed') {
    d = (await store.listDeployments({ env, service, limit: SEARCH })).find((x) => FAILED.has(x.status));
  } else {
    d = await store.getDeployment(focus);
    if (!d || d.env !== env || d.service !== service) {
      throw new JarvisError(
        'INVALID_INPUT',
        d
          ? `Deployment #${focus} is of ${d.service} in ${d.env}, not of ${service} in ${env}: diagnose that one there, or leave the deployment out.`
          : `There is no deployment #${focus}: list them with "history ${env}", or ask about the last failed one.`,
        { resource: `deployment/${focus}` },
      );
    }
  }
  return d ? { deployment: d, journal: await store.journal(d.id) } : undefined;
}

/**
 * The environment and service of the newest deployment that failed, rolled back or was aborted, of
 * `service` when given, in any configured environment. NOT_FOUND when there is none among the last ones.
 */
export async function lastFailedAnywhere(
  store: Store,
  config: LoadedConfig,
  service: string | undefined,
): Promise<{ env: string; service: string }> {
  const recent = await store.listDeployments({ service, limit: SEARCH * 4 });
  const found = recent.find((d) => FAILED.has(d.status) && config.environments[d.env]?.services[d.service]);
  if (!found) {
    throw new JarvisError(
      'NOT_FOUND',
      `No deployment${service ? ` of ${service}` : ''} failed, rolled back or was aborted among the last ${SEARCH * 4}: there is nothing to troubleshoot. To look at an environment as it is now, say "diagnose <env>" (${config.order.join(', ')}).`,
      { resource: 'deployments', options: config.order },
    );
  }
  return { env: found.env, service: found.service };
}

/** The phase it ended in, from its journal: `prepare`, `shift at 25 %`, `verify`... */
function endPhase(journal: readonly JournalEntry[]): string | undefined {
  const last = [...journal].reverse().find((e) => e.state !== 'abort' && e.state !== 'recover');
  if (!last) return undefined;
  return last.state === 'shift' && typeof last.data.step === 'number'
    ? `the shift to ${last.data.step} %`
    : last.state;
}

/**
 * The answer to "Deployment failed - how do I troubleshoot?": what failed, when, in which phase, its
 * cause (the recorded reason), what users saw, and the next step. The rollback is offered only when it
 * is the fix: the failed version still serves traffic. Nothing failed: one info finding saying so.
 */
export function failedDeploymentFinding(
  facts: Facts,
  found: { deployment: Deployment; journal: JournalEntry[] } | undefined,
): Finding {
  const target = commandTarget(facts);
  if (!found) {
    return {
      analyzer: 'failed-deployment',
      severity: 'info',
      finding: `No failed deployment of ${facts.service} in ${facts.env} is recorded.`,
      evidence: (facts.history.recent ?? [])
        .slice(0, 3)
        .map((d) => `#${d.id} ${d.version} → ${d.colour} ${d.status} at ${iso(d.startedAt)}`),
      next: {
        step: `See every deployment with \`history ${facts.env}\`; the findings below describe the service as it is now.`,
        jarvis: `history ${facts.env}`,
        command: `kubectl -n ${facts.namespace} get deployments -o wide`,
      },
    };
  }
  const { deployment: d, journal } = found;
  const c = facts.colours[d.colour];
  const live = c.servesTraffic === true && c.deployment?.version === d.version;
  const phase = endPhase(journal);
  const outlook = rollbackOutlook(facts);
  const when = `${iso(d.endedAt ?? d.startedAt)}${d.durationMs !== undefined ? ` after ${Math.round(d.durationMs / 1000)} s` : ''}`;
  const evidence = [
    `started by ${d.actor} at ${iso(d.startedAt)}, ${d.strategy}${d.previousVersion ? ` over ${d.previousVersion}` : ''}`,
    ...(phase ? [`ended in ${phase}`] : []),
    `${d.colour} now: ${colourLabel(c)}`,
  ];
  const next = live
    ? {
        step: `${d.version} still serves traffic on ${d.colour}: roll back${outlook?.ok ? ` (${outlook.text})` : ''}, then fix the cause above.`,
        jarvis: `rollback ${target}`,
        command: kubectl.describeDeployment(facts.namespace, c.deploymentName),
      }
    : {
        step: `No user is on ${d.version}: traffic stayed on or went back to the stable colour, so there is nothing to roll back. Fix the cause above, then deploy again (\`deploy <fixed version> to ${facts.env}\`).`,
        command: kubectl.describeDeployment(facts.namespace, c.deploymentName),
      };
  return {
    analyzer: 'failed-deployment',
    severity: live ? 'critical' : 'warning',
    colour: d.colour,
    finding: `Deployment #${d.id} of ${facts.service} ${d.version} to ${d.colour} ended ${d.status} at ${when}: ${d.reason ?? 'no reason was recorded'}.`,
    evidence,
    next,
  };
}
