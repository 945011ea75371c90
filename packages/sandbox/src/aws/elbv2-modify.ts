import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { World } from '../world.js';
import { AwsApiError, validationError } from './errors.js';
import { parseActions, parseConditions } from './elbv2-actions.js';
import { findListener, findRule } from './elbv2-lookup.js';
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

const LISTENER_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'];

/**
 * ModifyListener: replaces the members given (DefaultActions, Port, Protocol, SslPolicy, Certificates,
 * AlpnPolicy) and leaves the others as they are. Everything is validated before anything changes.
 * Ingress-owned listeners are written like any other: AWS allows it, and the simulated controller
 * reverts it on its next reconcile.
 */
export function modifyListener(world: World, params: QueryObject): Result {
  const listener = findListener(world, requiredString(params, 'ListenerArn'));
  const actionList = listAt(params, 'DefaultActions');
  const actions = actionList ? parseActions(world, actionList, 'DefaultActions') : undefined;
  const port = integerAt(params, 'Port', 'Port', 1, 65_535);
  const protocol = stringAt(params, 'Protocol');
  if (protocol !== undefined && !LISTENER_PROTOCOLS.includes(protocol)) {
    throw validationError(
      'Protocol',
      protocol,
      `Member must satisfy enum value set: [${LISTENER_PROTOCOLS.join(', ')}]`,
    );
  }
  const sslPolicy = stringAt(params, 'SslPolicy');
  const certificates = listAt(params, 'Certificates')?.map((value, i) => {
    const path = `Certificates.member.${i + 1}`;
    return {
      CertificateArn: requiredString(objectAt(value, path) ?? {}, 'CertificateArn', `${path}.CertificateArn`),
    };
  });
  const alpn = stringListAt(params, 'AlpnPolicy');

  // Traffic served under the old actions is accounted for before they change.
  world.traffic.settle();
  const changes: Partial<Listener> = {
    ...(actions ? { DefaultActions: actions } : {}),
    ...(port !== undefined ? { Port: port } : {}),
    ...(protocol !== undefined ? { Protocol: protocol as Listener['Protocol'] } : {}),
    ...(sslPolicy !== undefined ? { SslPolicy: sslPolicy } : {}),
    ...(certificates ? { Certificates: certificates } : {}),
    ...(alpn ? { AlpnPolicy: alpn } : {}),
  };
  Object.assign(listener, changes);
  world.writes++;
  return { Listeners: [listener] };
}

/**
 * ModifyRule: replaces the rule's Actions and/or Conditions. The default rule's actions are the
 * listener's default actions (AWS lets ModifyRule change them); its conditions cannot be set.
 */
export function modifyRule(world: World, params: QueryObject): Result {
  const ruleArn = requiredString(params, 'RuleArn');
  const { rule, listener } = findRule(world, ruleArn);
  const actionList = listAt(params, 'Actions');
  const actions = actionList ? parseActions(world, actionList, 'Actions') : undefined;
  const conditionList = listAt(params, 'Conditions');
  const conditions = conditionList ? parseConditions(conditionList, 'Conditions') : undefined;
  if (listener && conditions && conditions.length > 0) {
    throw new AwsApiError('OperationNotPermitted', 'You cannot set conditions on a default rule');
  }
  if (!listener && conditions && conditions.length === 0) {
    throw validationError('Conditions', '[]', 'Member must have length greater than or equal to 1');
  }

  world.traffic.settle();
  if (listener) {
    if (actions) listener.DefaultActions = actions;
    world.writes++;
    return { Rules: [findRule(world, ruleArn).rule] };
  }
  if (actions) rule.Actions = actions;
  if (conditions) rule.Conditions = conditions;
  world.writes++;
  return { Rules: [rule] };
}
