import type { PodSummary } from '../../../platform/kube-types.js';
import {
  capped,
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

/** The container was killed for exceeding its memory limit, now or in its last instance. */
export function isOomKilled(pod: PodSummary, container: string): boolean {
  const c = mainContainer(pod, container);
  return c?.reason === 'OOMKilled' || c?.lastTermination?.reason === 'OOMKilled';
}

/** OOMKilled: exit 137 with the memory limit hit. */
export const oomKilledAnalyzer: Analyzer = {
  name: 'oom-killed',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c)
        .filter((p) => isOomKilled(p, facts.container))
        .sort((a, b) => b.restarts - a.restarts);
      const worst = pods[0];
      if (!worst) continue;
      const container = mainContainer(worst, facts.container)!;
      findings.push({
        analyzer: 'oom-killed',
        severity: impact(c),
        colour,
        finding: `${plural(pods.length, 'pod')} of ${colourLabel(c)} ${pods.length === 1 ? 'was' : 'were'} OOMKilled: container ${container.name} exceeds its memory limit (exit code 137) and is restarted.`,
        evidence: capped(
          pods.map((p) => {
            const k = mainContainer(p, facts.container)!;
            const at = k.lastTermination?.finishedAt;
            return `${p.name}: ${k.reason ?? k.state}, ${plural(k.restartCount, 'restart')}, last exit ${k.lastTermination?.exitCode ?? k.exitCode ?? 137} OOMKilled${at ? ` at ${at}` : ''}`;
          }),
        ),
        next: nextStep(
          facts,
          c,
          `Compare the container's memory limit with what ${c.deployment?.version ?? 'this version'} needs; raise the limit or fix the allocation.`,
          kubectl.describePod(facts.namespace, worst.name),
        ),
      });
    }
    return findings;
  },
};
