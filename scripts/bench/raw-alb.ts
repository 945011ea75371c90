// The ALB calls of a weight change made raw with the SDK, for the floors the benchmarks compare with.
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ServiceRoute } from '../../src/platform/types.js';

/** The forward action's target groups of the route (its rule's, or its listener's default action). */
export async function rawRead(
  elb: ElasticLoadBalancingV2Client,
  route: ServiceRoute,
): Promise<TargetGroupTuple[]> {
  if (route.ruleArn) {
    const rules = await elb.send(new DescribeRulesCommand({ RuleArns: [route.ruleArn] }));
    return rules.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups ?? [];
  }
  const listeners = await elb.send(new DescribeListenersCommand({ ListenerArns: [route.listenerArn!] }));
  return listeners.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
}

/** Writes the forward action with `groups`. */
export async function rawWrite(
  elb: ElasticLoadBalancingV2Client,
  route: ServiceRoute,
  groups: Array<{ TargetGroupArn: string; Weight: number }>,
): Promise<void> {
  const action = { Type: 'forward' as const, ForwardConfig: { TargetGroups: groups } };
  if (route.ruleArn) await elb.send(new ModifyRuleCommand({ RuleArn: route.ruleArn, Actions: [action] }));
  else
    await elb.send(new ModifyListenerCommand({ ListenerArn: route.listenerArn!, DefaultActions: [action] }));
}
