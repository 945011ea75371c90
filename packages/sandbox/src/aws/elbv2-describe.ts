import type {
  Rule,
  TagDescription,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { World } from '../world.js';
import { checkArn } from './elbv2-arn.js';
import { AwsApiError, elbNotFound, missingParameter, validationError } from './errors.js';
import { atMostOne, findListener, findRule, paged, rulesOfListener } from './elbv2-lookup.js';
import {
  integerAt,
  listAt,
  objectAt,
  requiredString,
  stringAt,
  stringListAt,
  type QueryObject,
} from './query.js';

type Result = Record<string, unknown>;

/** DescribeLoadBalancers: all, or by LoadBalancerArns or Names; paged. */
export function describeLoadBalancers(world: World, params: QueryObject): Result {
  atMostOne(params, ['LoadBalancerArns', 'Names']);
  const arns = stringListAt(params, 'LoadBalancerArns');
  const names = stringListAt(params, 'Names');
  const all = [...world.elb.loadBalancers.values()];
  let found = all;
  if (arns && arns.length > 0) {
    found = arns.map((arn) => lookup(world.elb.loadBalancers, 'LoadBalancer', arn));
  } else if (names && names.length > 0) {
    found = names.map(
      (name) => all.find((lb) => lb.LoadBalancerName === name) ?? throwing(elbNotFound('LoadBalancer', name)),
    );
  }
  return paged('LoadBalancers', found, params);
}

/** DescribeListeners: by LoadBalancerArn or ListenerArns; paged. */
export function describeListeners(world: World, params: QueryObject): Result {
  atMostOne(params, ['LoadBalancerArn', 'ListenerArns']);
  const lbArn = stringAt(params, 'LoadBalancerArn');
  const arns = stringListAt(params, 'ListenerArns');
  if (lbArn) {
    checkArn('LoadBalancer', lbArn);
    if (!world.elb.loadBalancers.has(lbArn)) throw elbNotFound('LoadBalancer');
    const listeners = [...world.elb.listeners.values()].filter((l) => l.LoadBalancerArn === lbArn);
    return paged('Listeners', listeners, params);
  }
  if (!arns || arns.length === 0) {
    throw new AwsApiError('ValidationError', 'You must specify either listener ARNs or a load balancer ARN');
  }
  return paged(
    'Listeners',
    arns.map((arn) => findListener(world, arn)),
    params,
  );
}

/** DescribeRules: by ListenerArn (default rule last) or RuleArns; paged. */
export function describeRules(world: World, params: QueryObject): Result {
  atMostOne(params, ['ListenerArn', 'RuleArns']);
  const listenerArn = stringAt(params, 'ListenerArn');
  const arns = stringListAt(params, 'RuleArns');
  let rules: Rule[];
  if (listenerArn) {
    rules = rulesOfListener(world, findListener(world, listenerArn));
  } else if (arns && arns.length > 0) {
    rules = arns.map((arn) => findRule(world, arn).rule);
  } else {
    throw new AwsApiError('ValidationError', 'You must specify either a listener ARN or rule ARNs');
  }
  return paged('Rules', rules, params);
}

/** DescribeTargetGroups: all, or by LoadBalancerArn, TargetGroupArns or Names; paged. */
export function describeTargetGroups(world: World, params: QueryObject): Result {
  atMostOne(params, ['LoadBalancerArn', 'TargetGroupArns', 'Names']);
  const lbArn = stringAt(params, 'LoadBalancerArn');
  const arns = stringListAt(params, 'TargetGroupArns');
  const names = stringListAt(params, 'Names');
  const all = [...world.elb.targetGroups.values()];
  let found = all;
  if (lbArn) {
    checkArn('LoadBalancer', lbArn);
    if (!world.elb.loadBalancers.has(lbArn)) throw elbNotFound('LoadBalancer');
    found = all.filter((tg) => tg.LoadBalancerArns?.includes(lbArn));
  } else if (arns && arns.length > 0) {
    found = arns.map((arn) => lookup(world.elb.targetGroups, 'TargetGroup', arn));
  } else if (names && names.length > 0) {
    found = names.map(
      (name) => all.find((tg) => tg.TargetGroupName === name) ?? throwing(elbNotFound('TargetGroup', name)),
    );
  }
  return paged('TargetGroups', found, params);
}

/** DescribeTargetHealth: the targets of one target group, optionally only the ones named in Targets. */
export function describeTargetHealth(world: World, params: QueryObject): Result {
  const arn = requiredString(params, 'TargetGroupArn');
  checkArn('TargetGroup', arn);
  if (!world.elb.targetGroups.has(arn)) throw elbNotFound('TargetGroup');
  const all = world.targetHealth(arn);
  const targets = listAt(params, 'Targets');
  if (!targets || targets.length === 0) return { TargetHealthDescriptions: all };
  const picked = targets.map((value, i): TargetHealthDescription => {
    const path = `Targets.member.${i + 1}`;
    const target = objectAt(value, path) ?? {};
    const id = requiredString(target, 'Id', `${path}.Id`);
    const port = integerAt(target, 'Port', `${path}.Port`, 1, 65535);
    const found = all.find((d) => d.Target?.Id === id && (port === undefined || d.Target.Port === port));
    return (
      found ?? {
        Target: { Id: id, ...(port !== undefined ? { Port: port } : {}) },
        TargetHealth: {
          State: 'unused',
          Reason: 'Target.NotRegistered',
          Description: 'Target is not registered to the target group',
        },
      }
    );
  });
  return { TargetHealthDescriptions: picked };
}

/** At most this many resources per DescribeTags call, as AWS allows. */
const MAX_TAGGED_RESOURCES = 20;

/** DescribeTags: the tags of up to 20 load balancers, listeners, rules or target groups. */
export function describeTags(world: World, params: QueryObject): Result {
  const arns = stringListAt(params, 'ResourceArns');
  if (!arns || arns.length === 0) throw missingParameter('ResourceArns');
  if (arns.length > MAX_TAGGED_RESOURCES) {
    throw validationError(
      'ResourceArns',
      `[${arns.length} ARNs]`,
      `Member must have length less than or equal to ${MAX_TAGGED_RESOURCES}`,
    );
  }
  const descriptions = arns.map((arn): TagDescription => {
    assertResourceExists(world, arn);
    const tags = world.elb.tags.get(arn) ?? new Map<string, string>();
    return { ResourceArn: arn, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
  });
  return { TagDescriptions: descriptions };
}

function assertResourceExists(world: World, arn: string): void {
  if (arn.includes(':loadbalancer/')) {
    checkArn('LoadBalancer', arn);
    if (!world.elb.loadBalancers.has(arn)) throw elbNotFound('LoadBalancer');
  } else if (arn.includes(':listener-rule/')) {
    findRule(world, arn);
  } else if (arn.includes(':listener/')) {
    findListener(world, arn);
  } else if (arn.includes(':targetgroup/')) {
    checkArn('TargetGroup', arn);
    if (!world.elb.targetGroups.has(arn)) throw elbNotFound('TargetGroup');
  } else {
    throw new AwsApiError(
      'ValidationError',
      `'${arn}' is not a valid load balancer, listener, rule or target group ARN`,
    );
  }
}

function throwing(err: Error): never {
  throw err;
}

/** An object by ARN: ValidationError for a malformed ARN, `<Kind>NotFound` for an unknown one. */
function lookup<T>(map: ReadonlyMap<string, T>, kind: 'LoadBalancer' | 'TargetGroup', arn: string): T {
  checkArn(kind, arn);
  return map.get(arn) ?? throwing(elbNotFound(kind));
}
