import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../packages/sandbox/src/kube/patch.js';
import { KubeApiError } from '../../../packages/sandbox/src/kube/status.js';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'repo/web:1.0.0', env: [{ name: 'A', value: '1' }] },
          { name: 'envoy', image: 'envoy:1.30.0' },
        ],
      },
    },
  },
};

const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSONP = 'application/json-patch+json';

describe('applyPatch', () => {
  it.each([
    {
      name: 'strategic merge changes one container by name and keeps the other',
      type: SMP,
      patch: {
        spec: { replicas: 5, template: { spec: { containers: [{ name: 'app', image: 'repo/web:2.0.0' }] } } },
      },
      check: (out: typeof deployment) => {
        expect(out.spec.replicas).toBe(5);
        expect(out.spec.template.spec.containers).toEqual([
          { name: 'app', image: 'repo/web:2.0.0', env: [{ name: 'A', value: '1' }] },
          { name: 'envoy', image: 'envoy:1.30.0' },
        ]);
      },
    },
    {
      name: 'strategic merge appends a container with a new name and merges env by name',
      type: SMP,
      patch: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'app', env: [{ name: 'B', value: '2' }] },
                { name: 'log', image: 'fluent:1' },
              ],
            },
          },
        },
      },
      check: (out: typeof deployment) => {
        expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['app', 'envoy', 'log']);
        expect(out.spec.template.spec.containers[0]!.env).toEqual([
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ]);
      },
    },
    {
      name: 'strategic merge deletes a container with $patch: delete',
      type: SMP,
      patch: { spec: { template: { spec: { containers: [{ name: 'envoy', $patch: 'delete' }] } } } },
      check: (out: typeof deployment) =>
        expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['app']),
    },
    {
      name: 'merge patch replaces lists whole and deletes keys set to null',
      type: MERGE,
      patch: {
        metadata: { labels: { tier: null } },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'x:1' }] } } },
      },
      check: (out: typeof deployment) => {
        expect(out.metadata.labels).toEqual({ app: 'web' });
        expect(out.spec.template.spec.containers).toEqual([{ name: 'app', image: 'x:1' }]);
      },
    },
    {
      name: 'JSON patch applies test, replace, add and remove in order',
      type: JSONP,
      patch: [
        { op: 'test', path: '/spec/replicas', value: 3 },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'repo/web:3.0.0' },
        { op: 'add', path: '/metadata/labels/team', value: 'shop' },
        { op: 'remove', path: '/spec/template/spec/containers/1' },
      ],
      check: (out: typeof deployment) => {
        expect(out.spec.template.spec.containers.map((c) => c.image)).toEqual(['repo/web:3.0.0']);
        expect(out.metadata.labels).toEqual({ app: 'web', tier: 'front', team: 'shop' });
      },
    },
  ])('$name', ({ type, patch, check }) => {
    // Arrange
    const body = JSON.stringify(patch);
    // Act
    const out = applyPatch(deployment, type, body) as typeof deployment;
    // Assert
    check(out);
    expect(deployment.spec.replicas).toBe(3);
  });

  it.each([
    { name: 'an unsupported content type', type: 'application/json', body: '{}', code: 415 },
    { name: 'a body that is not JSON', type: MERGE, body: '{nope', code: 400 },
    { name: 'a JSON patch that is not an array', type: JSONP, body: '{}', code: 400 },
    {
      name: 'a failed JSON patch test',
      type: JSONP,
      body: '[{"op":"test","path":"/spec/replicas","value":4}]',
      code: 422,
    },
    {
      name: 'a JSON patch on a missing path',
      type: JSONP,
      body: '[{"op":"remove","path":"/spec/nope"}]',
      code: 422,
    },
    {
      name: 'a merge-keyed element without its key',
      type: SMP,
      body: '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}',
      code: 400,
    },
  ])('refuses $name with $code', ({ type, body, code }) => {
    // Arrange / Act
    let caught: unknown;
    try {
      applyPatch(deployment, type, body);
    } catch (err) {
      caught = err;
    }
    // Assert
    expect(caught).toBeInstanceOf(KubeApiError);
    expect((caught as KubeApiError).code).toBe(code);
  });
});
