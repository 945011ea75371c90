import type { EKSClient } from '@aws-sdk/client-eks';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EksAdapter, TOKEN_REFRESH_MARGIN_MS } from '../../src/platform/eks.js';
import { EKS_TOKEN_LIFETIME_MS, EKS_TOKEN_PREFIX } from '../../src/platform/eks-token.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { eksClient, jarvisFailure, REGION } from '../helpers/aws.js';

let sandbox: Sandbox;
let client: EKSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50 });
  client = eksClient(sandbox.awsEndpoint, 3);
});

afterAll(async () => {
  client.destroy();
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

/** An adapter whose wall clock the test moves. */
function adapterAt(start: number): { eks: EksAdapter; advance: (ms: number) => void } {
  let now = start;
  const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION, now: () => now });
  return { eks, advance: (ms) => (now += ms) };
}

/** The presigned STS URL inside a token. */
function urlOf(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

describe('EksAdapter.describeCluster', () => {
  it("gives the sandbox cluster's HTTPS endpoint, CA, status and version", async () => {
    // Arrange
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    const sim = sandbox.world.clusters.get('jarvis-dev')!;
    // Act
    const info = await eks.describeCluster('jarvis-dev');
    // Assert
    expect(info).toEqual({
      name: 'jarvis-dev',
      endpoint: sim.endpoint,
      caData: sim.caData,
      status: 'ACTIVE',
      version: '1.31',
    });
    expect(info.endpoint).toMatch(/^https:\/\//);
  });

  it('is NOT_FOUND for an unknown cluster, naming it and the region', async () => {
    // Arrange
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    // Act
    const err = await jarvisFailure(eks.describeCluster('jarvis-qa'));
    // Assert
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toMatchObject({
      resource: 'eks/eu-west-1/cluster/jarvis-qa',
      upstream: 'ResourceNotFoundException',
    });
    expect(err.message).toContain('There is no EKS cluster "jarvis-qa" in eu-west-1');
  });

  it('refuses a cluster that is not ACTIVE yet', async () => {
    // Arrange: a cluster whose API server is not up reports CREATING
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    const dev = sandbox.world.clusters.get('jarvis-dev')!;
    sandbox.world.clusters.set('jarvis-new', { ...dev, name: 'jarvis-new', endpoint: '', caData: '' });
    try {
      // Act
      const err = await jarvisFailure(eks.describeCluster('jarvis-new'));
      // Assert
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain('is CREATING, not ACTIVE');
    } finally {
      sandbox.world.clusters.delete('jarvis-new');
    }
  });

  it.each([
    { name: 'succeeds when throttling stops within the retries', faults: { throttle: 2 }, code: undefined },
    {
      name: 'is THROTTLED when throttling outlasts the retries',
      faults: { throttle: 10 },
      code: 'THROTTLED',
    },
    { name: 'is UPSTREAM when EKS keeps failing', faults: { serverErrors: 10 }, code: 'UPSTREAM' },
    { name: 'is UNAVAILABLE when EKS is down', faults: { down: true }, code: 'UNAVAILABLE' },
  ])('$name', async ({ faults, code }) => {
    // Arrange
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    sandbox.world.faults.set('eks', faults);
    // Act
    const outcome = await eks.describeCluster('jarvis-dev').then(
      (info) => info.status,
      (err: unknown) => err,
    );
    // Assert
    if (code === undefined) expect(outcome).toBe('ACTIVE');
    else expect(outcome).toMatchObject({ code, details: { resource: 'eks/eu-west-1/cluster/jarvis-dev' } });
  });
});

describe('EksAdapter.token', () => {
  it('is a presigned STS GetCallerIdentity URL that signs the cluster name in x-k8s-aws-id', async () => {
    // Arrange
    const { eks } = adapterAt(Date.UTC(2025, 5, 1, 12, 0, 0));
    // Act
    const url = urlOf(await eks.token('jarvis-dev'));
    // Assert
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe(
      `${SANDBOX_CREDENTIALS.accessKeyId}/20250601/eu-west-1/sts/aws4_request`,
    );
    expect(q.get('X-Amz-Date')).toBe('20250601T120000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')?.split(';')).toContain('x-k8s-aws-id');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs a different token per cluster', async () => {
    // Arrange
    const { eks } = adapterAt(Date.UTC(2025, 5, 1, 12, 0, 0));
    // Act
    const [dev, prd] = await Promise.all([eks.token('jarvis-dev'), eks.token('jarvis-prd')]);
    // Assert
    expect(dev).not.toBe(prd);
  });

  it('hands out the cached token until a minute before expiry, then a fresh one', async () => {
    // Arrange
    const start = Date.UTC(2025, 5, 1, 12, 0, 0);
    const { eks, advance } = adapterAt(start);
    const first = await eks.token('jarvis-dev');
    // Act
    advance(EKS_TOKEN_LIFETIME_MS - TOKEN_REFRESH_MARGIN_MS - 1000);
    const cached = await eks.token('jarvis-dev');
    advance(1000);
    const refreshed = await eks.token('jarvis-dev');
    // Assert
    expect(cached).toBe(first);
    expect(refreshed).not.toBe(first);
    expect(urlOf(refreshed).searchParams.get('X-Amz-Date')).toBe('20250601T121300Z');
  });

  it('shares one signing between concurrent callers', async () => {
    // Arrange
    const { eks } = adapterAt(Date.UTC(2025, 5, 1, 12, 0, 0));
    // Act
    const tokens = await Promise.all([
      eks.token('jarvis-tst'),
      eks.token('jarvis-tst'),
      eks.token('jarvis-tst'),
    ]);
    // Assert
    expect(new Set(tokens).size).toBe(1);
  });

  it('is FORBIDDEN when the credentials cannot be resolved', async () => {
    // Arrange
    const eks = new EksAdapter({
      client,
      credentials: () => Promise.reject(new Error('no credentials in the environment')),
      region: REGION,
    });
    // Act
    const err = await jarvisFailure(eks.token('jarvis-dev'));
    // Assert
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('no credentials in the environment');
  });
});

describe('EksAdapter.kubeConfig', () => {
  it("builds a KubeConfig that reaches the cluster's Kubernetes API over HTTPS with its CA and the token", async () => {
    // Arrange
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    // Act
    const kc = await eks.kubeConfig('jarvis-dev');
    const pods = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' });
    // Assert
    expect(kc.getCurrentCluster()).toMatchObject({
      server: sandbox.world.clusters.get('jarvis-dev')!.endpoint,
      caData: sandbox.world.clusters.get('jarvis-dev')!.caData,
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()?.token).toBe(await eks.token('jarvis-dev'));
    expect(pods.items.length).toBeGreaterThanOrEqual(6);
  });

  it('is NOT_FOUND for an unknown cluster', async () => {
    // Arrange
    const eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
    // Act
    const err = await jarvisFailure(eks.kubeConfig('jarvis-qa'));
    // Assert
    expect(err.code).toBe('NOT_FOUND');
  });
});
