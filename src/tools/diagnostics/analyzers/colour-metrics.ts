import type { ColourFigures } from '../../../platform/metrics/provider.js';
import { otherColour } from '../../../platform/types.js';
import { colourLabel, COLOURS, kubectl, regressionSeverity } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, ColourFacts, Finding } from '../types.js';

const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;
const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);

function figuresText(f: ColourFigures): string {
  return `${Math.round(f.requests)} requests, ${Math.round(f.errors)} errors (${pct(f.errorRate)}), p99 ${ms(f.p99Ms)}`;
}

function figuresLine(c: ColourFacts, f: ColourFigures): string {
  return `${c.colour}: ${figuresText(f)}`;
}

/**
 * Error rate or p99 latency of one colour out of line with the other over the same window, with the
 * service's own analysis thresholds. When only one colour takes traffic, against the baseline of the
 * past (the colour live before the newest release, or the colour itself half an hour earlier) and the
 * error-rate limit.
 */
export const colourMetricsAnalyzer: Analyzer = {
  name: 'colour-metrics',
  analyze(facts) {
    const { maxErrorRate, maxLatencyRatio, minRequests } = facts.analysis;
    const window = `over the last ${facts.windowSeconds} s`;
    const enough = (c: ColourFacts): ColourFigures | undefined =>
      c.figures && c.figures.requests >= Math.max(1, minRequests) ? c.figures : undefined;
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const o = facts.colours[otherColour(colour)];
      const mine = enough(c);
      if (!mine) continue;
      // The other colour when it has traffic; else the baseline of the past (see baseline.ts).
      const other = enough(o);
      const b = facts.baseline;
      const past =
        !other && b?.for === colour && b.figures && b.figures.requests >= Math.max(1, minRequests)
          ? b.figures
          : undefined;
      const theirs = other ?? past;
      const whose = other ? `on ${o.colour}` : `for ${b?.label ?? ''}`;
      const evidence = [
        figuresLine(c, mine),
        ...(other ? [figuresLine(o, other)] : []),
        ...(past && b ? [`baseline, ${b.label}: ${figuresText(past)}`] : []),
      ];
      const command = kubectl.errorLogs(facts.namespace, c);
      if (mine.errorRate > maxErrorRate && (!theirs || mine.errorRate > 2 * theirs.errorRate)) {
        findings.push({
          analyzer: 'colour-metrics',
          severity: regressionSeverity(c, Number.POSITIVE_INFINITY),
          colour,
          finding: theirs
            ? `Error rate of ${colourLabel(c)} is ${pct(mine.errorRate)} against ${pct(theirs.errorRate)} ${whose} ${window} (limit ${pct(maxErrorRate)}).`
            : `Error rate of ${colourLabel(c)} is ${pct(mine.errorRate)} ${window}, above the limit of ${pct(maxErrorRate)}.`,
          evidence,
          next: nextStep(facts, c, `Read the errors in ${c.deploymentName}'s logs.`, command),
        });
      }
      if (
        theirs &&
        mine.p99Ms !== undefined &&
        theirs.p99Ms !== undefined &&
        theirs.p99Ms > 0 &&
        mine.p99Ms / theirs.p99Ms > maxLatencyRatio
      ) {
        const ratio = mine.p99Ms / theirs.p99Ms;
        findings.push({
          analyzer: 'colour-metrics',
          severity: regressionSeverity(c, ratio / maxLatencyRatio),
          colour,
          finding: `p99 latency of ${colourLabel(c)} is ${ms(mine.p99Ms)}, ${ratio.toFixed(1)}× that ${other ? `of ${o.colour}` : `of ${b?.label ?? 'the baseline'}`} (${ms(theirs.p99Ms)}) ${window} (limit ${maxLatencyRatio}×).`,
          evidence,
          next: nextStep(facts, c, `Look for slow calls in ${c.deploymentName}'s logs.`, command),
        });
      }
    }
    const [blue, green] = [enough(facts.colours.blue), enough(facts.colours.green)];
    const specific = findings.some((f) => f.finding.startsWith('Error rate'));
    if (blue && green && !specific && blue.errorRate > maxErrorRate && green.errorRate > maxErrorRate) {
      findings.unshift({
        analyzer: 'colour-metrics',
        severity: 'critical',
        finding: `Both colours answer too many errors ${window} (blue ${pct(blue.errorRate)}, green ${pct(green.errorRate)}, limit ${pct(maxErrorRate)}): the cause is not one version but something they share.`,
        evidence: [figuresLine(facts.colours.blue, blue), figuresLine(facts.colours.green, green)],
        next: {
          step: 'Look at what both colours depend on (database, downstream services, configuration, nodes) rather than rolling back.',
          command: `kubectl -n ${facts.namespace} get events --field-selector type=Warning --sort-by=.lastTimestamp`,
        },
      });
    }
    return findings;
  },
};
