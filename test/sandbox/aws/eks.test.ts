import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';
import { authHeaders, eksClient, rejection } from '../../helpers/aws.js';

let sandbox: Sandbox;
let eks: EKSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50 });
  eks = eksClient(sandbox.awsEndpoint, 3);
});

afterAll(async () => {
  eks.destroy();
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

describe('EKS DescribeCluster', () => {
  it('describes a cluster with its HTTPS endpoint and CA, as the SDK reads it', async () => {
    // Arrange
    const sim = sandbox.world.clusters.get('jarvis-dev')!;
    // Act
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'jarvis-dev' }));
    // Assert
    expect(cluster).toMatchObject({
      name: 'jarvis-dev',
      arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/jarvis-dev',
      version: '1.31',
      status: 'ACTIVE',
      endpoint: sim.endpoint,
      certificateAuthority: { data: sim.caData },
      resourcesVpcConfig: { vpcId: 'vpc-0sandbox0000000001' },
      kubernetesNetworkConfig: { ipFamily: 'ipv4' },
      tags: { 'jarvis:sandbox': 'true' },
    });
    expect(cluster?.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(cluster?.certificateAuthority?.data ?? '', 'base64').toString()).toContain(
      '-----BEGIN CERTIFICATE-----',
    );
    expect(cluster?.createdAt?.getTime()).toBe(sim.createdAt.getTime());
  });

  it('answers an unknown cluster with ResourceNotFoundException', async () => {
    // Act
    const err = (await rejection(eks.send(new DescribeClusterCommand({ name: 'nope' })))) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    // Assert
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('No cluster found for name: nope.');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it.each([
    {
      name: 'an unsupported path',
      path: '/clusters/jarvis-dev/node-groups',
      auth: { service: 'eks' },
      status: 404,
      type: 'UnknownOperationException',
    },
    {
      name: 'a request without credentials',
      path: '/clusters/jarvis-dev',
      auth: null,
      status: 403,
      type: 'MissingAuthenticationTokenException',
    },
    {
      name: 'an unknown access key',
      path: '/clusters/jarvis-dev',
      auth: { accessKeyId: 'AKIAUNKNOWN000000000', service: 'eks' },
      status: 403,
      type: 'UnrecognizedClientException',
    },
    {
      name: 'a signature made with a wrong secret key',
      path: '/clusters/jarvis-dev',
      auth: { secretAccessKey: 'not-the-sandbox-secret', service: 'eks' },
      status: 403,
      type: 'InvalidSignatureException',
    },
  ])('refuses $name with $status $type', async ({ path, auth, status, type }) => {
    // Act
    const url = `${sandbox.awsEndpoint}${path}`;
    const res = await fetch(url, { headers: await authHeaders(url, {}, auth) });
    const body = (await res.json()) as { message?: string };
    // Assert
    expect(res.status).toBe(status);
    expect(res.headers.get('x-amzn-errortype')).toBe(type);
    expect(body.message).toEqual(expect.any(String));
  });

  it('throttles with 429 ThrottlingException, which the SDK retries until it succeeds', async () => {
    // Arrange
    sandbox.world.faults.set('eks', { throttle: 2 });
    // Act
    const out = await eks.send(new DescribeClusterCommand({ name: 'jarvis-dev' }));
    // Assert
    expect(out.cluster?.status).toBe('ACTIVE');
    expect(out.$metadata.attempts).toBe(3);
  });

  it('fails with 500 ServerException once the retries run out', async () => {
    // Arrange
    sandbox.world.faults.set('eks', { serverErrors: 3 });
    // Act
    const err = (await rejection(eks.send(new DescribeClusterCommand({ name: 'jarvis-dev' })))) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    // Assert
    expect(err.name).toBe('ServerException');
    expect(err.$metadata.httpStatusCode).toBe(500);
  });

  it('drops the connection when EKS is down', async () => {
    // Arrange
    sandbox.world.faults.set('eks', { down: true });
    // Act
    const err = (await rejection(eks.send(new DescribeClusterCommand({ name: 'jarvis-dev' })))) as Error & {
      code?: string;
    };
    // Assert
    expect(err.code).toBe('ECONNRESET');
  });
});
