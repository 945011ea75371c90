import { colourLabel, COLOURS, impact, plural } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * 5xx produced by the load balancer itself for a colour (no healthy target to send requests to,
 * timeouts to targets), once the metrics source tells them apart: not the application's errors, so its
 * logs will not explain them; the targets and their health check will.
 */
export const elb5xxAnalyzer: Analyzer = {
  name: 'elb-5xx',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const f = c.figures;
      if (!f?.elb5xx || f.requests < Math.max(1, facts.analysis.minRequests)) continue;
      const rate = f.elb5xx / f.requests;
      if (rate <= facts.analysis.maxErrorRate) continue;
      findings.push({
        analyzer: 'elb-5xx',
        severity: impact(c),
        colour,
        finding: `The ALB itself answered ${plural(f.elb5xx, 'request')} of ${f.requests} for ${colourLabel(c)} with 5xx over the last ${facts.windowSeconds} s (${(rate * 100).toFixed(2)}%): the requests never reached a healthy pod.`,
        evidence: [
          `${f.errors} errors in all, ${f.elb5xx} of them from the load balancer`,
          `${plural((c.targets ?? []).filter((t) => t.state === 'healthy').length, 'healthy target')} of ${c.targets?.length ?? 'unknown'}`,
        ],
        next: nextStep(
          facts,
          c,
          'The application’s logs will not show these: look at the target group’s targets and health check.',
          `aws elbv2 describe-target-health --target-group-arn ${c.targetGroupArn}`,
        ),
      });
    }
    return findings;
  },
};
