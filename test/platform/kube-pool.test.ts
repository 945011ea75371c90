import type { EKSClient } from '@aws-sdk/client-eks';
import { PatchStrategy, ServerConfiguration, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EksAdapter } from '../../src/platform/eks.js';
import { kubeClientPool } from '../../src/platform/index.js';
import { onDemand } from '../../src/platform/kube-clients.js';
import {
  KubeAdapter,
  pooledKubeClients,
  type KubeClients,
  type PooledKubeClients,
} from '../../src/platform/kube.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { eksClient, jarvisFailure, REGION } from '../helpers/aws.js';
import { clientsFromKubeConfig, kubeConfig, tokenFor } from '../helpers/kube.js';

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

/** Where the sandbox's cluster serves, and the CA that signs it, as DescribeCluster hands them out. */
function clusterEndpoint(): { server: string; caData: string } {
  return { server: sandbox.kubeEndpoints[CLUSTER]!, caData: sandbox.world.clusters.get(CLUSTER)!.caData };
}

/** The clients Jarvis runs with, and client-node's own classes, on the cluster with one valid token. */
async function bothClients(): Promise<{ ours: PooledKubeClients; theirs: KubeClients }> {
  const endpoint = clusterEndpoint();
  const token = await tokenFor(CLUSTER);
  return {
    ours: pooledKubeClients(endpoint, () => Promise.resolve(token)),
    theirs: clientsFromKubeConfig(kubeConfig(endpoint.server, endpoint.caData, token)),
  };
}

describe('Kubernetes clients of a cluster', () => {
  it("answer each of the adapter's calls as client-node's own API classes do, parameters and all", async () => {
    // Arrange: the clients Jarvis runs with, and the package's classes from a KubeConfig, on one cluster
    const { ours, theirs } = await bothClients();
    const pods = await theirs.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=checkout' });
    const pod = pods.items[0]!.metadata!.name!;
    const calls = [
      (c: KubeClients) => c.apps.readNamespacedDeployment({ name: 'checkout-blue', namespace: NS }),
      (c: KubeClients) =>
        c.core.listNamespacedPod({ namespace: NS, labelSelector: 'colour=green', limit: 1 }),
      (c: KubeClients) => c.core.listNamespacedPod({ namespace: NS, fieldSelector: 'metadata.name=nothing' }),
      (c: KubeClients) =>
        c.core.listNamespacedEvent({
          namespace: NS,
          fieldSelector: 'involvedObject.kind=Deployment',
          limit: 5,
        }),
      (c: KubeClients) => c.core.listNode({ limit: 1000 }),
      (c: KubeClients) => c.networking.readNamespacedIngress({ name: 'catalog', namespace: NS }),
      (c: KubeClients) => c.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: NS, limit: 500 }),
      (c: KubeClients) => c.policy.listNamespacedPodDisruptionBudget({ namespace: NS, limit: 500 }),
    ];
    try {
      for (const call of calls) {
        // Act
        const [a, b] = [await call(ours), await call(theirs)];
        // Assert: the same objects, dates deserialised as Date by both
        expect(a).toEqual(b);
      }
      // Logs move on between two reads: the parameters show in what comes back
      const tail = await ours.core.readNamespacedPodLog({
        name: pod,
        namespace: NS,
        container: 'app',
        tailLines: 3,
      });
      expect(tail.trimEnd().split('\n')).toHaveLength(3);
      const cut = await ours.core.readNamespacedPodLog({
        name: pod,
        namespace: NS,
        container: 'app',
        limitBytes: 40,
      });
      expect(cut.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(40);
      const paged = await ours.core.listNamespacedPod({
        namespace: NS,
        labelSelector: 'app=checkout',
        limit: 1,
      });
      expect(paged.items).toHaveLength(1);
      expect(paged.metadata?._continue).toBeTruthy();
      const next = await ours.core.listNamespacedPod({
        namespace: NS,
        labelSelector: 'app=checkout',
        limit: 1,
        _continue: paged.metadata!._continue!,
      });
      expect(next.items[0]!.metadata!.name).not.toBe(paged.items[0]!.metadata!.name);
      const deployment = await ours.apps.readNamespacedDeployment({ name: 'checkout-blue', namespace: NS });
      expect(deployment.metadata?.creationTimestamp).toBeInstanceOf(Date);
    } finally {
      await ours.close();
    }
  });

  it('send a patch with the Content-Type its call options set, and refuse options that would be ignored', async () => {
    // Arrange
    const { ours, theirs } = await bothClients();
    const body = { metadata: { annotations: { 'jarvis.test/patched': 'yes' } } };
    try {
      // Act
      const patched = await ours.networking.patchNamespacedIngress(
        { name: 'catalog', namespace: NS, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const unframed = await ours.networking
        .patchNamespacedIngress({ name: 'catalog', namespace: NS, body })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      const elsewhere = await ours.apps
        .readNamespacedDeployment(
          { name: 'checkout-blue', namespace: NS },
          { baseServer: new ServerConfiguration('https://127.0.0.1:9', {}) },
        )
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      // Assert: merged as asked and visible to any other client; the request factory's default type
      // (a JSON Patch, which needs an array) is refused by the API server; a per-call server is refused here
      expect(patched.metadata?.annotations?.['jarvis.test/patched']).toBe('yes');
      const read = await theirs.networking.readNamespacedIngress({ name: 'catalog', namespace: NS });
      expect(read.metadata?.annotations?.['jarvis.test/patched']).toBe('yes');
      expect(unframed).toMatchObject({ code: 400 });
      expect(String(elsewhere)).toMatch(/may only add middleware/);
    } finally {
      await ours.close();
    }
  });

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
    const endpoint = clusterEndpoint();
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

describe('clients built on demand', () => {
  it('are built once by the first calls, together, and again after a build that failed', async () => {
    // Arrange: the real clients of a cluster behind a build that fails the first time
    const endpoint = clusterEndpoint();
    const token = await tokenFor(CLUSTER);
    const real = pooledKubeClients(endpoint, () => Promise.resolve(token));
    let builds = 0;
    const clients = onDemand(() => {
      builds += 1;
      return builds === 1 ? Promise.reject(new Error('module failed to load')) : Promise.resolve(real);
    });
    const read = () => clients.apps.readNamespacedDeployment({ name: 'checkout-blue', namespace: NS });
    try {
      // Act
      const first = await read().then(
        () => 'answered',
        (err: unknown) => String(err),
      );
      const [a, b, c] = await Promise.all([read(), read(), clients.core.listNode({})]);
      // Assert
      expect(first).toMatch(/module failed to load/);
      expect(builds).toBe(2);
      expect([a.metadata?.name, b.metadata?.name]).toEqual(['checkout-blue', 'checkout-blue']);
      expect(c.items.length).toBeGreaterThan(0);
    } finally {
      await real.close();
    }
  });
});
