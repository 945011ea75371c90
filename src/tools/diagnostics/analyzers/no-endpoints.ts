import { colourLabel, COLOURS, kubectl } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * A colour that takes traffic with no target registered in its target group: the ALB has nowhere to
 * send its share and answers it with 503. Usually its Deployment was scaled to zero, or its pods are
 * not selected by what registers them (labels, the Service, the target group binding).
 */
export const noEndpointsAnalyzer: Analyzer = {
  name: 'no-endpoints',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      if (c.servesTraffic === false || c.targets === undefined || c.targets.length > 0) continue;
      const d = c.deployment;
      const share = c.weight === undefined ? 'its share of the traffic' : `${c.weight}% of the requests`;
      findings.push({
        analyzer: 'no-endpoints',
        severity: 'critical',
        colour,
        finding: `The target group of ${colourLabel(c)} has no registered targets: the ALB answers ${share} with 503.`,
        evidence: [
          d
            ? `Deployment ${d.name}: ${d.replicas} replicas, ${d.readyReplicas} ready`
            : `Deployment ${c.deploymentName}: unreadable`,
          c.podsListed
            ? `${c.pods.length} pods selected by ${d?.selector ?? 'its selector'}`
            : 'pods not listed',
          `target group ${c.targetGroupArn}: 0 targets`,
        ],
        next: nextStep(
          facts,
          c,
          d && d.replicas === 0
            ? `${c.deploymentName} is scaled to 0: scale it back up.`
            : 'See why its pods are not registered (their labels, the Service, the TargetGroupBinding).',
          d && d.replicas === 0
            ? kubectl.describeDeployment(facts.namespace, c.deploymentName)
            : `aws elbv2 describe-target-health --target-group-arn ${c.targetGroupArn}`,
        ),
      });
    }
    return findings;
  },
};
