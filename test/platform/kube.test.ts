import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isJarvisError, JarvisError } from '../../src/errors.js';
import { KubeAdapter, type KubeClients } from '../../src/platform/kube.js';
import {
  adapterFor,
  clientsFor,
  clientsFromKubeConfig,
  kubeConfig,
  startKubeSandbox,
  tokenFor,
  type KubeSandbox,
} from '../helpers/kube.js';

const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout';
const NS = 'shop';

let sandbox: KubeSandbox;
let kube: KubeAdapter;
let clients: KubeClients;

beforeAll(async () => {
  // A minute of simulated time per 60 real milliseconds: progress deadlines pass in well under a second.
  sandbox = await startKubeSandbox(1000);
  clients = await clientsFor(sandbox);
  kube = await adapterFor(sandbox);
  sandbox.world.kube.ensureNamespace('jarvis-dev', 'load');
  sandbox.world.kube.populate('jarvis-dev', 'load', { pods: 1200, events: 3000, workloads: 50 });
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<JarvisError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof JarvisError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('KubeAdapter: Deployments', () => {
  it('reads a Deployment as DeploymentState', async () => {
    // Arrange / Act
    const state = await kube.getDeployment(NS, 'checkout-blue', 'app');
    // Assert
    expect(state).toMatchObject({
      namespace: NS,
      name: 'checkout-blue',
      image: `${REPO}:1.2.0`,
      version: '1.2.0',
      replicas: 3,
      availableReplicas: 3,
      selector: 'app=checkout,colour=blue',
      progressDeadlineExceeded: false,
    });
  });

  it('sets image and replicas with a strategic-merge patch that keeps the other containers', async () => {
    // Arrange: a sidecar next to the app container
    await clients.apps.patchNamespacedDeployment(
      {
        name: 'checkout-green',
        namespace: NS,
        body: {
          spec: {
            template: { spec: { containers: [{ name: 'envoy', image: 'envoyproxy/envoy:v1.30.0' }] } },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await kube.waitForRollout(NS, 'checkout-green', 'app', { timeoutMs: 600_000, pollMs: 1000 });
    // Act
    const result = await kube.setImageAndReplicas(NS, 'checkout-green', 'app', `${REPO}:1.3.0`, 2);
    const raw = await clients.apps.readNamespacedDeployment({ name: 'checkout-green', namespace: NS });
    // Assert
    expect(result.changed).toBe(true);
    expect(result.state).toMatchObject({ image: `${REPO}:1.3.0`, version: '1.3.0', replicas: 2 });
    expect(raw.spec?.template.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['app', `${REPO}:1.3.0`],
      ['envoy', 'envoyproxy/envoy:v1.30.0'],
    ]);
  });

  it('does not write when image and replicas already hold', async () => {
    // Arrange
    const before = await clients.apps.readNamespacedDeployment({ name: 'checkout-blue', namespace: NS });
    // Act
    const result = await kube.setImageAndReplicas(NS, 'checkout-blue', 'app', `${REPO}:1.2.0`, 3);
    const after = await clients.apps.readNamespacedDeployment({ name: 'checkout-blue', namespace: NS });
    // Assert
    expect(result.changed).toBe(false);
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.spec).toEqual(before.spec);
  });

  it('waits for the rollout of a good version to complete', async () => {
    // Arrange
    await kube.setImageAndReplicas(
      NS,
      'catalog-green',
      'app',
      `${REPO.replace('checkout', 'catalog')}:1.3.0`,
      3,
    );
    // Act
    const state = await kube.waitForRollout(NS, 'catalog-green', 'app', { timeoutMs: 600_000, pollMs: 1000 });
    // Assert
    expect(state.observedGeneration).toBeGreaterThanOrEqual(state.generation);
    expect(state).toMatchObject({ version: '1.3.0', replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
  });

  it('fails the rollout of a crash-looping version with ROLLOUT_FAILED once its progress deadline passes', async () => {
    // Arrange
    const tst = await adapterFor(sandbox, 'jarvis-tst');
    await tst.setImageAndReplicas(NS, 'checkout-green', 'app', `${REPO}:1.3.1-crashloop`, 3);
    // Act
    const err = await failure(
      tst.waitForRollout(NS, 'checkout-green', 'app', { timeoutMs: 3_600_000, pollMs: 5000 }),
    );
    // Assert
    expect(err.code).toBe('ROLLOUT_FAILED');
    expect(err.details.resource).toBe('shop/deployment/checkout-green');
    expect(err.message).toMatch(/has timed out progressing/);
  });

  it('gives up with TIMEOUT when the rollout is not done in time', async () => {
    // Arrange
    const prd = await adapterFor(sandbox, 'jarvis-prd');
    await prd.setImageAndReplicas(NS, 'checkout-green', 'app', `${REPO}:1.3.1-notready`, 3);
    // Act
    const err = await failure(
      prd.waitForRollout(NS, 'checkout-green', 'app', { timeoutMs: 1000, pollMs: 500 }),
    );
    // Assert
    expect(err.code).toBe('TIMEOUT');
  });

  it('stops waiting with ABORTED when the signal fires', async () => {
    // Arrange
    const controller = new AbortController();
    controller.abort(new Error('operator said stop'));
    // Act
    const err = await failure(
      kube.waitForRollout(NS, 'checkout-blue', 'app', { timeoutMs: 60_000, signal: controller.signal }),
    );
    // Assert
    expect(err.code).toBe('ABORTED');
    expect(err.message).toMatch(/operator said stop/);
  });
});

describe('KubeAdapter: pods, logs and events', () => {
  it('pages through every pod and stops at max with truncated set', async () => {
    // Arrange / Act
    const all = await kube.listPods('load', '', { pageSize: 250 });
    const capped = await kube.listPods('load', '', { pageSize: 250, max: 500 });
    const one = await kube.listPods('load', 'app=load-007');
    // Assert
    expect(all.pods).toHaveLength(1200);
    expect(new Set(all.pods.map((p) => p.name)).size).toBe(1200);
    expect(all.truncated).toBe(false);
    expect(capped.pods).toHaveLength(500);
    expect(capped.truncated).toBe(true);
    expect(one.pods).toHaveLength(24);
    expect(one.pods.every((p) => p.labels.app === 'load-007')).toBe(true);
  });

  it('summarises crash-looping pods with their last termination', async () => {
    // Arrange / Act
    const { pods } = await kube.listPods('load', '');
    const crashing = pods.filter((p) => p.containers[0]?.reason === 'CrashLoopBackOff');
    // Assert
    expect(crashing.length).toBeGreaterThan(0);
    expect(crashing[0]).toMatchObject({
      phase: 'Running',
      ready: false,
      owner: expect.stringMatching(/^ReplicaSet\//) as unknown,
    });
    expect(crashing.some((p) => p.containers[0]?.lastTermination?.exitCode === 137)).toBe(true);
    expect(crashing.every((p) => p.restarts > 0)).toBe(true);
  });

  it('reads a bounded log tail', async () => {
    // Arrange
    const { pods } = await kube.listPods(NS, 'app=checkout,colour=blue');
    const name = pods[0]!.name;
    // Act
    const tail = await kube.podLogs(NS, name, { tailLines: 5 });
    const bytes = await kube.podLogs(NS, name, { limitBytes: 200 });
    const byDefault = await kube.podLogs(NS, name);
    // Assert
    expect(tail.trimEnd().split('\n')).toHaveLength(5);
    expect(Buffer.byteLength(bytes)).toBeLessThanOrEqual(200);
    expect(byDefault.trimEnd().split('\n').length).toBeLessThanOrEqual(200);
  });

  it('lists the events of one object, most recent first', async () => {
    // Arrange
    const { pods } = await kube.listPods(NS, 'app=catalog,colour=blue');
    const name = pods[0]!.name;
    // Act
    const { events, truncated } = await kube.events(NS, { kind: 'Pod', name });
    // Assert
    expect(truncated).toBe(false);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === name)).toBe(true);
    const stamps = events.map((e) => e.lastTimestamp ?? '');
    expect([...stamps].sort().reverse()).toEqual(stamps);
  });

  it('narrows events to warnings', async () => {
    // Arrange / Act
    const { events } = await kube.events('load', { type: 'Warning', max: 5000 });
    // Assert
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'Warning')).toBe(true);
    expect(events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['BackOff', 'Failed', 'Unhealthy', 'FailedScheduling']),
    );
  });

  it('caps events at max and says it truncated', async () => {
    // Arrange / Act
    const { events, truncated } = await kube.events('load', { pageSize: 400, max: 1000 });
    // Assert
    expect(events).toHaveLength(1000);
    expect(truncated).toBe(true);
  });
});

describe('KubeAdapter: Ingress annotations', () => {
  const KEY = 'alb.ingress.kubernetes.io/actions.blue-green';

  it('reads and writes an annotation, verified, without a write when it already holds', async () => {
    // Arrange
    const weights = await kube.readAnnotation(NS, 'catalog', KEY);
    // Act
    await kube.writeAnnotation(NS, 'catalog', 'jarvis/owner', 'release-bot');
    const changedAt = sandbox.world.kube.ingress('jarvis-dev', NS, 'catalog')!.updatedAt;
    await kube.writeAnnotation(NS, 'catalog', 'jarvis/owner', 'release-bot');
    const read = await kube.readAnnotation(NS, 'catalog', 'jarvis/owner');
    // Assert
    expect(read).toBe('release-bot');
    expect(sandbox.world.kube.ingress('jarvis-dev', NS, 'catalog')!.updatedAt).toBe(changedAt);
    expect(weights).toMatch(/"type":"forward"/);
    expect(await kube.readAnnotation(NS, 'catalog', 'not/set')).toBeUndefined();
  });

  it('answers NOT_FOUND for an unknown Ingress', async () => {
    // Arrange / Act
    const err = await failure(kube.readAnnotation(NS, 'nope', KEY));
    // Assert
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details.resource).toBe('shop/ingress/nope');
  });
});

describe('KubeAdapter: errors', () => {
  it.each([
    {
      name: 'an unknown Deployment',
      act: () => kube.getDeployment(NS, 'nope', 'app'),
      code: 'NOT_FOUND',
      resource: 'shop/deployment/nope',
    },
    {
      name: 'the log of an unknown pod',
      act: () => kube.podLogs(NS, 'nope'),
      code: 'NOT_FOUND',
      resource: 'shop/pod/nope',
    },
    {
      name: 'negative replicas',
      act: () => kube.setImageAndReplicas(NS, 'checkout-blue', 'app', `${REPO}:1.2.0`, -1),
      code: 'INVALID_INPUT',
      resource: 'shop/deployment/checkout-blue',
    },
    {
      name: 'an empty image',
      act: () => kube.setImageAndReplicas(NS, 'checkout-blue', 'app', '', 3),
      code: 'INVALID_INPUT',
      resource: 'shop/deployment/checkout-blue',
    },
    {
      name: 'an unknown container',
      act: () => kube.setImageAndReplicas(NS, 'checkout-blue', 'web', `${REPO}:1.3.0`, 3),
      code: 'INVALID_INPUT',
      resource: 'shop/deployment/checkout-blue',
    },
    {
      name: 'an invalid label selector',
      act: () => kube.listPods(NS, 'app in ()'),
      code: 'INVALID_INPUT',
      resource: 'shop/pods',
    },
  ])('maps $name to $code naming $resource', async ({ act, code, resource }) => {
    // Arrange / Act
    const err = await failure(act());
    // Assert
    expect(err.code).toBe(code);
    expect(err.details.resource).toBe(resource);
  });

  it('refuses a write with CONFLICT when the Deployment changed after it was read', async () => {
    // Arrange: a client source that lets someone else write between each of the adapter's reads and patches
    let calls = 0;
    const racing = new KubeAdapter({
      clients: async () => {
        calls++;
        if (calls % 2 === 0) {
          await clients.apps.patchNamespacedDeployment(
            {
              name: 'catalog-blue',
              namespace: NS,
              body: { metadata: { annotations: { 'someone/else': String(calls) } } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        }
        return clients;
      },
      clock: sandbox.clock,
    });
    // Act
    const err = await failure(racing.setImageAndReplicas(NS, 'catalog-blue', 'app', `${REPO}:9.9.9`, 3));
    // Assert
    expect(err.code).toBe('CONFLICT');
    expect(err.details.upstream).toBe('409 Conflict');
    expect(calls).toBe(8);
  });

  it('retries throttling (honouring Retry-After) and then succeeds', async () => {
    // Arrange
    sandbox.world.faults.set('kube', { throttle: 2 });
    // Act
    const state = await kube.getDeployment(NS, 'checkout-blue', 'app');
    // Assert
    expect(state.name).toBe('checkout-blue');
    expect(sandbox.world.faults.get('kube').throttle).toBe(0);
  });

  it.each([
    { fault: { throttle: 100 }, code: 'THROTTLED', upstream: '429 TooManyRequests' },
    { fault: { serverErrors: 100 }, code: 'UPSTREAM', upstream: '500 InternalError' },
    { fault: { down: true }, code: 'UNAVAILABLE', upstream: '503 ServiceUnavailable' },
  ])('gives up after its retries with $code', async ({ fault, code, upstream }) => {
    // Arrange
    sandbox.world.faults.set('kube', fault);
    // Act
    const err = await failure(kube.getDeployment(NS, 'checkout-blue', 'app'));
    // Assert
    expect(err.code).toBe(code);
    expect(err.details.upstream).toBe(upstream);
    expect(err.message).toMatch(/after 3 retries/);
  });

  it('reports a cluster that does not answer as UNAVAILABLE', async () => {
    // Arrange: a port nothing listens on
    const { caData } = sandbox.cluster();
    const dead = clientsFromKubeConfig(
      kubeConfig('https://127.0.0.1:9', caData, await tokenFor('jarvis-dev')),
    );
    const adapter = new KubeAdapter({
      clients: () => Promise.resolve(dead),
      clock: sandbox.clock,
      retries: 1,
      retryBaseMs: 10,
    });
    // Act
    const err = await failure(adapter.getDeployment(NS, 'checkout-blue', 'app'));
    // Assert
    expect(err.code).toBe('UNAVAILABLE');
  });

  it.each([
    { name: 'no token', token: () => Promise.resolve(undefined) },
    { name: 'a malformed token', token: () => Promise.resolve('k8s-aws-v1.bm90LWEtdXJs') },
    { name: 'an expired token', token: () => tokenFor('jarvis-dev', new Date(Date.now() - 20 * 60_000)) },
  ])('maps 401 for $name to FORBIDDEN', async ({ token }) => {
    // Arrange
    const { endpoint, caData } = sandbox.cluster();
    const kc = kubeConfig(endpoint, caData, await token());
    const adapter = new KubeAdapter({
      clients: () => Promise.resolve(clientsFromKubeConfig(kc)),
      clock: sandbox.clock,
    });
    // Act
    const err = await failure(adapter.getDeployment(NS, 'checkout-blue', 'app'));
    // Assert
    expect(err.code).toBe('FORBIDDEN');
    expect(isJarvisError(err, 'FORBIDDEN')).toBe(true);
  });
});
