import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeSSLPoliciesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../../src/config.js';
import { routeArnOf, routeOf } from '../../../src/platform/types.js';
import { defaultRuleArn } from '../../../packages/sandbox/src/aws/elbv2-lookup.js';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';
import { elbv2Client, rejection } from '../../helpers/aws.js';

/** The ARNs of a seeded route: where its weights live and its two target groups. */
interface SimRoute {
  routeArn: string;
  blue: string;
  green: string;
}

const config = loadConfig(SANDBOX_CONFIG_PATH);

function seeded(env: string, service: string): SimRoute {
  const route = routeOf(config, env, service);
  return { routeArn: routeArnOf(route), blue: route.targetGroups.blue, green: route.targetGroups.green };
}

/** dev/checkout: weights on a listener default action. */
const dev = seeded('dev', 'checkout');
/** tst/checkout: weights on a listener rule. */
const tst = seeded('tst', 'checkout');
/** dev/catalog: a rule owned by the AWS Load Balancer Controller. */
const catalog = seeded('dev', 'catalog');

let sandbox: Sandbox;
let elb: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  // 50 simulated seconds per real second: the controller's 2 s reconcile delay passes in 40 ms.
  sandbox = await startSandbox({ timeScale: 50 });
  elb = elbv2Client(sandbox.awsEndpoint);
});

afterAll(async () => {
  elb.destroy();
  await sandbox.close();
});

afterEach(() => {
  // Every test starts from the seeded weights: all traffic on blue.
  for (const route of [dev, tst, catalog]) {
    sandbox.world.writeForward(route.routeArn, [
      { TargetGroupArn: route.blue, Weight: 100 },
      { TargetGroupArn: route.green, Weight: 0 },
    ]);
  }
});

/** A weighted forward to the route's two target groups. */
function forward(route: SimRoute, blue: number, green: number, stickiness?: number): Action {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: route.blue, Weight: blue },
        { TargetGroupArn: route.green, Weight: green },
      ],
      TargetGroupStickinessConfig:
        stickiness === undefined ? { Enabled: false } : { Enabled: true, DurationSeconds: stickiness },
    },
  };
}

function listenerArnOf(route: SimRoute): string {
  if (!route.routeArn.includes(':listener-rule/')) return route.routeArn;
  return route.routeArn.replace(':listener-rule/', ':listener/').replace(/\/[0-9a-f]{16}$/, '');
}

function loadBalancerArnOf(route: SimRoute): string {
  return sandbox.world.elb.listeners.get(listenerArnOf(route))!.LoadBalancerArn!;
}

/** The name and HTTP status of an SDK failure. */
async function sdkFailure(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  const err = (await rejection(promise)) as Error & { $metadata?: { httpStatusCode?: number } };
  return {
    name: err.name,
    message: err.message,
    ...(err.$metadata?.httpStatusCode ? { status: err.$metadata.httpStatusCode } : {}),
  };
}

describe('DescribeLoadBalancers', () => {
  it('pages with PageSize and Marker until no NextMarker is returned', async () => {
    // Act
    const first = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2 }));
    const second = await elb.send(
      new DescribeLoadBalancersCommand({ PageSize: 2, Marker: first.NextMarker }),
    );
    // Assert
    expect(first.LoadBalancers?.map((lb) => lb.LoadBalancerName)).toEqual(['shop-dev', 'shop-tst']);
    expect(first.NextMarker).toEqual(expect.any(String));
    expect(second.LoadBalancers?.map((lb) => lb.LoadBalancerName)).toEqual(['shop-prd']);
    expect(second.NextMarker).toBeUndefined();
  });

  it('describes a load balancer by name with its SDK-typed members', async () => {
    // Act
    const out = await elb.send(new DescribeLoadBalancersCommand({ Names: ['shop-dev'] }));
    // Assert
    const lb = out.LoadBalancers?.[0];
    expect(lb).toMatchObject({
      LoadBalancerArn: loadBalancerArnOf(dev),
      Type: 'application',
      Scheme: 'internet-facing',
      State: { Code: 'active' },
      SecurityGroups: ['sg-0sandbox000000001'],
    });
    expect(lb?.CreatedTime).toBeInstanceOf(Date);
  });

  it.each([
    { name: 'an unknown name', input: { Names: ['nope'] }, error: 'LoadBalancerNotFoundException' },
    {
      name: 'an unknown ARN',
      input: {
        LoadBalancerArns: [
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/nope/0000000000000000',
        ],
      },
      error: 'LoadBalancerNotFoundException',
    },
    { name: 'a page size of 0', input: { PageSize: 0 }, error: 'ValidationError' },
    { name: 'a marker it did not hand out', input: { Marker: 'bogus' }, error: 'ValidationError' },
  ])('refuses $name with $error', async ({ input, error }) => {
    // Act
    const failure = await sdkFailure(elb.send(new DescribeLoadBalancersCommand(input)));
    // Assert
    expect(failure).toMatchObject({ name: error, status: 400 });
  });
});

describe('DescribeListeners', () => {
  it('lists the listeners of a load balancer, and one listener by ARN', async () => {
    // Act
    const byLb = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArnOf(dev) }));
    const byArn = await elb.send(new DescribeListenersCommand({ ListenerArns: [dev.routeArn] }));
    // Assert
    expect(byLb.Listeners?.map((l) => l.ListenerArn).sort()).toEqual(
      [dev.routeArn, listenerArnOf(catalog)].sort(),
    );
    expect(byArn.Listeners?.[0]).toMatchObject({
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: [forward(dev, 100, 0)],
    });
  });

  it.each([
    {
      name: 'an unknown listener',
      input: { ListenerArns: [`${dev.routeArn.slice(0, -1)}9`] },
      error: 'ListenerNotFoundException',
    },
    { name: 'neither filter', input: {}, error: 'ValidationError' },
    { name: 'a malformed listener ARN', input: { ListenerArns: ['not-an-arn'] }, error: 'ValidationError' },
    {
      name: 'a target group ARN given as a listener ARN',
      input: { ListenerArns: [dev.blue] },
      error: 'ValidationError',
    },
  ])('refuses $name with $error', async ({ input, error }) => {
    // Act
    const failure = await sdkFailure(elb.send(new DescribeListenersCommand(input)));
    // Assert
    expect(failure.name).toBe(error);
  });
});

describe('DescribeRules', () => {
  it('synthesises the default rule from the listener default actions, last and with a stable ARN', async () => {
    // Act
    const first = await elb.send(new DescribeRulesCommand({ ListenerArn: dev.routeArn }));
    const again = await elb.send(new DescribeRulesCommand({ ListenerArn: dev.routeArn }));
    // Assert
    const rule = first.Rules?.at(-1);
    expect(rule).toEqual({
      RuleArn: defaultRuleArn(dev.routeArn),
      Priority: 'default',
      Conditions: [],
      Actions: [{ ...forward(dev, 100, 0), Order: 1 }],
      IsDefault: true,
    });
    expect(rule?.RuleArn).toMatch(
      /:listener-rule\/app\/shop-dev\/1a2b3c4d5e6f7a80\/0d1e2f3a4b5c6d01\/[0-9a-f]{16}$/,
    );
    expect(again.Rules?.at(-1)?.RuleArn).toBe(rule?.RuleArn);
  });

  it('lists a listener rules by priority with the default rule last, and finds a rule and a default rule by ARN', async () => {
    // Act
    const byListener = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArnOf(tst) }));
    const byArn = await elb.send(
      new DescribeRulesCommand({ RuleArns: [tst.routeArn, defaultRuleArn(listenerArnOf(tst))] }),
    );
    // Assert
    expect(byListener.Rules?.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['12', false],
      ['default', true],
    ]);
    expect(byArn.Rules?.[0]).toMatchObject({
      RuleArn: tst.routeArn,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['checkout.tst.sandbox.internal'] } }],
    });
    expect(byArn.Rules?.[1]?.Actions?.[0]?.Type).toBe('fixed-response');
  });

  it('refuses an unknown rule with RuleNotFound', async () => {
    // Act
    const failure = await sdkFailure(
      elb.send(
        new DescribeRulesCommand({
          RuleArns: [`${listenerArnOf(tst)}/ffffffffffffffff`.replace(':listener/', ':listener-rule/')],
        }),
      ),
    );
    // Assert
    expect(failure).toEqual({
      name: 'RuleNotFoundException',
      message: 'One or more rules not found',
      status: 400,
    });
  });
});

describe('DescribeTargetGroups and DescribeTargetHealth', () => {
  it('lists every target group, those of a load balancer, and finds them by name', async () => {
    // Act
    const all = await elb.send(new DescribeTargetGroupsCommand({}));
    const ofLb = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArnOf(dev) }));
    const byName = await elb.send(new DescribeTargetGroupsCommand({ Names: ['checkout-tst-green'] }));
    // Assert
    expect(all.TargetGroups).toHaveLength(8);
    expect(ofLb.TargetGroups?.map((tg) => tg.TargetGroupArn).sort()).toEqual(
      [dev.blue, dev.green, catalog.blue, catalog.green].sort(),
    );
    expect(byName.TargetGroups?.[0]).toMatchObject({
      TargetGroupArn: tst.green,
      Port: 8080,
      HealthCheckEnabled: true,
      Matcher: { HttpCode: '200' },
    });
  });

  it('reports the health of each target, and a target that is not registered as unused', async () => {
    // Act
    const all = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: dev.blue }));
    const filtered = await elb.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: dev.blue,
        Targets: [{ Id: '192.0.2.1', Port: 8080 }],
      }),
    );
    // Assert
    expect(all.TargetHealthDescriptions).toHaveLength(3);
    expect(
      all.TargetHealthDescriptions?.every(
        (d) => d.TargetHealth?.State === 'healthy' && d.Target?.Port === 8080,
      ),
    ).toBe(true);
    expect(filtered.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: '192.0.2.1', Port: 8080 },
        TargetHealth: {
          State: 'unused',
          Reason: 'Target.NotRegistered',
          Description: 'Target is not registered to the target group',
        },
      },
    ]);
  });

  it.each([
    [
      'DescribeTargetGroups',
      () => elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${dev.blue.slice(0, -1)}9`] })),
    ],
    [
      'DescribeTargetHealth',
      () => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${dev.blue.slice(0, -1)}9` })),
    ],
  ])('%s refuses an unknown target group with TargetGroupNotFound', async (_name, call) => {
    // Act
    const failure = await sdkFailure(call());
    // Assert
    expect(failure).toEqual({
      name: 'TargetGroupNotFoundException',
      message: 'One or more target groups not found',
      status: 400,
    });
  });
});

describe('DescribeTags', () => {
  it('reports the controller tags of an Ingress-owned rule and none for a default rule', async () => {
    // Act
    const out = await elb.send(
      new DescribeTagsCommand({ ResourceArns: [catalog.routeArn, defaultRuleArn(dev.routeArn), dev.blue] }),
    );
    // Assert
    const [owned, defaultRule, tg] = out.TagDescriptions ?? [];
    expect(owned?.Tags).toContainEqual({ Key: 'elbv2.k8s.aws/cluster', Value: 'jarvis-dev' });
    expect(defaultRule).toEqual({ ResourceArn: defaultRuleArn(dev.routeArn), Tags: [] });
    expect(tg?.Tags).toContainEqual({ Key: 'jarvis:colour', Value: 'blue' });
  });

  it.each([
    {
      name: 'more than 20 resources',
      arns: Array.from({ length: 21 }, () => dev.blue),
      error: 'ValidationError',
    },
    {
      name: 'an unknown target group',
      arns: [`${dev.blue.slice(0, -1)}9`],
      error: 'TargetGroupNotFoundException',
    },
    {
      name: 'an unknown listener',
      arns: [`${dev.routeArn.slice(0, -1)}9`],
      error: 'ListenerNotFoundException',
    },
  ])('refuses $name with $error', async ({ arns, error }) => {
    // Act
    const failure = await sdkFailure(elb.send(new DescribeTagsCommand({ ResourceArns: arns })));
    // Assert
    expect(failure.name).toBe(error);
  });
});

describe('ModifyListener and ModifyRule', () => {
  it('ModifyListener replaces the default actions, keeps the other fields, and counts the write', async () => {
    // Arrange
    const writes = sandbox.world.writes;
    // Act
    const out = await elb.send(
      new ModifyListenerCommand({ ListenerArn: dev.routeArn, DefaultActions: [forward(dev, 90, 10, 300)] }),
    );
    const read = await elb.send(new DescribeListenersCommand({ ListenerArns: [dev.routeArn] }));
    // Assert
    const expected = { ...forward(dev, 90, 10, 300), Order: 1 };
    expect(out.Listeners?.[0]?.DefaultActions).toEqual([expected]);
    expect(read.Listeners?.[0]).toMatchObject({ Port: 443, Protocol: 'HTTPS', DefaultActions: [expected] });
    expect(sandbox.world.writes).toBe(writes + 1);
  });

  it('ModifyRule replaces actions and conditions of a rule', async () => {
    // Arrange
    const conditions = [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }];
    // Act
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: tst.routeArn,
        Actions: [forward(tst, 50, 50)],
        Conditions: conditions,
      }),
    );
    const read = await elb.send(new DescribeRulesCommand({ RuleArns: [tst.routeArn] }));
    // Assert
    expect(read.Rules?.[0]).toMatchObject({
      Actions: [{ ...forward(tst, 50, 50), Order: 1 }],
      Conditions: conditions,
    });
  });

  it('ModifyRule on a default rule changes the listener default actions and refuses conditions', async () => {
    // Arrange
    const ruleArn = defaultRuleArn(dev.routeArn);
    // Act
    await elb.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: [forward(dev, 75, 25)] }));
    const listener = await elb.send(new DescribeListenersCommand({ ListenerArns: [dev.routeArn] }));
    const refused = await sdkFailure(
      elb.send(
        new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }] }),
      ),
    );
    // Assert
    expect(
      listener.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => g.Weight),
    ).toEqual([75, 25]);
    expect(refused.name).toBe('OperationNotPermittedException');
  });

  it.each<{ name: string; actions: Action[]; error: string; message: RegExp }>([
    {
      name: 'a weight above 999',
      actions: [forward(tst, 1000, 0)],
      error: 'ValidationError',
      message: /less than or equal to 999/,
    },
    {
      name: 'a negative weight',
      actions: [forward(tst, -1, 100)],
      error: 'ValidationError',
      message: /greater than or equal to 0/,
    },
    {
      name: 'an unknown action type',
      // The SDK would send any string; AWS validates it.
      actions: [{ Type: 'teleport' } as unknown as Action],
      error: 'ValidationError',
      message: /enum value set/,
    },
    {
      name: 'a forward without a target group',
      actions: [{ Type: 'forward' }],
      error: 'ValidationError',
      message: /must not be null/,
    },
    {
      name: 'a forward to an unknown target group',
      actions: [
        {
          Type: 'forward',
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: `${tst.blue.slice(0, -1)}9`, Weight: 1 }] },
        },
      ],
      error: 'TargetGroupNotFoundException',
      message: /not found/,
    },
    {
      name: 'two terminal actions',
      actions: [forward(tst, 100, 0), { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }],
      error: 'InvalidLoadBalancerActionException',
      message: /exactly one/,
    },
  ])('ModifyRule refuses $name with $error and changes nothing', async ({ actions, error, message }) => {
    // Arrange
    const writes = sandbox.world.writes;
    // Act
    const failure = await sdkFailure(
      elb.send(new ModifyRuleCommand({ RuleArn: tst.routeArn, Actions: actions })),
    );
    // Assert
    expect(failure.name).toBe(error);
    expect(failure.message).toMatch(message);
    expect(sandbox.world.forwardOf(tst.routeArn).map((g) => g.Weight)).toEqual([100, 0]);
    expect(sandbox.world.writes).toBe(writes);
  });

  it.each([
    [
      'ModifyListener',
      () =>
        elb.send(
          new ModifyListenerCommand({
            ListenerArn: `${dev.routeArn.slice(0, -1)}9`,
            DefaultActions: [forward(dev, 1, 1)],
          }),
        ),
      'ListenerNotFoundException',
    ],
    [
      'ModifyRule',
      () =>
        elb.send(
          new ModifyRuleCommand({ RuleArn: `${tst.routeArn.slice(0, -1)}9`, Actions: [forward(tst, 1, 1)] }),
        ),
      'RuleNotFoundException',
    ],
    [
      'DescribeRules with a malformed rule ARN',
      () => elb.send(new DescribeRulesCommand({ RuleArns: ['arn:aws:elasticloadbalancing:rule/x'] })),
      'ValidationError',
    ],
    [
      'ModifyRule with a malformed rule ARN',
      () => elb.send(new ModifyRuleCommand({ RuleArn: 'listener-rule/1', Actions: [forward(tst, 1, 1)] })),
      'ValidationError',
    ],
    [
      'DescribeTargetHealth with a malformed target group ARN',
      () => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'checkout-dev-blue' })),
      'ValidationError',
    ],
  ])('%s refuses an unknown or malformed resource', async (_name, call, error) => {
    // Act
    const failure = await sdkFailure(call());
    // Assert
    expect(failure.name).toBe(error);
  });

  it('accepts a direct write to an Ingress-owned rule, which the simulated controller reverts', async () => {
    // Act
    const written = await elb.send(
      new ModifyRuleCommand({ RuleArn: catalog.routeArn, Actions: [forward(catalog, 0, 100)] }),
    );
    await sandbox.clock.sleep(2500);
    const later = await elb.send(new DescribeRulesCommand({ RuleArns: [catalog.routeArn] }));
    // Assert
    expect(written.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => g.Weight)).toEqual([
      0, 100,
    ]);
    expect(later.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => g.Weight)).toEqual([
      100, 0,
    ]);
  });
});

describe('unsupported actions', () => {
  it('answers an action it does not implement as AWS answers an invalid one', async () => {
    // Act
    const failure = await sdkFailure(elb.send(new DescribeSSLPoliciesCommand({})));
    // Assert
    expect(failure).toEqual({
      name: 'InvalidAction',
      message: 'The action DescribeSSLPolicies is not valid for this web service.',
      status: 400,
    });
  });
});
