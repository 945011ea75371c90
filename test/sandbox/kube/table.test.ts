import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../src/clock.js';
import { humanDuration, toTable, wantsTable } from '../../../packages/sandbox/src/kube/table.js';
import { wallClockJson } from '../../../packages/sandbox/src/kube/wall-clock.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (the AGE column)', () => {
  it.each([
    [-2 * S, '<invalid>'],
    [-500, '0s'],
    [-1500, '0s'],
    [0, '0s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [9 * M + 5 * S, '9m5s'],
    [10 * M + 5 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [7 * H + 30 * M, '7h30m'],
    [47 * H, '47h'],
    [2 * D + 5 * H, '2d5h'],
    [8 * D, '8d'],
    [729 * D, '729d'],
    [3 * 365 * D + 10 * D, '3y10d'],
    [9 * 365 * D, '9y'],
  ])('writes %d ms as %s, as kubectl does', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('wantsTable', () => {
  it.each([
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json', true],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io', true],
    ['application/json', false],
    [undefined, false],
  ])('%s → %s', (accept, wanted) => {
    expect(wantsTable(accept)).toBe(wanted);
  });
});

describe('times on a scaled clock', () => {
  it('ages an object by the real time that passed: two simulated hours at 60x are two minutes', () => {
    // Arrange
    const clock = new ScaledClock(60);
    const created = new Date(clock.now() - 2 * H).toISOString();
    // Act
    const table = toTable(
      {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: { name: 'shop', creationTimestamp: created },
        status: { phase: 'Active' },
      },
      clock,
    ) as {
      rows: Array<{ cells: string[] }>;
    };
    // Assert
    expect(table.rows[0]!.cells).toEqual(['shop', 'Active', '2m']);
  });

  it('serves time fields in wall-clock time and leaves other strings alone', () => {
    // Arrange
    const clock = new ScaledClock(60);
    const sim = clock.now() - 2 * H;
    const body = {
      metadata: {
        creationTimestamp: new Date(sim).toISOString().slice(0, 19) + 'Z',
        name: '2020-01-01T00:00:00Z',
      },
    };
    // Act
    const served = JSON.parse(wallClockJson(clock)(body)) as typeof body;
    // Assert
    const age = Date.now() - Date.parse(served.metadata.creationTimestamp);
    expect(age).toBeGreaterThan(2 * M - 2 * S);
    expect(age).toBeLessThan(2 * M + 2 * S);
    expect(served.metadata.creationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(served.metadata.name).toBe('2020-01-01T00:00:00Z');
  });
});
