import {
  capped,
  clip,
  colourLabel,
  COLOURS,
  eventLines,
  eventsOf,
  impact,
  livePods,
  kubectl,
  plural,
} from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

/** Pending pods the scheduler cannot place: the scheduler's reason (resources, affinity, taints). */
export const pendingAnalyzer: Analyzer = {
  name: 'pending',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c).filter((p) => p.phase === 'Pending' && p.node === undefined);
      const first = pods[0];
      if (!first) continue;
      const unschedulable = pods.filter((p) =>
        p.conditions.some((k) => k.type === 'PodScheduled' && k.status === 'False'),
      );
      const reasons = [
        ...new Set(
          unschedulable.flatMap((p) =>
            p.conditions
              .filter((k) => k.type === 'PodScheduled' && k.status === 'False' && k.message)
              .map((k) => clip(k.message!)),
          ),
        ),
      ];
      const events = eventsOf(facts, colour, 'FailedScheduling');
      const quoted = events.length > 0 ? eventLines(events) : reasons;
      findings.push({
        analyzer: 'pending',
        severity: impact(c),
        colour,
        finding:
          unschedulable.length > 0
            ? `${plural(unschedulable.length, 'pod')} of ${colourLabel(c)} cannot be scheduled: no node has room for ${unschedulable.length === 1 ? 'it' : 'them'}.`
            : `${plural(pods.length, 'pod')} of ${colourLabel(c)} ${pods.length === 1 ? 'is' : 'are'} Pending without a node.`,
        evidence: capped(
          pods.map((p) => {
            const k = p.conditions.find((x) => x.type === 'PodScheduled' && x.status === 'False');
            return `${p.name}: Pending${k?.reason ? `, ${k.reason}` : ''}${p.createdAt ? ` since ${p.createdAt}` : ''}`;
          }),
        ),
        ...(quoted.length > 0 ? { quoted: { source: 'scheduler events', lines: quoted } } : {}),
        next: nextStep(
          facts,
          c,
          'Free or add capacity (node group size, cluster autoscaler), or lower the pods’ resource requests; check taints and affinity.',
          kubectl.describePod(facts.namespace, first.name),
        ),
      });
    }
    return findings;
  },
};
