import type { World } from '../world.js';
import { AwsApiError } from './errors.js';
import {
  describeListeners,
  describeLoadBalancers,
  describeRules,
  describeTags,
  describeTargetGroups,
  describeTargetHealth,
} from './elbv2-describe.js';
import { modifyListener, modifyRule } from './elbv2-modify.js';
import type { QueryObject } from './query.js';

/** The ELBv2 API version the SDK speaks and the sandbox answers. */
export const ELBV2_VERSION = '2015-12-01';

type Handler = (world: World, params: QueryObject) => Record<string, unknown>;

/** The ELBv2 actions Jarvis uses; anything else is answered as AWS answers an unknown action. */
const ACTIONS: Readonly<Record<string, Handler>> = {
  DescribeLoadBalancers: describeLoadBalancers,
  DescribeListeners: describeListeners,
  DescribeRules: describeRules,
  DescribeTargetGroups: describeTargetGroups,
  DescribeTargetHealth: describeTargetHealth,
  DescribeTags: describeTags,
  ModifyListener: modifyListener,
  ModifyRule: modifyRule,
};

/**
 * Runs one ELBv2 action against the world and returns its result members. Throws AwsApiError for every
 * refusal (unknown action, validation, not found). The simulated Load Balancer Controller reconciles
 * first, so that every answer shows the ALB as the controller would have left it by now.
 */
export function runElbv2(
  world: World,
  params: QueryObject,
): { action: string; result: Record<string, unknown> } {
  const action = params.Action;
  if (typeof action !== 'string' || action === '') {
    throw new AwsApiError('MissingAction', 'The request must contain the parameter Action.');
  }
  const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!handler)
    throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
  const version = params.Version;
  if (typeof version !== 'string' || version === '') {
    throw new AwsApiError('MissingParameter', 'The request must contain the parameter Version.');
  }
  if (version !== ELBV2_VERSION) {
    throw new AwsApiError(
      'NoSuchVersion',
      `The requested version (${version}) of service ElasticLoadBalancing does not exist.`,
    );
  }
  world.reconcileControllers();
  return { action, result: handler(world, params) };
}
