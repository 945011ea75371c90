import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf } from '../../src/config.js';
import { CloudWatchMetrics } from '../../src/platform/metrics/cloudwatch.js';
import type { ColourQuery } from '../../src/platform/metrics/provider.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { cloudwatchClient, jarvisFailure, rejection } from '../helpers/aws.js';

// CloudWatch's GetMetricData through the real SDK client against the sandbox, which serves it from its
// traffic simulation: figures per colour, publication lag as "no verdict yet", and CloudWatch's errors.

describe('CloudWatch metrics provider', () => {
  let sandbox: Sandbox;
  const clients: Array<ReturnType<typeof cloudwatchClient>> = [];

  function provider(
    options: { publicationDelaySeconds?: number; maxAttempts?: number; secret?: string } = {},
  ) {
    const client = cloudwatchClient(sandbox.awsEndpoint, options.maxAttempts ?? 2, {
      accessKeyId: SANDBOX_CREDENTIALS.accessKeyId,
      secretAccessKey: options.secret ?? SANDBOX_CREDENTIALS.secretAccessKey,
    });
    clients.push(client);
    return new CloudWatchMetrics({
      client: () => client,
      loadBalancerOf: (q) => {
        const service = environmentOf(sandbox.config, q.env).services[q.service]!;
        return Promise.resolve(service.ruleArn ?? service.listenerArn ?? '');
      },
      clock: sandbox.clock,
      periodSeconds: 10,
      publicationDelaySeconds: options.publicationDelaySeconds ?? 0,
    });
  }

  function query(env: string, colour: 'blue' | 'green', windowSeconds = 30): ColourQuery {
    const service = environmentOf(sandbox.config, env).services.checkout!;
    return {
      env,
      service: 'checkout',
      colour,
      targetGroupArn: service[colour].targetGroupArn,
      windowSeconds,
    };
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 100 });
    // A couple of minutes of simulated traffic.
    await sandbox.clock.sleep(120_000);
  });
  afterEach(() => {
    sandbox.world.faults.clear();
    sandbox.world.cloudwatch.publicationLagSeconds = 0;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await sandbox.close();
  });

  it('reads the live colour’s requests, 5xx and p99 as the sandbox served them', async () => {
    // Act
    const live = await provider().window(query('prd', 'blue'));
    const truth = sandbox.world.traffic.window('prd', 'checkout', 'blue', 30_000);

    // Assert: 200 rps for 30 s, the version's own error rate and latency.
    expect(live.requests).toBeGreaterThan(4000);
    expect(Math.abs(live.requests - truth.requests) / truth.requests).toBeLessThan(0.25);
    expect(live.errorRate).toBeLessThan(0.01);
    expect(live.p99Ms).toBeGreaterThan(0.5 * truth.p99Ms);
    expect(live.p99Ms).toBeLessThan(2 * truth.p99Ms);
    expect(live.loadBalancerErrors).toBe(0);
  });

  it('reports a standby colour without traffic as 0 requests and an unknown p99, not as an error', async () => {
    const standby = await provider().window(query('prd', 'green'));

    expect(standby).toEqual({
      requests: 0,
      errors: 0,
      errorRate: 0,
      p99Ms: undefined,
      loadBalancerErrors: 0,
    });
  });

  it('gives no verdict while CloudWatch has not published the window yet (publication lag)', async () => {
    // Arrange: CloudWatch two minutes behind, Jarvis expecting it one minute behind.
    sandbox.world.cloudwatch.publicationLagSeconds = 120;

    // Act
    const err = await jarvisFailure(provider({ publicationDelaySeconds: 60 }).window(query('prd', 'blue')));

    // Assert
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(
      /^No verdict yet: CloudWatch has not published RequestCount of load balancer app\/shop-prd\//,
    );
  });

  it('reads the window that ends the configured delay ago once CloudWatch has published it', async () => {
    sandbox.world.cloudwatch.publicationLagSeconds = 45;

    const figures = await provider({ publicationDelaySeconds: 60 }).window(query('prd', 'blue'));

    expect(figures.requests).toBeGreaterThan(4000);
  });

  it('counts 5xx the load balancer answers itself for a colour with no pods behind it', async () => {
    // Arrange: dev's green scaled to nothing and given half the traffic.
    const route = sandbox.world.route('dev', 'checkout')!;
    const green = sandbox.world.kube.deployment(route.cluster, route.namespace, 'checkout-green');
    sandbox.world.kube.updateDeployment(route.cluster, route.namespace, 'checkout-green', {
      ...green,
      spec: { ...green.spec, replicas: 0 },
    });
    await sandbox.clock.sleep(60_000);
    expect(sandbox.world.podsBehind(route.green).filter((p) => p.ready)).toEqual([]);
    sandbox.world.traffic.settle();
    sandbox.world.writeForward(route.routeArn, [
      { TargetGroupArn: route.blue, Weight: 50 },
      { TargetGroupArn: route.green, Weight: 50 },
    ]);
    await sandbox.clock.sleep(40_000);

    // Act
    const figures = await provider().window(query('dev', 'green'));

    // Assert: the target group served nothing itself; the load balancer answered 503s for its share.
    expect(figures.requests).toBe(0);
    expect(figures.loadBalancerErrors).toBeGreaterThan(1000);
  });

  it.each([
    [
      'throttled',
      { throttle: 10 },
      'THROTTLED',
      /CloudWatch GetMetricData on prd\/checkout\/blue was throttled by AWS after 2 attempts/,
    ],
    [
      'failing',
      { serverErrors: 10 },
      'UPSTREAM',
      /CloudWatch GetMetricData on prd\/checkout\/blue failed on the AWS side/,
    ],
    ['down', { down: true }, 'UNAVAILABLE', /CloudWatch could not be reached/],
  ] as const)('names the source when CloudWatch is %s, never a pass', async (_name, fault, code, message) => {
    sandbox.world.faults.set('cloudwatch', fault);

    const err = await jarvisFailure(provider().window(query('prd', 'blue')));

    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('is refused with credentials the sandbox does not know', async () => {
    const client = cloudwatchClient(sandbox.awsEndpoint, 1, {
      accessKeyId: 'AKIAUNKNOWN000000000',
      secretAccessKey: 'x',
    });
    clients.push(client);

    const err = (await rejection(
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'q',
              MetricStat: {
                Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [] },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(0),
          EndTime: new Date(60_000),
        }),
      ),
    )) as { name: string; $metadata: { httpStatusCode: number } };

    // CloudWatch's JSON protocol is query-compatible: the error carries the Query API's code.
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a wrong secret key with SignatureDoesNotMatch, which Jarvis reports as refused', async () => {
    const err = await jarvisFailure(
      provider({ secret: 'not-the-sandbox-secret' }).window(query('prd', 'blue')),
    );

    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('SignatureDoesNotMatch (HTTP 403)');
  });

  it('answers a malformed request as CloudWatch does', async () => {
    const client = cloudwatchClient(sandbox.awsEndpoint, 1);
    clients.push(client);

    const err = (await rejection(
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'q',
              MetricStat: {
                Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [] },
                Period: 45,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(0),
          EndTime: new Date(60_000),
        }),
      ),
    )) as { name: string; message: string };

    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/Period must be 1, 5, 10, 30 or a multiple of 60/);
  });
});
