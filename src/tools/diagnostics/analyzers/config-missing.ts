import {
  capped,
  clip,
  colourLabel,
  COLOURS,
  impact,
  kubectl,
  livePods,
  mainContainer,
  plural,
} from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

const REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError']);
/** `configmap "x" not found`, `secret "y" not found`, `couldn't find key z in ConfigMap shop/x`. */
const MISSING =
  /\b(configmap|secret)s? "([^"]+)" not found|couldn't find key (\S+) in (ConfigMap|Secret) [^/\s]+\/(\S+)/i;

/**
 * CreateContainerConfigError: the kubelet cannot build the container because a ConfigMap or Secret
 * (or a key in one) that the pod spec references does not exist. Names the missing object.
 */
export const configMissingAnalyzer: Analyzer = {
  name: 'config-missing',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c).filter((p) => REASONS.has(mainContainer(p, facts.container)?.reason ?? ''));
      const first = pods[0];
      if (!first) continue;
      const message = mainContainer(first, facts.container)?.message ?? '';
      const m = MISSING.exec(message);
      const kind = (m?.[1] ?? m?.[4] ?? '').toLowerCase();
      const name = m?.[2] ?? m?.[5];
      const what = name
        ? `${kind} ${name}${m?.[3] ? ` (key ${m[3]})` : ''}`
        : 'a referenced ConfigMap or Secret';
      findings.push({
        analyzer: 'config-missing',
        severity: impact(c),
        colour,
        finding: `${plural(pods.length, 'pod')} of ${colourLabel(c)} cannot start: ${what} does not exist (${mainContainer(first, facts.container)!.reason}).`,
        evidence: capped(
          pods.map((p) => `${p.name}: ${clip(mainContainer(p, facts.container)?.message ?? 'no message')}`),
        ),
        next: nextStep(
          facts,
          c,
          `Create ${what} in ${facts.namespace}, or fix the reference in the Deployment's pod spec.`,
          name
            ? `kubectl -n ${facts.namespace} get ${kind} ${name}`
            : kubectl.describePod(facts.namespace, first.name),
        ),
      });
    }
    return findings;
  },
};
