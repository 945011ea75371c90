import { colourLabel, COLOURS } from '../helpers.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * A HorizontalPodAutoscaler of a colour held at its maxReplicas while its metrics ask for more: the
 * colour cannot grow with its load, and latency and errors follow. On a colour taking traffic only.
 */
export const hpaAtMaxAnalyzer: Analyzer = {
  name: 'hpa-at-max',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      if (c.servesTraffic === false) continue;
      for (const h of facts.scaling?.hpas ?? []) {
        if (h.target !== `Deployment/${c.deploymentName}`) continue;
        const limited = h.conditions.find((k) => k.type === 'ScalingLimited' && k.status === 'True');
        if (h.currentReplicas < h.maxReplicas || limited?.reason !== 'TooManyReplicas') continue;
        findings.push({
          analyzer: 'hpa-at-max',
          severity: 'warning',
          colour,
          finding: `HorizontalPodAutoscaler ${h.name} holds ${colourLabel(c)} at its maxReplicas (${h.maxReplicas}) while its metrics ask for more: it cannot grow with its load.`,
          evidence: [
            `replicas ${h.currentReplicas}, min ${h.minReplicas}, max ${h.maxReplicas}`,
            `ScalingLimited: ${limited.reason}${limited.message ? ` (${limited.message})` : ''}`,
          ],
          next: {
            step: `Raise maxReplicas of ${h.name} if the nodes have room, or find what drives the load; the standby colour's HPA needs the same ceiling before the next release.`,
            command: `kubectl -n ${facts.namespace} describe hpa ${h.name}`,
          },
        });
      }
    }
    return findings;
  },
};
