import { messageOf } from '../../errors.js';
import { configMissingAnalyzer } from './analyzers/config-missing.js';
import { nodeConditionsAnalyzer } from './analyzers/node-conditions.js';
import { elb5xxAnalyzer } from './analyzers/elb-5xx.js';
import { hpaAtMaxAnalyzer } from './analyzers/hpa-at-max.js';
import { pdbBlockingAnalyzer } from './analyzers/pdb-blocking.js';
import { noEndpointsAnalyzer } from './analyzers/no-endpoints.js';
import { quotaExceededAnalyzer } from './analyzers/quota-exceeded.js';
import { colourMetricsAnalyzer } from './analyzers/colour-metrics.js';
import { crashLoopAnalyzer } from './analyzers/crash-loop.js';
import { imagePullAnalyzer } from './analyzers/image-pull.js';
import { logErrorsAnalyzer } from './analyzers/log-errors.js';
import { oomKilledAnalyzer } from './analyzers/oom-killed.js';
import { pendingAnalyzer } from './analyzers/pending.js';
import { podsNotReadyAnalyzer } from './analyzers/pods-not-ready.js';
import { probesAnalyzer } from './analyzers/probes.js';
import { rollbackTargetAnalyzer } from './analyzers/rollback-target.js';
import { progressDeadlineAnalyzer } from './analyzers/progress-deadline.js';
import { targetHealthAnalyzer } from './analyzers/target-health.js';
import type { Analyzer, Facts, Finding } from './types.js';

/**
 * Every analyzer, registered in one place (STYLE.md 9). The order is the tie-break between findings of
 * equal severity: causes (a missing image, a crash, no room on the nodes) before the symptoms they
 * produce (pods not ready, unhealthy targets, a stalled rollout), and the logs last.
 */
export const ANALYZERS: readonly Analyzer[] = [
  imagePullAnalyzer,
  configMissingAnalyzer,
  oomKilledAnalyzer,
  crashLoopAnalyzer,
  pendingAnalyzer,
  quotaExceededAnalyzer,
  nodeConditionsAnalyzer,
  noEndpointsAnalyzer,
  elb5xxAnalyzer,
  probesAnalyzer,
  colourMetricsAnalyzer,
  targetHealthAnalyzer,
  progressDeadlineAnalyzer,
  podsNotReadyAnalyzer,
  hpaAtMaxAnalyzer,
  pdbBlockingAnalyzer,
  rollbackTargetAnalyzer,
  logErrorsAnalyzer,
];

/** The analyzers checked for duplicate names; a duplicate is a programming error and throws. */
export function analyzerRegistry(analyzers: readonly Analyzer[] = ANALYZERS): readonly Analyzer[] {
  const seen = new Set<string>();
  for (const a of analyzers) {
    if (seen.has(a.name)) throw new Error(`two analyzers are named ${a.name}`);
    seen.add(a.name);
  }
  return analyzers;
}

/**
 * Runs every analyzer over the facts. An analyzer that throws does not sink the diagnosis: the failure
 * is added to `facts.gaps` and the others still report.
 */
export function runAnalyzers(analyzers: readonly Analyzer[], facts: Facts): Finding[] {
  const findings: Finding[] = [];
  for (const analyzer of analyzers) {
    try {
      findings.push(...analyzer.analyze(facts));
    } catch (err) {
      facts.gaps.push(`analyzer ${analyzer.name} failed: ${messageOf(err)}`);
    }
  }
  return findings;
}
