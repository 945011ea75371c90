import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, rawStream, startKubeSandbox, tokenFor, type KubeSandbox } from '../../helpers/kube.js';

// What kubectl reads from the API server beyond what Jarvis itself calls: discovery, the Table format,
// watches, log follow, the derived read-only kinds, and times in wall-clock time.

const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const SCALE = 60;
let sandbox: KubeSandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startKubeSandbox(SCALE);
  token = await tokenFor('jarvis-dev');
});

afterAll(async () => {
  await sandbox.close();
});

interface Table {
  kind: string;
  columnDefinitions: Array<{ name: string; priority: number }>;
  rows: Array<{ cells: Array<string | number>; object: { metadata: { name: string } } }>;
}

const get = (path: string, accept?: string) => raw(sandbox, path, { token, ...(accept ? { accept } : {}) });

function image(version: string): string {
  return `123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:${version}`;
}

async function setImage(deployment: string, version: string): Promise<void> {
  const res = await raw(sandbox, `/apis/apps/v1/namespaces/shop/deployments/${deployment}`, {
    token,
    method: 'PATCH',
    contentType: 'application/strategic-merge-patch+json',
    body: JSON.stringify({
      spec: { template: { spec: { containers: [{ name: 'app', image: image(version) }] } } },
    }),
  });
  expect(res.status).toBe(200);
}

describe('discovery', () => {
  it('serves /api, /apis and the resource list of each group version', async () => {
    // Act
    const api = (await get('/api')).json();
    const groups = (await get('/apis')).json() as {
      groups: Array<{ name: string; preferredVersion: { groupVersion: string } }>;
    };
    const core = (await get('/api/v1')).json() as { resources: Array<{ name: string; verbs: string[] }> };
    const apps = (await get('/apis/apps/v1')).json() as {
      resources: Array<{ name: string; verbs: string[] }>;
    };
    const net = await get('/apis/networking.k8s.io/v1');
    // Assert
    expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(groups.groups.map((g) => g.preferredVersion.groupVersion)).toEqual([
      'apps/v1',
      'autoscaling/v2',
      'policy/v1',
      'networking.k8s.io/v1',
    ]);
    expect(core.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/log', 'events', 'namespaces', 'services', 'nodes']),
    );
    expect(apps.resources.find((r) => r.name === 'deployments')?.verbs).toEqual([
      'get',
      'list',
      'patch',
      'watch',
    ]);
    expect(apps.resources.find((r) => r.name === 'replicasets')?.verbs).toEqual(['get', 'list', 'watch']);
    expect(net.status).toBe(200);
  });
});

describe('Table format', () => {
  it("answers kubectl's Accept header with the API server's pod columns", async () => {
    // Act
    const table = (
      await get('/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog,colour%3Dblue', TABLE)
    ).json() as Table;
    // Assert
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(table.rows).toHaveLength(3);
    const [name, ready, status, restarts, age] = table.rows[0]!.cells;
    expect(name).toBe(table.rows[0]!.object.metadata.name);
    expect([ready, status, restarts]).toEqual(['1/1', 'Running', '0']);
    // Seeded two simulated hours ago: at 60x that is two real minutes.
    expect(age).toMatch(/^(1m\d+s|2m\d*s?)$/);
  });

  it.each([
    ['/apis/apps/v1/namespaces/shop/deployments/checkout-blue', ['checkout-blue', '3/3', 3, 3]],
    ['/api/v1/namespaces/shop/services/checkout-blue', ['checkout-blue', 'ClusterIP']],
    ['/api/v1/namespaces/shop', ['shop', 'Active']],
  ])('answers GET %s with one row', async (path, cells) => {
    // Act
    const table = (await get(path, TABLE)).json() as Table;
    // Assert
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]!.cells.slice(0, cells.length)).toEqual(cells);
  });

  it('carries the whole object in each row with includeObject=Object (kubectl --sort-by), none with None', async () => {
    // Act
    const full = (await get('/api/v1/namespaces/shop/events?limit=1&includeObject=Object', TABLE)).json() as {
      rows: Array<{ object: { kind: string; lastTimestamp: string } }>;
    };
    const none = (await get('/api/v1/namespaces/shop/events?limit=1&includeObject=None', TABLE)).json() as {
      rows: Array<{ object?: unknown }>;
    };
    // Assert
    expect(full.rows[0]!.object.kind).toBe('Event');
    expect(Date.parse(full.rows[0]!.object.lastTimestamp)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(none.rows[0]!.object).toBeUndefined();
  });

  it('still answers plain JSON without the Table Accept header', async () => {
    // Act
    const list = (await get('/api/v1/namespaces/shop/pods?limit=1')).json() as { kind: string };
    // Assert
    expect(list.kind).toBe('PodList');
  });
});

describe('read-only kinds derived from the simulation', () => {
  it('lists namespaces, a service per Deployment and the ReplicaSets with their pods counted', async () => {
    // Act
    const ns = (await get('/api/v1/namespaces')).json() as {
      kind: string;
      items: Array<{ metadata: { name: string } }>;
    };
    const svc = (await get('/api/v1/namespaces/shop/services/checkout-green')).json() as {
      spec: { selector: Record<string, string>; type: string };
    };
    const rs = (
      await get('/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dcatalog,colour%3Dblue')
    ).json() as {
      kind: string;
      items: Array<{
        metadata: { ownerReferences: Array<{ name: string }> };
        status: { readyReplicas: number };
      }>;
    };
    // Assert
    expect(ns.kind).toBe('NamespaceList');
    expect(ns.items.map((n) => n.metadata.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'shop']),
    );
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'checkout', colour: 'green' } });
    expect(rs.kind).toBe('ReplicaSetList');
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0]!.metadata.ownerReferences[0]!.name).toBe('catalog-blue');
    expect(rs.items[0]!.status.readyReplicas).toBe(3);
  });

  it('lists pods and deployments of every namespace at the cluster-wide paths, as kubectl get -A reads them', async () => {
    // Arrange
    sandbox.world.kube.ensureNamespace('jarvis-dev', 'extra');
    sandbox.world.kube.populate('jarvis-dev', 'extra', { pods: 3, events: 0, workloads: 1 });
    // Act
    const pods = (await get('/api/v1/pods')).json() as {
      kind: string;
      items: Array<{ metadata: { namespace: string } }>;
    };
    const deps = (await get('/apis/apps/v1/deployments', TABLE)).json() as Table;
    // Assert
    expect(pods.kind).toBe('PodList');
    expect(new Set(pods.items.map((p) => p.metadata.namespace))).toEqual(new Set(['extra', 'shop']));
    expect(deps.rows.map((r) => r.cells[0])).toEqual(
      expect.arrayContaining(['catalog-blue', 'checkout-green']),
    );
  });

  it('answers an unknown service with a 404 NotFound Status', async () => {
    // Act
    const res = await get('/api/v1/namespaces/shop/services/nope');
    // Assert
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'services "nope" not found',
    });
  });
});

describe('wall-clock timestamps', () => {
  it('serves creation times in real time although the simulation runs 60 times faster', async () => {
    // Act
    const dep = (await get('/apis/apps/v1/namespaces/shop/deployments/catalog-blue')).json() as {
      metadata: { creationTimestamp: string };
      status: { conditions: Array<{ lastTransitionTime: string }> };
    };
    // Assert: seeded two simulated hours before the sandbox started, two real minutes.
    const created = Date.parse(dep.metadata.creationTimestamp);
    expect(Date.now() - created).toBeGreaterThan(60_000);
    expect(Date.now() - created).toBeLessThan(5 * 60_000);
    for (const c of dep.status.conditions)
      expect(Date.parse(c.lastTransitionTime)).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('watch', () => {
  it('streams the changes after the listed resourceVersion, as kubectl get -w and rollout status read them', async () => {
    // Arrange
    const list = (
      await get('/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout,colour%3Dgreen')
    ).json() as {
      metadata: { resourceVersion: string };
      items: Array<{ metadata: { name: string } }>;
    };
    const listed = list.items.map((p) => p.metadata.name);
    const watch = await rawStream(
      sandbox,
      `/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout,colour%3Dgreen&watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      { token },
    );
    // Act
    await setImage('checkout-green', '1.4.0');
    const text = await watch.until((t) => t.includes('checkout:1.4.0'));
    watch.close();
    // Assert
    expect(watch.status).toBe(200);
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name: string } } });
    const added = events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    expect(added.length).toBeGreaterThan(0);
    // What was listed is never sent as ADDED again: the stream starts after the list.
    expect(added.filter((n) => listed.includes(n))).toEqual([]);
    expect(events.every((e) => e.object.kind === 'Pod')).toBe(true);
  });

  it('starts with an ADDED event per object without a resourceVersion, one-row Tables with the Table header', async () => {
    // Act
    const watch = await rawStream(
      sandbox,
      '/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog,colour%3Dblue&watch=1',
      {
        token,
        accept: TABLE,
      },
    );
    const text = await watch.until((t) => t.split('\n').length > 3);
    watch.close();
    // Assert
    const events = text
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((l) => JSON.parse(l) as { type: string; object: Table });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    expect(events[0]!.object.kind).toBe('Table');
    expect(events[0]!.object.rows[0]!.cells[2]).toBe('Running');
  });

  it('sends DELETED for the pods a scale-down removes, with the Deployment MODIFIED on its own watch', async () => {
    // Arrange
    const selector = 'labelSelector=app%3Dcatalog,colour%3Dgreen';
    const pods = await rawStream(sandbox, `/api/v1/namespaces/shop/pods?${selector}&watch=true`, { token });
    const deps = await rawStream(
      sandbox,
      '/apis/apps/v1/namespaces/shop/deployments?fieldSelector=metadata.name%3Dcatalog-green&watch=true',
      { token },
    );
    await pods.until((t) => t.split('\n').filter(Boolean).length >= 3);
    // Act
    const res = await raw(sandbox, '/apis/apps/v1/namespaces/shop/deployments/catalog-green/scale', {
      token,
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ spec: { replicas: 1 } }),
    });
    const podText = await pods.until((t) => (t.match(/"type":"DELETED"/g) ?? []).length >= 2, 15_000);
    const depText = await deps.until((t) => t.includes('"type":"MODIFIED"'));
    pods.close();
    deps.close();
    // Assert
    expect(res.status).toBe(200);
    const deleted = podText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } })
      .filter((e) => e.type === 'DELETED');
    expect(deleted.length).toBe(2);
    expect(deleted.every((e) => e.object.metadata.name.startsWith('catalog-green-'))).toBe(true);
    const modified = depText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { spec: { replicas: number } } })
      .filter((e) => e.type === 'MODIFIED');
    expect(modified.at(-1)!.object.spec.replicas).toBe(1);
  });

  it('watches deployments and events too, and ends after timeoutSeconds', async () => {
    // Act
    const deps = await rawStream(
      sandbox,
      '/apis/apps/v1/namespaces/shop/deployments?watch=true&timeoutSeconds=1',
      { token },
    );
    const events = await rawStream(sandbox, '/api/v1/namespaces/shop/events?watch=true&timeoutSeconds=1', {
      token,
    });
    await Promise.all([deps.ended, events.ended]);
    // Assert
    expect(deps.text()).toContain('"kind":"Deployment"');
    expect(events.text()).toContain('"kind":"Event"');
  });

  it('refuses a bad selector with 400 before streaming, and a watch of what is not a collection with 405', async () => {
    // Act
    const bad = await get('/api/v1/namespaces/shop/pods?watch=true&labelSelector=%3D%3D');
    const version = await get('/version?watch=true');
    // Assert
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(version.status).toBe(405);
  });
});

describe('pod logs', () => {
  it('keeps a followed log open and streams the lines the container prints next', async () => {
    // Arrange
    const pods = (
      await get('/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog,colour%3Dblue')
    ).json() as {
      items: Array<{ metadata: { name: string } }>;
    };
    const pod = pods.items[0]!.metadata.name;
    // Act
    const log = await rawStream(sandbox, `/api/v1/namespaces/shop/pods/${pod}/log?follow=true&tailLines=2`, {
      token,
    });
    const first = log.text().split('\n').filter(Boolean).length;
    const later = await log.until((t) => t.split('\n').filter(Boolean).length > 6);
    log.close();
    // Assert
    expect(log.status).toBe(200);
    expect(first).toBeLessThanOrEqual(2);
    const lines = later.split('\n').filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.every((l) => /^(INFO|WARN|ERROR|DEBUG) /.test(l))).toBe(true);
  });

  it('stamps log lines with wall-clock times and reads sinceSeconds as real seconds', async () => {
    // Arrange
    const pods = (
      await get('/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog,colour%3Dblue')
    ).json() as { items: Array<{ metadata: { name: string } }> };
    const path = `/api/v1/namespaces/shop/pods/${pods.items[0]!.metadata.name}/log?timestamps=true`;
    // Act
    const all = (await get(path)).text.trim().split('\n');
    const recent = (await get(`${path}&sinceSeconds=2`)).text.trim().split('\n');
    // Assert
    const at = (line: string): number => Date.parse(line.split(' ')[0]!);
    expect(Date.now() - at(all[0]!)).toBeLessThan(5 * 60_000);
    expect(at(all.at(-1)!)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length);
    for (const line of recent) expect(Date.now() - at(line)).toBeLessThan(4000);
  });

  it('answers previous=true of a container that never restarted with 400', async () => {
    // Arrange
    const pods = (
      await get('/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog,colour%3Dblue')
    ).json() as {
      items: Array<{ metadata: { name: string } }>;
    };
    // Act
    const res = await get(`/api/v1/namespaces/shop/pods/${pods.items[0]!.metadata.name}/log?previous=true`);
    // Assert
    expect(res.status).toBe(400);
    expect(res.text).toContain('previous terminated container');
  });
});
