import { COLOURS, errorLines, kubectl, plural } from '../helpers.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * Error lines in the recent logs of the sampled pods that are running (a crash-looping pod's log of its
 * previous instance is quoted by crash-loop). The lines are the workload's own text: untrusted.
 */
export const logErrorsAnalyzer: Analyzer = {
  name: 'log-errors',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const sample of facts.logs) {
      if (sample.previous || sample.text === undefined) continue;
      const { lines, total } = errorLines(sample.text);
      if (total === 0) continue;
      const c = facts.colours[sample.colour];
      findings.push({
        analyzer: 'log-errors',
        severity: c.servesTraffic === false ? 'info' : 'warning',
        colour: sample.colour,
        finding: `The recent log of ${sample.pod} (${c.deploymentName}) has ${plural(total, 'error line')}.`,
        evidence: [
          `${plural(sample.text.split('\n').filter(Boolean).length, 'line')} read, ${total} matching error patterns`,
        ],
        quoted: { source: `log of ${sample.pod}`, lines },
        next: {
          step: 'Read the log around these lines.',
          command: kubectl.logs(facts.namespace, sample.pod, sample.container, false),
        },
      });
    }
    // Keep the colours in a stable order for equal severities.
    return findings.sort((a, b) => COLOURS.indexOf(a.colour!) - COLOURS.indexOf(b.colour!));
  },
};
