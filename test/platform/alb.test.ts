import {
  DescribeListenersCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EKSClient } from '@aws-sdk/client-eks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { AlbAdapter, ingressAnnotationKey, ingressForwardAnnotation } from '../../src/platform/alb.js';
import { EksAdapter } from '../../src/platform/eks.js';
import { kubeClientPool, type KubeClientPool } from '../../src/platform/index.js';
import { KubeAdapter } from '../../src/platform/kube.js';
import { routeArnOf, routeOf, type ServiceRoute, type Weights } from '../../src/platform/types.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { countCommands, eksClient, elbv2Client, jarvisFailure, REGION } from '../helpers/aws.js';

const config = loadConfig(SANDBOX_CONFIG_PATH);
/** Weights on a listener default action. */
const DEV = routeOf(config, 'dev', 'checkout');
/** Weights on a listener rule. */
const TST = routeOf(config, 'tst', 'checkout');
/** A rule the AWS Load Balancer Controller owns, configured (correctly) for ingress mode. */
const CATALOG = routeOf(config, 'dev', 'catalog');
/** The same rule, misconfigured for direct writes. */
const CATALOG_DIRECT: ServiceRoute = { ...CATALOG, mode: 'direct' };
const ALL_BLUE: Weights = { blue: 100, green: 0 };

let sandbox: Sandbox;
let client: ElasticLoadBalancingV2Client;
let calls: ReturnType<typeof countCommands>;
let alb: AlbAdapter;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50 });
  client = elbv2Client(sandbox.awsEndpoint, 3);
  calls = countCommands(client);
  alb = new AlbAdapter({ client, clock: sandbox.clock });
});

afterAll(async () => {
  client.destroy();
  await sandbox.close();
});

beforeEach(() => {
  calls.reset();
});

afterEach(() => {
  sandbox.world.faults.clear();
  for (const route of [DEV, TST]) {
    sandbox.world.writeForward(routeArnOf(route), [
      { TargetGroupArn: route.targetGroups.blue, Weight: 100 },
      { TargetGroupArn: route.targetGroups.green, Weight: 0 },
    ]);
  }
});

/** The weights as the sandbox holds them, read around Jarvis. */
function albWeights(route: ServiceRoute): Weights {
  const forward = sandbox.world.forwardOf(routeArnOf(route));
  const of = (arn: string): number => forward.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
  return { blue: of(route.targetGroups.blue), green: of(route.targetGroups.green) };
}

function modifyCalls(): number {
  return calls.count('ModifyListenerCommand') + calls.count('ModifyRuleCommand');
}

describe('AlbAdapter.readWeights', () => {
  it.each([
    { name: 'a listener default action', route: DEV, command: 'DescribeListenersCommand' },
    { name: 'a listener rule', route: TST, command: 'DescribeRulesCommand' },
  ])('reads the weights of $name', async ({ route, command }) => {
    // Act
    const weights = await alb.readWeights(route);
    // Assert
    expect(weights).toEqual(ALL_BLUE);
    expect(calls.count(command)).toBe(1);
  });

  it('is NOT_FOUND for a rule that does not exist, naming the ARN and the config key to check', async () => {
    // Arrange
    const route: ServiceRoute = { ...TST, ruleArn: `${TST.ruleArn!.slice(0, -1)}9` };
    // Act
    const err = await jarvisFailure(alb.readWeights(route));
    // Assert
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toMatchObject({ resource: route.ruleArn, upstream: 'RuleNotFoundException' });
    expect(err.message).toContain('ELBv2 DescribeRules');
    expect(err.message).toContain('environments.tst.services.checkout.ruleArn');
  });

  it('is DRIFT when the route forwards to a target group that is neither colour', async () => {
    // Arrange: configuration naming another service's green target group
    const route: ServiceRoute = {
      ...DEV,
      targetGroups: { blue: DEV.targetGroups.blue, green: TST.targetGroups.green },
    };
    sandbox.world.writeForward(routeArnOf(DEV), [
      { TargetGroupArn: DEV.targetGroups.blue, Weight: 90 },
      { TargetGroupArn: DEV.targetGroups.green, Weight: 10 },
    ]);
    // Act
    const err = await jarvisFailure(alb.readWeights(route));
    // Assert
    expect(err.code).toBe('DRIFT');
    expect(err.message).toContain(`forwards to ${DEV.targetGroups.green}, which is neither`);
  });

  it('is DRIFT when the route has no forward action', async () => {
    // Arrange: the listener of the catalog rule answers 404 by default
    const listenerArn = CATALOG.ruleArn!.replace(':listener-rule/', ':listener/').replace(
      /\/[0-9a-f]{16}$/,
      '',
    );
    const route: ServiceRoute = { ...DEV, listenerArn };
    // Act
    const err = await jarvisFailure(alb.readWeights(route));
    // Assert
    expect(err.code).toBe('DRIFT');
    expect(err.details.facts).toMatchObject({ actual: ['fixed-response'] });
  });
});

describe('AlbAdapter.setWeights, direct mode', () => {
  it.each([
    { name: 'a listener', route: DEV, command: 'ModifyListenerCommand' },
    { name: 'a rule', route: TST, command: 'ModifyRuleCommand' },
  ])('writes the weights of $name and reads them back', async ({ route, command }) => {
    // Arrange
    const writes = sandbox.world.writes;
    // Act
    const result = await alb.setWeights(route, { blue: 90, green: 10 }, ALL_BLUE);
    // Assert
    expect(result).toEqual({ changed: true, weights: { blue: 90, green: 10 } });
    expect(albWeights(route)).toEqual({ blue: 90, green: 10 });
    expect(calls.count(command)).toBe(1);
    expect(sandbox.world.writes).toBe(writes + 1);
  });

  it('makes no write at all when the ALB already holds the desired weights', async () => {
    // Arrange
    const writes = sandbox.world.writes;
    // Act
    const result = await alb.setWeights(DEV, ALL_BLUE, ALL_BLUE);
    // Assert
    expect(result).toEqual({ changed: false, weights: ALL_BLUE });
    expect(modifyCalls()).toBe(0);
    expect(sandbox.world.writes).toBe(writes);
  });

  it('refuses with DRIFT, writing nothing, when the ALB holds other weights than expected', async () => {
    // Arrange: another writer moved traffic
    sandbox.world.writeForward(routeArnOf(TST), [
      { TargetGroupArn: TST.targetGroups.blue, Weight: 50 },
      { TargetGroupArn: TST.targetGroups.green, Weight: 50 },
    ]);
    // Act
    const err = await jarvisFailure(alb.setWeights(TST, { blue: 75, green: 25 }, ALL_BLUE));
    // Assert
    expect(err.code).toBe('DRIFT');
    expect(err.details).toMatchObject({
      resource: TST.ruleArn,
      facts: { expected: ALL_BLUE, actual: { blue: 50, green: 50 } },
    });
    expect(modifyCalls()).toBe(0);
    expect(albWeights(TST)).toEqual({ blue: 50, green: 50 });
  });

  it.each([
    { name: 'a negative weight', desired: { blue: -1, green: 101 } },
    { name: 'a weight above 999', desired: { blue: 1000, green: 0 } },
    { name: 'a fraction', desired: { blue: 99.5, green: 0.5 } },
    { name: 'all weights 0', desired: { blue: 0, green: 0 } },
  ])('refuses $name with INVALID_INPUT before any call', async ({ desired }) => {
    // Act
    const err = await jarvisFailure(alb.setWeights(DEV, desired, ALL_BLUE));
    // Assert
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('from 0 to 999');
    expect(calls.count('DescribeListenersCommand') + modifyCalls()).toBe(0);
  });

  it('keeps the stickiness configured on the forward action', async () => {
    // Arrange
    await client.send(
      new ModifyListenerCommand({
        ListenerArn: DEV.listenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: DEV.targetGroups.blue, Weight: 100 },
                { TargetGroupArn: DEV.targetGroups.green, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
            },
          },
        ],
      }),
    );
    // Act
    await alb.setWeights(DEV, { blue: 50, green: 50 }, ALL_BLUE);
    const out = await client.send(new DescribeListenersCommand({ ListenerArns: [DEV.listenerArn!] }));
    // Assert
    expect(out.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({
      Enabled: true,
      DurationSeconds: 300,
    });
  });

  it('refuses an Ingress-managed rule with INGRESS_MANAGED, asking for mode: ingress, and asks AWS only once', async () => {
    // Act
    const first = await jarvisFailure(alb.setWeights(CATALOG_DIRECT, { blue: 90, green: 10 }, ALL_BLUE));
    const second = await jarvisFailure(alb.setWeights(CATALOG_DIRECT, { blue: 90, green: 10 }, ALL_BLUE));
    // Assert
    expect(first.code).toBe('INGRESS_MANAGED');
    expect(first.message).toContain('mode: ingress');
    expect(first.details.facts).toMatchObject({ tag: { key: 'elbv2.k8s.aws/cluster', value: 'jarvis-dev' } });
    expect(second.code).toBe('INGRESS_MANAGED');
    expect(calls.count('DescribeTagsCommand')).toBe(1);
    expect(modifyCalls()).toBe(0);
  });
});

describe('AlbAdapter: throttling, server errors and an API that is down', () => {
  it('succeeds when throttling stops within the SDK retries', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { throttle: 2 });
    // Act
    const result = await alb.setWeights(TST, { blue: 75, green: 25 }, ALL_BLUE);
    // Assert
    expect(result.weights).toEqual({ blue: 75, green: 25 });
    expect(sandbox.world.faults.get('elbv2').throttle).toBe(0);
  });

  it('is THROTTLED, with the attempts made, when throttling outlasts the retries', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { throttle: 10 });
    // Act
    const err = await jarvisFailure(alb.readWeights(DEV));
    // Assert
    expect(err.code).toBe('THROTTLED');
    expect(err.details).toMatchObject({ upstream: 'Throttling', facts: { attempts: 3 } });
    expect(err.message).toContain('after 3 attempts');
  });

  it('is UPSTREAM when AWS keeps failing with 5xx', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { serverErrors: 10 });
    // Act
    const err = await jarvisFailure(alb.targetHealth(DEV.targetGroups.blue));
    // Assert
    expect(err.code).toBe('UPSTREAM');
    expect(err.details).toMatchObject({ upstream: 'InternalFailure', facts: { httpStatus: 500 } });
  });

  it('is UNAVAILABLE, quickly and naming the call, when the API is down', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { down: true });
    const started = Date.now();
    // Act
    const err = await jarvisFailure(alb.setWeights(DEV, { blue: 90, green: 10 }, ALL_BLUE));
    // Assert
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.details.upstream).toBe('ECONNRESET');
    expect(err.message).toContain(`ELBv2 DescribeListeners on ${DEV.listenerArn}`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(albWeights(DEV)).toEqual(ALL_BLUE);
  });
});

describe('AlbAdapter.targetHealth', () => {
  it('reports each target with its port and state', async () => {
    // Act
    const targets = await alb.targetHealth(DEV.targetGroups.green);
    // Assert
    expect(targets).toHaveLength(3);
    for (const { id, ...rest } of targets) {
      expect(id).toMatch(/^10\./);
      expect(rest).toEqual({ port: 8080, state: 'healthy' });
    }
  });

  it('is NOT_FOUND for an unknown target group', async () => {
    // Arrange
    const unknown = `${DEV.targetGroups.blue.slice(0, -1)}9`;
    // Act
    const err = await jarvisFailure(alb.targetHealth(unknown));
    // Assert
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toMatchObject({ resource: unknown, upstream: 'TargetGroupNotFoundException' });
    expect(err.message).toContain('targetGroupArn');
  });
});

describe('AlbAdapter.setWeights, ingress mode with a real KubeAdapter', () => {
  const key = ingressAnnotationKey(CATALOG.ingress!.action);
  let eks: EKSClient;
  let pool: KubeClientPool;
  let kube: KubeAdapter;
  let ingressAlb: AlbAdapter;

  beforeAll(() => {
    eks = eksClient(sandbox.awsEndpoint);
    const eksAdapter = new EksAdapter({ client: eks, credentials: SANDBOX_CREDENTIALS, region: REGION });
    pool = kubeClientPool(eksAdapter, 'jarvis-dev');
    kube = new KubeAdapter({
      clients: pool.clients,
      clock: sandbox.clock,
      retries: 2,
      retryBaseMs: 50,
    });
    ingressAlb = new AlbAdapter({ client, ingress: kube, clock: sandbox.clock, ingressPollMs: 500 });
  });

  afterAll(async () => {
    await pool.close();
    eks.destroy();
  });

  afterEach(async () => {
    await kube.writeAnnotation(
      CATALOG.namespace,
      CATALOG.ingress!.name,
      key,
      ingressForwardAnnotation(CATALOG, ALL_BLUE),
    );
    sandbox.world.writeForward(CATALOG.ruleArn!, [
      { TargetGroupArn: CATALOG.targetGroups.blue, Weight: 100 },
      { TargetGroupArn: CATALOG.targetGroups.green, Weight: 0 },
    ]);
  });

  it('writes the annotation and returns once the controller has applied it to the ALB', async () => {
    // Act
    const result = await ingressAlb.setWeights(CATALOG, { blue: 90, green: 10 }, ALL_BLUE);
    // Assert
    expect(result).toEqual({ changed: true, weights: { blue: 90, green: 10 } });
    expect(albWeights(CATALOG)).toEqual({ blue: 90, green: 10 });
    const annotation = sandbox.world.kube.ingress('jarvis-dev', CATALOG.namespace, CATALOG.ingress!.name)
      ?.annotations[key];
    expect(JSON.parse(annotation ?? '{}')).toEqual({
      type: 'forward',
      forwardConfig: {
        targetGroups: [
          { targetGroupARN: CATALOG.targetGroups.blue, weight: 90 },
          { targetGroupARN: CATALOG.targetGroups.green, weight: 10 },
        ],
      },
    });
    expect(modifyCalls()).toBe(0);
  });

  it('sees a direct ModifyRule on the controller-owned rule reverted to the annotation', async () => {
    // Arrange
    await ingressAlb.setWeights(CATALOG, { blue: 90, green: 10 }, ALL_BLUE);
    // Act: someone writes the rule directly, which AWS accepts
    const direct = await client.send(
      new ModifyRuleCommand({
        RuleArn: CATALOG.ruleArn,
        Actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: CATALOG.targetGroups.blue, Weight: 0 },
                { TargetGroupArn: CATALOG.targetGroups.green, Weight: 100 },
              ],
            },
          },
        ],
      }),
    );
    await sandbox.clock.sleep(2500);
    const after = await ingressAlb.readWeights(CATALOG);
    // Assert
    expect(direct.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => g.Weight)).toEqual([
      0, 100,
    ]);
    expect(after).toEqual({ blue: 90, green: 10 });
  });

  it('is TIMEOUT, naming expected and last seen weights, when the controller is slower than allowed', async () => {
    // Arrange: the simulated controller takes 2 s; allow a tenth of that
    const impatient = new AlbAdapter({
      client,
      ingress: kube,
      clock: sandbox.clock,
      ingressSyncTimeoutMs: 200,
      ingressPollMs: 100,
    });
    // Act
    const err = await jarvisFailure(impatient.setWeights(CATALOG, { blue: 50, green: 50 }, ALL_BLUE));
    // Assert
    expect(err.code).toBe('TIMEOUT');
    expect(err.details.facts).toEqual({ expected: { blue: 50, green: 50 }, actual: ALL_BLUE });
    expect(err.message).toContain('Load Balancer Controller');
  });

  it('is CONFIG_INVALID in ingress mode without access to the Ingress', async () => {
    // Act
    const err = await jarvisFailure(alb.setWeights(CATALOG, { blue: 90, green: 10 }, ALL_BLUE));
    // Assert
    expect(err.code).toBe('CONFIG_INVALID');
    expect(albWeights(CATALOG)).toEqual(ALL_BLUE);
  });
});
