import { clip, colourLabel, COLOURS, impact, kubectl } from '../helpers.js';
import type { Analyzer, Finding } from '../types.js';

/** A Deployment past its progress deadline: its rollout has stalled and Kubernetes gave up waiting. */
export const progressDeadlineAnalyzer: Analyzer = {
  name: 'progress-deadline',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const d = c.deployment;
      if (!d?.progressDeadlineExceeded) continue;
      const condition = d.conditions.find((k) => k.type === 'Progressing');
      findings.push({
        analyzer: 'progress-deadline',
        severity: impact(c),
        colour,
        finding: `Deployment ${colourLabel(c)} is past its progress deadline (ProgressDeadlineExceeded): its rollout has stalled.`,
        evidence: [
          `replicas ${d.replicas}, updated ${d.updatedReplicas}, ready ${d.readyReplicas}, available ${d.availableReplicas}`,
          ...(condition?.message ? [`Progressing: ${clip(condition.message)}`] : []),
        ],
        next: {
          step: 'The new pods never became available: see the pod findings for why; the colour should not take traffic until it has rolled out.',
          command: kubectl.describeDeployment(facts.namespace, d.name),
        },
      });
    }
    return findings;
  },
};
