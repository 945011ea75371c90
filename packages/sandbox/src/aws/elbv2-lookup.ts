import { createHash } from 'node:crypto';
import type { Listener, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { World } from '../world.js';
import { checkArn } from './elbv2-arn.js';
import { AwsApiError, elbNotFound, validationError } from './errors.js';
import { integerAt, stringAt, type QueryObject } from './query.js';

/**
 * The ARN of a listener's default rule. AWS gives every listener one, with an ARN of its own that never
 * changes; the sandbox derives it from the listener's ARN so that it is stable across restarts.
 */
export function defaultRuleArn(listenerArn: string): string {
  const hex = createHash('sha256').update(listenerArn).digest('hex').slice(0, 16);
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/${hex}`;
}

/** The listener a rule belongs to, read off the rule's ARN as AWS lays it out. */
export function listenerArnOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}

/** The default rule of `listener`, synthesised from its default actions as DescribeRules reports it. */
export function defaultRuleOf(listener: Listener): Rule {
  return {
    RuleArn: defaultRuleArn(listener.ListenerArn ?? ''),
    Priority: 'default',
    Conditions: [],
    Actions: listener.DefaultActions ?? [],
    IsDefault: true,
  };
}

/** A rule by ARN, default rules included; ValidationError for a malformed ARN, RuleNotFound when there is none. */
export function findRule(world: World, ruleArn: string): { rule: Rule; listener?: Listener } {
  checkArn('Rule', ruleArn);
  const rule = world.elb.rules.get(ruleArn);
  if (rule) return { rule };
  const listener = world.elb.listeners.get(listenerArnOfRule(ruleArn));
  if (listener && defaultRuleArn(listener.ListenerArn ?? '') === ruleArn) {
    return { rule: defaultRuleOf(listener), listener };
  }
  throw elbNotFound('Rule');
}

/** A listener by ARN; ValidationError for a malformed ARN, ListenerNotFound when there is none. */
export function findListener(world: World, listenerArn: string): Listener {
  checkArn('Listener', listenerArn);
  const listener = world.elb.listeners.get(listenerArn);
  if (!listener) throw elbNotFound('Listener');
  return listener;
}

/** The rules of a listener in priority order, its default rule last, as AWS lists them. */
export function rulesOfListener(world: World, listener: Listener): Rule[] {
  const own = [...world.elb.rules.values()]
    .filter((r) => listenerArnOfRule(r.RuleArn ?? '') === listener.ListenerArn)
    .sort((a, b) => Number(a.Priority) - Number(b.Priority));
  return [...own, defaultRuleOf(listener)];
}

/** Largest page AWS serves for the Describe calls that page. */
const MAX_PAGE_SIZE = 400;

/**
 * One page of `items` per the request's `Marker` and `PageSize`, with the `NextMarker` of the next page
 * when there is one. Markers are opaque to callers; a marker the sandbox did not hand out is refused.
 */
export function page<T>(items: readonly T[], params: QueryObject): { items: T[]; nextMarker?: string } {
  const size = integerAt(params, 'PageSize', 'PageSize', 1, MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
  const marker = stringAt(params, 'Marker');
  let offset = 0;
  if (marker !== undefined) {
    const match = /^offset:(\d{1,9})$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!match || Number(match[1]) > items.length)
      throw validationError('Marker', marker, 'Member must be a marker returned by a previous call');
    offset = Number(match[1]);
  }
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextMarker: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
  };
}

/** The result members of a paged list: `{ [name]: items, NextMarker? }`. */
export function paged<T>(name: string, items: readonly T[], params: QueryObject): Record<string, unknown> {
  const { items: slice, nextMarker } = page(items, params);
  return { [name]: slice, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

/** Refuses a request that gives more than one of mutually exclusive filters. */
export function atMostOne(params: QueryObject, names: readonly string[]): void {
  const given = names.filter((n) => params[n] !== undefined);
  if (given.length > 1) {
    throw new AwsApiError('ValidationError', `Only one of ${given.join(', ')} can be specified`);
  }
}
