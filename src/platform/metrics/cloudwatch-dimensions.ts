/** CloudWatch's `AWS/ApplicationELB` dimension values, from the ARNs Jarvis is configured with. */

/** The LoadBalancer dimension of a listener or rule ARN: `app/<name>/<id>`. */
export function loadBalancerDimension(arn: string): string | undefined {
  return /:(?:listener|listener-rule|loadbalancer)\/(app\/[^/]+\/[0-9a-f]+)/.exec(arn)?.[1];
}

/** The TargetGroup dimension of a target group ARN: `targetgroup/<name>/<id>`. */
export function targetGroupDimension(arn: string): string | undefined {
  return /:(targetgroup\/[^/]+\/[0-9a-f]+)$/.exec(arn)?.[1];
}
