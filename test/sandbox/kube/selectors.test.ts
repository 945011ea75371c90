import { describe, expect, it } from 'vitest';
import {
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../../packages/sandbox/src/kube/selectors.js';
import { KubeApiError } from '../../../packages/sandbox/src/kube/status.js';

const labels = { app: 'checkout', colour: 'blue', 'pod-template-hash': 'abc12' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=checkout', true],
    ['app==checkout,colour=blue', true],
    ['app=checkout,colour=green', false],
    ['colour!=green', true],
    ['colour!=blue', false],
    ['colour in (blue, green)', true],
    ['colour in (green)', false],
    ['colour notin (green),app', true],
    ['tier', false],
    ['!tier', true],
    ['!app', false],
    ['tier!=front', true],
  ])('%j matches: %s', (selector, expected) => {
    // Arrange
    const reqs = parseLabelSelector(selector);
    // Act
    const matched = matchesLabels(reqs, labels);
    // Assert
    expect(matched).toBe(expected);
  });

  it.each(['app=checkout,colour in ()', 'app=che ckout', '=x'])('refuses %j with 400', (selector) => {
    // Arrange / Act
    const act = (): unknown => parseLabelSelector(selector);
    // Assert
    expect(act).toThrow(KubeApiError);
  });
});

describe('field selectors', () => {
  it('parses equality and inequality on supported fields', () => {
    // Arrange / Act
    const reqs = parseFieldSelector('status.phase=Running,metadata.name!=x', [
      'status.phase',
      'metadata.name',
    ]);
    // Assert
    expect(reqs).toEqual([
      { field: 'status.phase', value: 'Running', negate: false },
      { field: 'metadata.name', value: 'x', negate: true },
    ]);
  });

  it('refuses an unsupported field with 400 "field label not supported"', () => {
    // Arrange / Act
    let caught: unknown;
    try {
      parseFieldSelector('spec.foo=bar', ['status.phase']);
    } catch (err) {
      caught = err;
    }
    // Assert
    expect((caught as KubeApiError).code).toBe(400);
    expect((caught as KubeApiError).message).toBe('field label not supported: spec.foo');
  });
});
