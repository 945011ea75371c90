import { colourLabel, COLOURS, eventLines, eventsOf, impact } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

const QUOTA = /exceeded quota: ([\w.-]+)/;

/**
 * ResourceQuota exceeded: the ReplicaSet controller's FailedCreate events say the namespace's quota
 * forbids more pods (or more CPU or memory), so the colour cannot reach its replicas.
 */
export const quotaExceededAnalyzer: Analyzer = {
  name: 'quota-exceeded',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const events = eventsOf(facts, colour, 'FailedCreate').filter((e) => QUOTA.test(e.message));
      const first = events[0];
      if (!first) continue;
      const quota = QUOTA.exec(first.message)![1]!;
      const d = c.deployment;
      findings.push({
        analyzer: 'quota-exceeded',
        severity: impact(c),
        colour,
        finding: `ResourceQuota ${quota} of namespace ${facts.namespace} forbids new pods of ${colourLabel(c)}${d ? ` (${d.readyReplicas} of ${d.replicas} ready)` : ''}.`,
        evidence: [
          `${events.reduce((n, e) => n + e.count, 0)} FailedCreate events of ${first.involvedObject.name}`,
        ],
        quoted: { source: 'replicaset-controller events', lines: eventLines(events) },
        next: nextStep(
          facts,
          c,
          `Raise the quota, or free room in ${facts.namespace} (scale down what is not needed, lower requests).`,
          `kubectl -n ${facts.namespace} describe resourcequota ${quota}`,
        ),
      });
    }
    return findings;
  },
};
