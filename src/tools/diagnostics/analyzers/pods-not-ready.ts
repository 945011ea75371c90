import { capped, colourLabel, COLOURS, kubectl, livePods, mainContainer } from '../helpers.js';
import type { Analyzer, Finding, Severity } from '../types.js';

/** Pods that are not Ready, by what they are doing: the symptom the more specific analyzers explain. */
export const podsNotReadyAnalyzer: Analyzer = {
  name: 'pods-not-ready',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c);
      const notReady = pods.filter((p) => !p.ready);
      if (notReady.length === 0) continue;
      const ready = pods.length - notReady.length;
      const why = new Map<string, number>();
      for (const p of notReady) {
        const k = mainContainer(p, facts.container);
        const key = k?.reason ?? (p.phase === 'Running' ? 'Running, not ready' : p.phase);
        why.set(key, (why.get(key) ?? 0) + 1);
      }
      const severity: Severity = c.servesTraffic !== false && ready === 0 ? 'critical' : 'warning';
      const listed = c.podsTruncated ? ` (first ${pods.length} pods listed)` : '';
      findings.push({
        analyzer: 'pods-not-ready',
        severity,
        colour,
        finding: `${ready} of ${pods.length} pods of ${colourLabel(c)} are ready${listed}.`,
        evidence: capped([
          [...why.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([reason, n]) => `${n} ${reason}`)
            .join(', '),
          ...notReady.map(
            (p) =>
              `${p.name}: ${p.phase}${mainContainer(p, facts.container)?.reason ? `, ${mainContainer(p, facts.container)!.reason}` : ''}`,
          ),
        ]),
        next: {
          step: `No other finding explains it: describe ${notReady[0]!.name} for its conditions, probes and events.`,
          command: kubectl.describePod(facts.namespace, notReady[0]!.name),
        },
      });
    }
    return findings;
  },
};
