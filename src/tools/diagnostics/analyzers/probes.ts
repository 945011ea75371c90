import type { EventSummary } from '../../../platform/kube-types.js';
import { capped, colourLabel, COLOURS, eventLines, eventsOf, impact, kubectl, plural } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding, Severity } from '../types.js';

const KINDS = ['Liveness', 'Readiness', 'Startup'] as const;

/** Failing readiness, liveness or startup probes, from the kubelet's Unhealthy events. */
export const probesAnalyzer: Analyzer = {
  name: 'probes',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const unhealthy = eventsOf(facts, colour, 'Unhealthy');
      for (const kind of KINDS) {
        const events = unhealthy.filter((e) => e.message.startsWith(`${kind} probe failed`));
        if (events.length === 0) continue;
        const byPod = new Map<string, EventSummary[]>();
        for (const e of events) {
          const list = byPod.get(e.involvedObject.name) ?? [];
          list.push(e);
          byPod.set(e.involvedObject.name, list);
        }
        const failures = events.reduce((sum, e) => sum + e.count, 0);
        const pods = [...byPod.keys()];
        const stillPresent = pods.filter((name) => c.pods.some((p) => p.name === name && !p.ready));
        // Readiness failing on pods that are Ready again was transient; live pods failing it are not.
        const severity: Severity = kind === 'Readiness' && stillPresent.length === 0 ? 'info' : impact(c);
        const consequence =
          kind === 'Liveness'
            ? 'the kubelet restarts the container'
            : kind === 'Startup'
              ? 'the container never counts as started'
              : 'the pods get no traffic and the rollout cannot complete';
        const first = stillPresent[0] ?? pods[0]!;
        findings.push({
          analyzer: 'probes',
          severity,
          colour,
          finding: `${kind} probe of ${colourLabel(c)} fails on ${plural(pods.length, 'pod')} (${plural(failures, 'failure')}): ${consequence}.`,
          evidence: capped(
            [...byPod.entries()].map(([pod, list]) => {
              const n = list.reduce((sum, e) => sum + e.count, 0);
              const last = list
                .map((e) => e.lastTimestamp ?? '')
                .sort()
                .at(-1);
              return `${pod}: ${plural(n, 'failure')}${last ? `, last at ${last}` : ''}`;
            }),
          ),
          quoted: { source: 'kubelet events', lines: eventLines(events) },
          next:
            severity === 'info'
              ? {
                  step: 'The pods are ready again: watch for more failures.',
                  command: kubectl.podEvents(facts.namespace, first),
                }
              : nextStep(
                  facts,
                  c,
                  'See what the probe endpoint answers and why (a dependency down, a wrong path or port); the probe definition is in the pod spec.',
                  kubectl.describePod(facts.namespace, first),
                ),
        });
      }
    }
    return findings;
  },
};
