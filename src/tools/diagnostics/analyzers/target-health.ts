import type { TargetHealthEntry } from '../../../platform/types.js';
import { capped, colourLabel, COLOURS, impact, livePods, plural } from '../helpers.js';
import type { Analyzer, Finding } from '../types.js';

/** States in which a registered target gets no traffic because the ALB judges it unhealthy. */
const BAD = new Set(['unhealthy', 'unavailable', 'unhealthy.draining']);

/** Unhealthy ALB targets with their reason codes; says when Kubernetes and the ALB disagree. */
export const targetHealthAnalyzer: Analyzer = {
  name: 'target-health',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const targets = c.targets ?? [];
      const bad = targets.filter((t) => BAD.has(t.state));
      if (bad.length === 0) continue;
      const byReason = new Map<string, TargetHealthEntry[]>();
      for (const t of bad) {
        const key = `${t.reason ?? t.state}${t.description ? ` (${t.description})` : ''}`;
        byReason.set(key, [...(byReason.get(key) ?? []), t]);
      }
      const pods = livePods(c);
      const readyIps = new Set(pods.filter((p) => p.ready && p.ip).map((p) => p.ip));
      const readyButUnhealthy = bad.filter((t) => readyIps.has(t.id)).length;
      const disagree = readyButUnhealthy > 0 && readyButUnhealthy === bad.length;
      const healthy = targets.filter((t) => t.state === 'healthy').length;
      findings.push({
        analyzer: 'target-health',
        severity: healthy === 0 ? impact(c) : c.servesTraffic === false ? 'info' : 'warning',
        colour,
        finding: `${plural(bad.length, 'target')} of ${targets.length} in the target group of ${colourLabel(c)} ${bad.length === 1 ? 'is' : 'are'} unhealthy on the ALB: ${[...byReason.keys()].map((k) => k.split(' (')[0]).join(', ')}.`,
        evidence: capped([
          ...[...byReason.entries()].map(
            ([reason, list]) =>
              `${reason}: ${list.map((t) => `${t.id}${t.port ? `:${t.port}` : ''}`).join(', ')}`,
          ),
          ...(disagree
            ? [
                `the pods behind ${plural(readyButUnhealthy, 'target')} are Ready in Kubernetes: the ALB health check itself fails (path, port, matcher or security group)`,
              ]
            : []),
        ]),
        next: disagree
          ? {
              step: 'Compare the target group health check (path, port, success codes) with what the pods serve, and the security groups between the ALB and the pods.',
              command: `aws elbv2 describe-target-groups --target-group-arns ${c.targetGroupArn} --query 'TargetGroups[0].[HealthCheckPath,HealthCheckPort,Matcher.HttpCode]'`,
            }
          : {
              step: 'The ALB stops sending these targets traffic while they fail; their state shows whether the pods behind them answer the health check.',
              command: `aws elbv2 describe-target-health --target-group-arn ${c.targetGroupArn}`,
            },
      });
    }
    return findings;
  },
};
