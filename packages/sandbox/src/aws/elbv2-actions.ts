import type { Action, RuleCondition, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { World } from '../world.js';
import { checkArn } from './elbv2-arn.js';
import { AwsApiError, elbNotFound, missingParameter, validationError } from './errors.js';
import {
  booleanAt,
  integerAt,
  listAt,
  objectAt,
  requiredString,
  stringAt,
  type QueryObject,
  type QueryValue,
} from './query.js';

const ACTION_TYPES = [
  'forward',
  'authenticate-oidc',
  'authenticate-cognito',
  'redirect',
  'fixed-response',
  'jwt-validation',
];
/** Actions that end a rule's evaluation; a rule has exactly one, and it comes last. */
const TERMINAL_TYPES = ['forward', 'redirect', 'fixed-response'];
const MAX_ACTIONS = 5;
const MAX_FORWARD_TARGET_GROUPS = 5;
const MAX_WEIGHT = 999;
const MAX_STICKINESS_SECONDS = 604_800;
const CONDITION_FIELDS = [
  'host-header',
  'path-pattern',
  'http-header',
  'http-request-method',
  'query-string',
  'source-ip',
];

/**
 * Validates and normalises the `Actions`/`DefaultActions` list of ModifyRule or ModifyListener as AWS
 * does: known types, orders, exactly one terminal action last, forward weights within 0..999 and target
 * groups that exist. Forwards are stored the way AWS reports them: always with a ForwardConfig.
 */
export function parseActions(world: World, list: QueryValue[], path: string): Action[] {
  if (list.length === 0)
    throw validationError(path, '[]', 'Member must have length greater than or equal to 1');
  if (list.length > MAX_ACTIONS)
    throw new AwsApiError('TooManyActions', `You can specify up to ${MAX_ACTIONS} actions per rule`);
  const actions = list.map((value, i) => parseAction(world, value, `${path}.member.${i + 1}`));
  const ordered = actions.filter((a) => a.Order !== undefined).length;
  if (ordered !== 0 && ordered !== actions.length) {
    throw new AwsApiError('ValidationError', 'Either all actions or none of them must have an Order');
  }
  actions.forEach((a, i) => (a.Order ??= i + 1));
  if (new Set(actions.map((a) => a.Order)).size !== actions.length) {
    throw new AwsApiError('ValidationError', 'Action orders must be unique');
  }
  actions.sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  const terminal = actions.filter((a) => TERMINAL_TYPES.includes(a.Type ?? ''));
  if (terminal.length !== 1 || actions[actions.length - 1] !== terminal[0]) {
    throw new AwsApiError(
      'InvalidLoadBalancerAction',
      'A rule must have exactly one forward, redirect or fixed-response action, and it must be last',
    );
  }
  return actions;
}

function parseAction(world: World, value: QueryValue, path: string): Action {
  const obj = objectAt(value, path) ?? {};
  const type = requiredString(obj, 'Type', `${path}.Type`);
  if (!ACTION_TYPES.includes(type)) {
    throw validationError(
      `${path}.Type`,
      type,
      `Member must satisfy enum value set: [${ACTION_TYPES.join(', ')}]`,
    );
  }
  const order = integerAt(obj, 'Order', `${path}.Order`, 1, 50_000);
  const base: Action = { Type: type as Action['Type'], ...(order !== undefined ? { Order: order } : {}) };
  switch (type) {
    case 'forward':
      return { ...base, ...parseForward(world, obj, path) };
    case 'redirect': {
      const config = requiredConfig(obj, 'RedirectConfig', path);
      const status = requiredString(config, 'StatusCode', `${path}.RedirectConfig.StatusCode`);
      if (status !== 'HTTP_301' && status !== 'HTTP_302') {
        throw validationError(
          `${path}.RedirectConfig.StatusCode`,
          status,
          'Member must satisfy enum value set: [HTTP_301, HTTP_302]',
        );
      }
      return { ...base, RedirectConfig: { ...strings(config), StatusCode: status } };
    }
    case 'fixed-response': {
      const config = requiredConfig(obj, 'FixedResponseConfig', path);
      const status = requiredString(config, 'StatusCode', `${path}.FixedResponseConfig.StatusCode`);
      if (!/^[2-5]\d\d$/.test(status)) {
        throw validationError(
          `${path}.FixedResponseConfig.StatusCode`,
          status,
          'Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$',
        );
      }
      return { ...base, FixedResponseConfig: { ...strings(config), StatusCode: status } };
    }
    default: {
      // Authentication actions are kept as given, minus the client secret, which AWS never reports back.
      const key =
        {
          'authenticate-oidc': 'AuthenticateOidcConfig',
          'authenticate-cognito': 'AuthenticateCognitoConfig',
        }[type] ?? 'JwtValidationConfig';
      const config = requiredConfig(obj, key, path);
      const { ClientSecret: _secret, ...rest } = plain(config) as Record<string, unknown>;
      return { ...base, [key]: rest };
    }
  }
}

function parseForward(
  world: World,
  obj: QueryObject,
  path: string,
): Pick<Action, 'TargetGroupArn' | 'ForwardConfig'> {
  const single = stringAt(obj, 'TargetGroupArn', `${path}.TargetGroupArn`);
  const config = objectAt(obj.ForwardConfig, `${path}.ForwardConfig`);
  const tuples: TargetGroupTuple[] = (
    config ? (listAt(config, 'TargetGroups', `${path}.ForwardConfig.TargetGroups`) ?? []) : []
  ).map((value, i) => {
    const at = `${path}.ForwardConfig.TargetGroups.member.${i + 1}`;
    const tuple = objectAt(value, at) ?? {};
    const arn = requiredString(tuple, 'TargetGroupArn', `${at}.TargetGroupArn`);
    return { TargetGroupArn: arn, Weight: integerAt(tuple, 'Weight', `${at}.Weight`, 0, MAX_WEIGHT) ?? 1 };
  });
  if (tuples.length === 0 && !single) throw missingParameter(`${path}.TargetGroupArn`);
  if (tuples.length > MAX_FORWARD_TARGET_GROUPS) {
    throw new AwsApiError(
      'TooManyTargetGroups',
      `A forward action can have up to ${MAX_FORWARD_TARGET_GROUPS} target groups`,
    );
  }
  if (single && tuples.length > 0 && (tuples.length > 1 || tuples[0]?.TargetGroupArn !== single)) {
    throw new AwsApiError(
      'ValidationError',
      'TargetGroupArn and ForwardConfig must name the same single target group when both are given',
    );
  }
  const groups = tuples.length > 0 ? tuples : [{ TargetGroupArn: single, Weight: 1 }];
  if (new Set(groups.map((g) => g.TargetGroupArn)).size !== groups.length) {
    throw new AwsApiError('ValidationError', 'A target group can appear only once in a forward action');
  }
  for (const g of groups) {
    checkArn('TargetGroup', g.TargetGroupArn ?? '');
    if (!world.elb.targetGroups.has(g.TargetGroupArn ?? ''))
      throw elbNotFound('TargetGroup', g.TargetGroupArn);
  }
  const stickinessAt = `${path}.ForwardConfig.TargetGroupStickinessConfig`;
  const stickiness = config ? objectAt(config.TargetGroupStickinessConfig, stickinessAt) : undefined;
  const enabled = stickiness ? (booleanAt(stickiness, 'Enabled', `${stickinessAt}.Enabled`) ?? false) : false;
  const duration = stickiness
    ? integerAt(stickiness, 'DurationSeconds', `${stickinessAt}.DurationSeconds`, 1, MAX_STICKINESS_SECONDS)
    : undefined;
  if (enabled && duration === undefined) throw missingParameter(`${stickinessAt}.DurationSeconds`);
  return {
    ...(groups.length === 1 ? { TargetGroupArn: groups[0]?.TargetGroupArn } : {}),
    ForwardConfig: {
      TargetGroups: groups,
      TargetGroupStickinessConfig: { Enabled: enabled, ...(enabled ? { DurationSeconds: duration } : {}) },
    },
  };
}

/** ModifyRule's `Conditions`: known fields, each with its values. */
export function parseConditions(list: QueryValue[], path: string): RuleCondition[] {
  return list.map((value, i) => {
    const at = `${path}.member.${i + 1}`;
    const obj = objectAt(value, at) ?? {};
    const field = requiredString(obj, 'Field', `${at}.Field`);
    if (!CONDITION_FIELDS.includes(field)) {
      throw validationError(`${at}.Field`, field, `Member must be one of: ${CONDITION_FIELDS.join(', ')}`);
    }
    return plain(obj) as RuleCondition;
  });
}

function requiredConfig(obj: QueryObject, key: string, path: string): QueryObject {
  const config = objectAt(obj[key], `${path}.${key}`);
  if (!config) throw missingParameter(`${path}.${key}`);
  return config;
}

/** The string members of a flat configuration structure. */
function strings(obj: QueryObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(obj).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** A parsed parameter as plain data, with the few non-string members of these shapes typed. */
function plain(value: QueryValue, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => plain(v));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, k)]));
  }
  if (key === 'SessionTimeout') return Number(value);
  if (key === 'UseExistingClientSecret') return value === 'true';
  return value;
}
