import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { raw, startKubeSandbox, tokenFor, type KubeSandbox } from '../../helpers/kube.js';

let sandbox: KubeSandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startKubeSandbox(1);
  token = await tokenFor('jarvis-dev');
  sandbox.world.kube.ensureNamespace('jarvis-dev', 'load');
  sandbox.world.kube.populate('jarvis-dev', 'load', { pods: 120, events: 300, workloads: 4 });
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

function forgedToken(url: string): string {
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}

describe('Kubernetes API server: authentication', () => {
  it.each([
    { name: 'no token', token: () => Promise.resolve(null) },
    { name: 'a token of another kind', token: () => Promise.resolve('eyJhbGciOiJSUzI1NiJ9.e30.c2ln') },
    { name: 'a token that is not base64url', token: () => Promise.resolve('k8s-aws-v1.!!!') },
    {
      name: 'a token signed 16 minutes ago',
      token: () => tokenFor('jarvis-dev', new Date(Date.now() - 16 * 60_000)),
    },
    {
      name: 'a URL that does not sign x-k8s-aws-id',
      token: () =>
        Promise.resolve(
          forgedToken(
            `https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=${new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00`,
          ),
        ),
    },
    {
      name: 'a URL of another host',
      token: () =>
        Promise.resolve(forgedToken('https://example.com/?Action=GetCallerIdentity&Version=2011-06-15')),
    },
  ])('answers $name with the 401 Unauthorized Status', async ({ token: make }) => {
    // Arrange
    const bad = await make();
    // Act
    const res = await raw(sandbox, '/apis/apps/v1/namespaces/shop/deployments/checkout-blue', { token: bad });
    // Assert
    expect(res.status).toBe(401);
    expect(res.json()).toEqual(UNAUTHORIZED);
  });

  it('serves a request with a fresh EKS token over TLS verified with the CA data only', async () => {
    // Arrange / Act
    const res = await raw(sandbox, '/apis/apps/v1/namespaces/shop/deployments/checkout-blue', { token });
    // Assert
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'checkout-blue' },
    });
  });
});

describe('Kubernetes API server: errors as Status objects', () => {
  it.each([
    {
      name: 'an unknown Deployment',
      path: '/apis/apps/v1/namespaces/shop/deployments/nope',
      method: 'GET',
      status: 404,
      expected: {
        reason: 'NotFound',
        message: 'deployments.apps "nope" not found',
        details: { name: 'nope', group: 'apps', kind: 'deployments' },
      },
    },
    {
      name: 'an unknown path',
      path: '/apis/batch/v1/namespaces/shop/jobs',
      method: 'GET',
      status: 404,
      expected: { reason: 'NotFound', message: 'the server could not find the requested resource' },
    },
    {
      name: 'DELETE of a Deployment',
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout-blue',
      method: 'DELETE',
      status: 405,
      expected: { reason: 'MethodNotAllowed' },
    },
    {
      name: 'a PATCH in an unsupported content type',
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout-blue',
      method: 'PATCH',
      contentType: 'application/json',
      body: '{}',
      status: 415,
      expected: { reason: 'UnsupportedMediaType' },
    },
    {
      name: 'a PATCH with a stale resourceVersion',
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout-blue',
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ metadata: { resourceVersion: '1', annotations: { a: 'b' } } }),
      status: 409,
      expected: {
        reason: 'Conflict',
        message:
          'Operation cannot be fulfilled on deployments.apps "checkout-blue": the object has been modified; please apply your changes to the latest version and try again',
      },
    },
    {
      name: 'negative replicas',
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout-blue',
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: JSON.stringify({ spec: { replicas: -1 } }),
      status: 422,
      expected: {
        reason: 'Invalid',
        message:
          'Deployment.apps "checkout-blue" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }] },
      },
    },
    {
      name: 'a bad continue token',
      path: '/api/v1/namespaces/load/pods?limit=10&continue=bm90LWEtdG9rZW4',
      method: 'GET',
      status: 410,
      expected: { reason: 'Expired' },
    },
    {
      name: 'an unsupported field selector',
      path: '/api/v1/namespaces/load/pods?fieldSelector=spec.foo%3Dbar',
      method: 'GET',
      status: 400,
      expected: { reason: 'BadRequest', message: 'field label not supported: spec.foo' },
    },
  ])('answers $name with $status', async ({ path, method, contentType, body, status, expected }) => {
    // Arrange
    const opts = { token, method, ...(contentType ? { contentType } : {}), ...(body ? { body } : {}) };
    // Act
    const res = await raw(sandbox, path, opts);
    // Assert
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: status,
      ...expected,
    });
  });

  it.each([
    { fault: { throttle: 1 }, status: 429, reason: 'TooManyRequests', retryAfter: '1' },
    { fault: { serverErrors: 1 }, status: 500, reason: 'InternalError', retryAfter: undefined },
    { fault: { down: true }, status: 503, reason: 'ServiceUnavailable', retryAfter: undefined },
  ])('renders an injected fault as $status $reason', async ({ fault, status, reason, retryAfter }) => {
    // Arrange
    sandbox.world.faults.set('kube', fault);
    // Act
    const res = await raw(sandbox, '/api/v1/namespaces/shop/pods', { token });
    // Assert
    expect(res.status).toBe(status);
    expect(res.json()).toMatchObject({ kind: 'Status', code: status, reason });
    expect(res.headers['retry-after']).toBe(retryAfter);
  });
});

describe('Kubernetes API server: lists, selectors and logs', () => {
  it('pages a pod list with limit and continue until every pod came once', async () => {
    // Arrange
    const names: string[] = [];
    let next: string | undefined;
    // Act
    do {
      const res = await raw(
        sandbox,
        `/api/v1/namespaces/load/pods?limit=50${next ? `&continue=${next}` : ''}`,
        { token },
      );
      const list = res.json() as {
        kind: string;
        metadata: { continue?: string };
        items: Array<{ metadata: { name: string } }>;
      };
      expect(list.kind).toBe('PodList');
      names.push(...list.items.map((i) => i.metadata.name));
      next = list.metadata.continue;
    } while (next);
    // Assert
    expect(names).toHaveLength(120);
    expect(new Set(names).size).toBe(120);
    expect([...names].sort()).toEqual(names);
  });

  it.each([
    { selector: 'labelSelector=app%3Dload-001', count: 30 },
    { selector: 'labelSelector=app%20in%20(load-001%2Cload-002)', count: 60 },
    { selector: 'labelSelector=app!%3Dload-001', count: 90 },
    { selector: 'labelSelector=app', count: 120 },
    { selector: 'fieldSelector=status.phase%3DPending', count: 2 },
  ])('selects pods with $selector', async ({ selector, count }) => {
    // Arrange / Act
    const res = await raw(sandbox, `/api/v1/namespaces/load/pods?${selector}`, { token });
    // Assert
    expect((res.json() as { items: unknown[] }).items).toHaveLength(count);
  });

  it('filters events by involved object and type', async () => {
    // Arrange
    const pods = (
      await raw(sandbox, '/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout', { token })
    ).json() as {
      items: Array<{ metadata: { name: string } }>;
    };
    const name = pods.items[0]!.metadata.name;
    // Act
    const res = await raw(
      sandbox,
      `/api/v1/namespaces/shop/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3D${name},type%3DNormal`,
      { token },
    );
    const events = (
      res.json() as {
        kind: string;
        items: Array<{ involvedObject: { name: string }; reason: string; type: string }>;
      }
    ).items;
    // Assert
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.involvedObject.name === name && e.type === 'Normal')).toBe(true);
    expect(events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']),
    );
  });

  it('serves a pod log as text/plain with tailLines and timestamps', async () => {
    // Arrange
    const pods = (
      await raw(sandbox, '/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout', { token })
    ).json() as {
      items: Array<{ metadata: { name: string } }>;
    };
    // Act
    const res = await raw(
      sandbox,
      `/api/v1/namespaces/shop/pods/${pods.items[0]!.metadata.name}/log?container=app&tailLines=3&timestamps=true`,
      { token },
    );
    // Assert
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(l))).toBe(true);
  });

  it('updates an Ingress annotation with a merge patch and moves its change time', async () => {
    // Arrange
    const before = sandbox.world.kube.ingress('jarvis-dev', 'shop', 'catalog')!;
    // Act
    const res = await raw(sandbox, '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/catalog', {
      token,
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ metadata: { annotations: { 'jarvis/test': 'yes' } } }),
    });
    // Assert
    expect(res.status).toBe(200);
    const after = sandbox.world.kube.ingress('jarvis-dev', 'shop', 'catalog')!;
    expect(after.annotations['jarvis/test']).toBe('yes');
    expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
  });
});
