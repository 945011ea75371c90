import { colourLabel, COLOURS, livePods } from '../helpers.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * A PodDisruptionBudget over a colour's pods that allows no disruption now: node drains, cluster
 * upgrades and the autoscaler's scale-down wait on it (and a drain advised for a node in trouble hangs).
 */
export const pdbBlockingAnalyzer: Analyzer = {
  name: 'pdb-blocking',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c);
      for (const p of facts.scaling?.pdbs ?? []) {
        const labels = Object.entries(p.matchLabels);
        if (labels.length === 0 || p.disruptionsAllowed > 0) continue;
        const covered = pods.filter((pod) => labels.every(([k, v]) => pod.labels[k] === v));
        if (covered.length === 0) continue;
        const rule =
          p.minAvailable !== undefined
            ? `minAvailable ${p.minAvailable}`
            : `maxUnavailable ${p.maxUnavailable ?? '?'}`;
        findings.push({
          analyzer: 'pdb-blocking',
          severity: 'warning',
          colour,
          finding: `PodDisruptionBudget ${p.name} allows no disruption of ${colourLabel(c)} (${rule}, ${p.currentHealthy} healthy of ${p.desiredHealthy} required): node drains and upgrades are blocked.`,
          evidence: [
            `${covered.length} pods of ${c.deploymentName} selected by ${labels.map(([k, v]) => `${k}=${v}`).join(',')}`,
            `expected pods ${p.expectedPods}, disruptions allowed ${p.disruptionsAllowed}`,
          ],
          next: {
            step:
              p.currentHealthy < p.desiredHealthy
                ? 'Pods are already down: fix them first (see the other findings); the budget holds until they are healthy.'
                : `Loosen ${p.name} (a minAvailable below the replicas, or a maxUnavailable of at least 1) so drains can proceed.`,
            command: `kubectl -n ${facts.namespace} describe pdb ${p.name}`,
          },
        });
      }
    }
    return findings;
  },
};
