import type { EKSClient } from '@aws-sdk/client-eks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EksAdapter } from '../../src/platform/eks.js';
import { kubeClientPool } from '../../src/platform/index.js';
import { KubeAdapter, pooledKubeClients } from '../../src/platform/kube.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { eksClient, jarvisFailure, REGION } from '../helpers/aws.js';
import { tokenFor } from '../helpers/kube.js';

const CLUSTER = 'jarvis-dev';
const NS = 'shop';

let sandbox: Sandbox;
let client: EKSClient;
let eks: EksAdapter;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 100 });
  client = eksClient(sandbox.awsEndpoint, 1);
  eks = new EksAdapter({ client, credentials: SANDBOX_CREDENTIALS, region: REGION });
});

afterAll(async () => {
  client.destroy();
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

describe('Kubernetes clients of a cluster', () => {
  it('make the calls of a KubeAdapter over kept-alive TLS connections, not one handshake per call', async () => {
    // Arrange
    const pool = kubeClientPool(eks, CLUSTER);
    const kube = new KubeAdapter({ clients: pool.clients, clock: sandbox.clock });
    const before = sandbox.kubeConnections(CLUSTER);
    try {
      // Act
      for (let i = 0; i < 10; i++) await kube.getDeployment(NS, 'checkout-blue', 'app');
      await kube.listPods(NS, 'app=checkout');
      // Assert: eleven sequential calls; a second connection may open while the first is being released.
      expect(sandbox.kubeConnections(CLUSTER) - before).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('read the token on every request, so a new token needs no new clients', async () => {
    // Arrange
    const endpoint = {
      server: sandbox.kubeEndpoints[CLUSTER]!,
      caData: sandbox.world.clusters.get(CLUSTER)!.caData,
    };
    let token = await tokenFor(CLUSTER);
    let reads = 0;
    const clients = pooledKubeClients(endpoint, () => {
      reads += 1;
      return Promise.resolve(token);
    });
    const kube = new KubeAdapter({
      clients: () => Promise.resolve(clients),
      clock: sandbox.clock,
      retries: 0,
    });
    try {
      await kube.getDeployment(NS, 'checkout-blue', 'app');
      // Act
      token = 'k8s-aws-v1.not-a-token';
      const refused = await jarvisFailure(kube.getDeployment(NS, 'checkout-blue', 'app'));
      token = await tokenFor(CLUSTER);
      const state = await kube.getDeployment(NS, 'checkout-blue', 'app');
      // Assert
      expect(reads).toBe(3);
      expect(refused.code).toBe('FORBIDDEN');
      expect(state.name).toBe('checkout-blue');
    } finally {
      await clients.close();
    }
  });

  it('ask EKS again after a failed DescribeCluster instead of keeping the failure', async () => {
    // Arrange
    const pool = kubeClientPool(eks, 'jarvis-tst');
    sandbox.world.faults.set('eks', { down: true });
    try {
      const failed = await jarvisFailure(pool.clients());
      sandbox.world.faults.clear();
      // Act
      const clients = await pool.clients();
      // Assert
      expect(failed.code).toBe('UNAVAILABLE');
      expect(clients.core).toBeDefined();
      expect(await pool.clients()).toBe(clients);
    } finally {
      await pool.close();
    }
  });
});
