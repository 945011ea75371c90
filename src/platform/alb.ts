import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { systemClock, type Clock } from '../clock.js';
import { DriftError, JarvisError } from '../errors.js';
import { callAws, type AwsCallTarget } from './aws-errors.js';
import { ingressAnnotationKey, ingressForwardAnnotation } from './alb-ingress.js';
import { routeArnOf, type Colour, type ServiceRoute, type TargetHealthEntry, type Weights } from './types.js';

export { ingressAnnotationKey, ingressForwardAnnotation } from './alb-ingress.js';

/** Tag prefix of everything the AWS Load Balancer Controller owns (and reverts direct writes to). */
export const CONTROLLER_TAG_PREFIX = 'elbv2.k8s.aws/';
const MAX_WEIGHT = 999;

/** Reads and writes Ingress annotations; KubeAdapter implements it. */
export interface IngressAnnotations {
  /** The annotation's value; undefined when unset. Throws NOT_FOUND when the Ingress is absent. */
  readAnnotation(namespace: string, ingress: string, key: string): Promise<string | undefined>;
  /** Sets the annotation (no write when it already holds `value`), verified. */
  writeAnnotation(namespace: string, ingress: string, key: string, value: string): Promise<void>;
}

export interface AlbAdapterDeps {
  client: ElasticLoadBalancingV2Client;
  /** Needed for services in mode "ingress"; without it their writes fail with CONFIG_INVALID. */
  ingress?: IngressAnnotations;
  /** Times the wait for the controller in ingress mode. The wall clock by default. */
  clock?: Clock;
  /** How long (clock ms) the controller may take to apply an annotation to the ALB. Default 120 s. */
  ingressSyncTimeoutMs?: number;
  /** How often (clock ms) the ALB is read while waiting for the controller. Default 2 s. */
  ingressPollMs?: number;
}

/** The route's forward action as the ALB holds it, and the weights read off it. */
interface ForwardState {
  weights: Weights;
  actions: Action[];
  index: number;
}

/**
 * The ALB half of a blue/green service: reads and writes the weights of the weighted forward action on a
 * listener's default action or a listener rule, and reads target health. Writes are idempotent and
 * verified; a route owned by the AWS Load Balancer Controller is written through its Ingress instead.
 * Every failure is a JarvisError naming the resource (see aws-errors.ts).
 */
export class AlbAdapter {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly ingress: IngressAnnotations | undefined;
  private readonly clock: Clock;
  private readonly syncTimeoutMs: number;
  private readonly pollMs: number;
  /** Whether a route ARN carries the controller's tags; ownership does not change under a running Jarvis. */
  private readonly controllerOwned = new Map<string, { key: string; value: string } | null>();

  constructor(deps: AlbAdapterDeps) {
    this.client = deps.client;
    this.ingress = deps.ingress;
    this.clock = deps.clock ?? systemClock;
    this.syncTimeoutMs = deps.ingressSyncTimeoutMs ?? 120_000;
    this.pollMs = deps.ingressPollMs ?? 2_000;
  }

  /**
   * The weights of the route's forward action. NOT_FOUND when the listener or rule does not exist; DRIFT
   * when it has no forward action or forwards to a target group that is neither of the route's two.
   */
  async readWeights(route: ServiceRoute): Promise<Weights> {
    return (await this.readForward(route)).weights;
  }

  /**
   * Sets the route's weights to `desired` provided the ALB holds `expected`, and returns the weights
   * read back. Nothing is written when the ALB already holds `desired` (`changed: false`).
   * Throws INVALID_INPUT for weights outside 0..999 or summing to 0; DRIFT when the ALB holds something
   * other than `expected`, or when the state read back differs from `desired`; INGRESS_MANAGED for a
   * direct-mode route the AWS Load Balancer Controller owns; TIMEOUT when, in ingress mode, the
   * controller does not apply the annotation in time.
   */
  async setWeights(
    route: ServiceRoute,
    desired: Weights,
    expected: Weights,
  ): Promise<{ changed: boolean; weights: Weights }> {
    const arn = routeArnOf(route);
    validateWeights(route, desired);
    if (route.mode === 'direct') await this.refuseControllerOwned(route);
    const current = await this.readForward(route);
    if (!sameWeights(current.weights, expected)) {
      throw new DriftError(
        arn,
        expected,
        current.weights,
        `The weights of ${route.env}/${route.service} changed since they were read (another writer, or the AWS console); nothing was written. Read them again and decide before retrying.`,
      );
    }
    if (sameWeights(current.weights, desired)) return { changed: false, weights: current.weights };
    if (route.mode === 'ingress')
      return { changed: true, weights: await this.writeThroughIngress(route, desired) };

    await this.writeDirect(route, current, desired);
    const after = await this.readWeights(route);
    if (!sameWeights(after, desired)) {
      throw new DriftError(
        arn,
        desired,
        after,
        `The write to ${route.env}/${route.service} did not take, or another writer changed the weights right after it. Read them again before retrying.`,
      );
    }
    return { changed: true, weights: after };
  }

  /** The ARN of the load balancer a target group serves (its first). NOT_FOUND for an unknown or unused group. */
  async loadBalancerOf(targetGroupArn: string): Promise<string> {
    const what = target(
      'DescribeTargetGroups',
      targetGroupArn,
      'Check the blue/green targetGroupArn in jarvis.config.yaml.',
    );
    const out = await callAws(what, () =>
      this.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
    );
    const arn = out.TargetGroups?.[0]?.LoadBalancerArns?.[0];
    if (!arn) {
      throw new JarvisError(
        'NOT_FOUND',
        `Target group ${targetGroupArn} is not attached to a load balancer.`,
        {
          resource: targetGroupArn,
        },
      );
    }
    return arn;
  }

  /** The targets of a target group and their health, with AWS's reason codes. NOT_FOUND for an unknown group. */
  async targetHealth(targetGroupArn: string): Promise<TargetHealthEntry[]> {
    const out = await callAws(
      target(
        'DescribeTargetHealth',
        targetGroupArn,
        'Check the blue/green targetGroupArn in jarvis.config.yaml.',
      ),
      () => this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return (out.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '',
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      state: d.TargetHealth?.State ?? 'unavailable',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    }));
  }

  private async readForward(route: ServiceRoute): Promise<ForwardState> {
    const arn = routeArnOf(route);
    const actions = route.ruleArn
      ? await this.ruleActions(route, arn)
      : await this.listenerActions(route, arn);
    const index = actions.findIndex((a) => a.Type === 'forward');
    const forward = actions[index];
    if (!forward) {
      throw new DriftError(
        arn,
        'a forward action to the blue and green target groups',
        actions.map((a) => a.Type),
        `${route.env}/${route.service} has no forward action any more (a maintenance page?), or listenerArn/ruleArn in jarvis.config.yaml names another route. Check the ${route.ruleArn ? 'rule' : 'listener'} in the AWS console.`,
      );
    }
    const groups = forward.ForwardConfig?.TargetGroups?.length
      ? forward.ForwardConfig.TargetGroups
      : forward.TargetGroupArn
        ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }]
        : [];
    const weights: Record<Colour, number> = { blue: 0, green: 0 };
    for (const group of groups) {
      const colour = (['blue', 'green'] as const).find((c) => route.targetGroups[c] === group.TargetGroupArn);
      if (!colour) {
        throw new DriftError(
          arn,
          route.targetGroups,
          groups.map((g) => ({ targetGroupArn: g.TargetGroupArn, weight: g.Weight })),
          `${route.env}/${route.service} forwards to ${group.TargetGroupArn}, which is neither its blue nor its green target group. Someone changed the route by hand, or jarvis.config.yaml names the wrong target groups.`,
        );
      }
      weights[colour] += group.Weight ?? 1;
    }
    return { weights, actions, index };
  }

  private async ruleActions(route: ServiceRoute, arn: string): Promise<Action[]> {
    const out = await callAws(target('DescribeRules', arn, configHint(route, 'ruleArn')), () =>
      this.client.send(new DescribeRulesCommand({ RuleArns: [arn] })),
    );
    return out.Rules?.[0]?.Actions ?? [];
  }

  private async listenerActions(route: ServiceRoute, arn: string): Promise<Action[]> {
    const out = await callAws(target('DescribeListeners', arn, configHint(route, 'listenerArn')), () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [arn] })),
    );
    return out.Listeners?.[0]?.DefaultActions ?? [];
  }

  private async writeDirect(route: ServiceRoute, current: ForwardState, desired: Weights): Promise<void> {
    const arn = routeArnOf(route);
    const old = current.actions[current.index];
    const forward: Action = {
      Type: 'forward',
      ...(old?.Order !== undefined ? { Order: old.Order } : {}),
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: route.targetGroups.blue, Weight: desired.blue },
          { TargetGroupArn: route.targetGroups.green, Weight: desired.green },
        ],
        // Stickiness is the service owner's choice; a weight change must not switch it.
        TargetGroupStickinessConfig: old?.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false },
      },
    };
    const actions = current.actions.map((a, i) => (i === current.index ? forward : resendable(a)));
    if (route.ruleArn) {
      await callAws(target('ModifyRule', arn, configHint(route, 'ruleArn')), () =>
        this.client.send(new ModifyRuleCommand({ RuleArn: arn, Actions: actions })),
      );
    } else {
      await callAws(target('ModifyListener', arn, configHint(route, 'listenerArn')), () =>
        this.client.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: actions })),
      );
    }
  }

  private async refuseControllerOwned(route: ServiceRoute): Promise<void> {
    const arn = routeArnOf(route);
    let owner = this.controllerOwned.get(arn);
    if (owner === undefined) {
      const out = await callAws(
        target('DescribeTags', arn, configHint(route, route.ruleArn ? 'ruleArn' : 'listenerArn')),
        () => this.client.send(new DescribeTagsCommand({ ResourceArns: [arn] })),
      );
      const tag = out.TagDescriptions?.[0]?.Tags?.find((t) => t.Key?.startsWith(CONTROLLER_TAG_PREFIX));
      owner = tag ? { key: tag.Key ?? '', value: tag.Value ?? '' } : null;
      this.controllerOwned.set(arn, owner);
    }
    if (owner) {
      throw new JarvisError(
        'INGRESS_MANAGED',
        `${route.env}/${route.service}: ${arn} is managed by the AWS Load Balancer Controller (tag ${owner.key}=${owner.value}); a direct write would be reverted on its next reconcile, so nothing was written. Configure the service with mode: ingress and ingress: { name, action } in jarvis.config.yaml so that weights go through the Ingress annotation.`,
        { resource: arn, facts: { tag: owner } },
      );
    }
  }

  private async writeThroughIngress(route: ServiceRoute, desired: Weights): Promise<Weights> {
    const spec = route.ingress;
    if (!spec || !this.ingress) {
      throw new JarvisError(
        'CONFIG_INVALID',
        `${route.env}/${route.service} is in mode "ingress" but ${spec ? 'no Kubernetes access was configured to write its Ingress' : 'has no ingress: { name, action }'}; nothing was written. Add ingress: { name, action } to the service in jarvis.config.yaml.`,
        { resource: routeArnOf(route) },
      );
    }
    const key = ingressAnnotationKey(spec.action);
    const before = await this.ingress.readAnnotation(route.namespace, spec.name, key);
    await this.ingress.writeAnnotation(
      route.namespace,
      spec.name,
      key,
      ingressForwardAnnotation(route, desired, before),
    );
    return this.waitForAlb(route, desired);
  }

  /** Polls the ALB until the controller has applied `desired`, or TIMEOUT with the last weights seen. */
  private async waitForAlb(route: ServiceRoute, desired: Weights): Promise<Weights> {
    const deadline = this.clock.now() + this.syncTimeoutMs;
    for (;;) {
      const seen = await this.readWeights(route);
      if (sameWeights(seen, desired)) return seen;
      const left = deadline - this.clock.now();
      if (left <= 0) {
        throw new JarvisError(
          'TIMEOUT',
          `The AWS Load Balancer Controller did not apply the weights of ${route.env}/${route.service} within ${Math.round(this.syncTimeoutMs / 1000)} s: expected ${JSON.stringify(desired)}, the ALB still shows ${JSON.stringify(seen)}. The Ingress annotation is written; check the controller's logs and the events of Ingress ${route.namespace}/${route.ingress?.name ?? ''}.`,
          { resource: routeArnOf(route), facts: { expected: desired, actual: seen } },
        );
      }
      await this.clock.sleep(Math.min(this.pollMs, left));
    }
  }
}

/** True when both colours carry the same weight in `a` and `b`. */
export function sameWeights(a: Weights, b: Weights): boolean {
  return a.blue === b.blue && a.green === b.green;
}

function validateWeights(route: ServiceRoute, w: Weights): void {
  const bad = (['blue', 'green'] as const).filter(
    (c) => !Number.isInteger(w[c]) || w[c] < 0 || w[c] > MAX_WEIGHT,
  );
  if (bad.length > 0 || w.blue + w.green <= 0) {
    throw new JarvisError(
      'INVALID_INPUT',
      `Weights ${JSON.stringify(w)} for ${route.env}/${route.service} are invalid: each must be a whole number from 0 to ${MAX_WEIGHT} and at least one must be above 0, e.g. { "blue": 90, "green": 10 }.`,
      { resource: routeArnOf(route), facts: { weights: w } },
    );
  }
}

/** An action as read, made fit to send back: AWS never returns a client secret, so keep the stored one. */
function resendable(action: Action): Action {
  if (action.Type !== 'authenticate-oidc' || !action.AuthenticateOidcConfig) return action;
  return {
    ...action,
    AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, UseExistingClientSecret: true },
  };
}

function target(operation: string, resource: string, notFoundHint: string): AwsCallTarget {
  return { service: 'ELBv2', operation, resource, notFoundHint };
}

function configHint(route: ServiceRoute, key: 'ruleArn' | 'listenerArn'): string {
  return `Check environments.${route.env}.services.${route.service}.${key} in jarvis.config.yaml against the ALB in ${route.region}.`;
}
