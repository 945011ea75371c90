import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { FreezeWindowSchema, type FreezeWindow } from '../../src/config.js';
import { PolicyGate } from '../../src/policies/gate.js';
import { windowFreeze } from '../../src/policies/release.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { actor, configWith, memoryStore, tool } from './helpers.js';

/** A clock that moves only when told to: freeze windows are judged at exactly the time set. */
class FakeClock implements Clock {
  readonly scale = 1;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

const window = (w: Record<string, unknown>): FreezeWindow => FreezeWindowSchema.parse(w);

/** Friday 16:00 to Monday 08:00 in Amsterdam, as three weekly windows that join up. */
const weekend = [
  window({ reason: 'weekend', timeZone: 'Europe/Amsterdam', weekly: { days: ['fri'], start: '16:00' } }),
  window({ reason: 'weekend', timeZone: 'Europe/Amsterdam', weekly: { days: ['sat', 'sun'] } }),
  window({ reason: 'weekend', timeZone: 'Europe/Amsterdam', weekly: { days: ['mon'], end: '08:00' } }),
];
const nightly = window({
  reason: 'batch jobs',
  timeZone: 'America/New_York',
  weekly: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '22:00', end: '02:00' },
});
const yearEnd = window({
  reason: 'year-end close',
  timeZone: 'Europe/Amsterdam',
  from: '2026-12-24',
  until: '2027-01-02T09:00',
});

describe('freeze windows', () => {
  it.each([
    // 2026-01-09 is a Friday; Amsterdam is UTC+1 in January.
    {
      name: 'Friday 15:59 Amsterdam, before the weekend',
      windows: weekend,
      at: '2026-01-09T14:59:00Z',
      until: undefined,
    },
    {
      name: 'Friday 16:00 Amsterdam, the weekend starts',
      windows: weekend,
      at: '2026-01-09T15:00:00Z',
      until: '2026-01-12T07:00:00.000Z',
    },
    {
      name: 'Sunday noon, ends Monday 08:00',
      windows: weekend,
      at: '2026-01-11T11:00:00Z',
      until: '2026-01-12T07:00:00.000Z',
    },
    { name: 'Monday 08:00 Amsterdam, over', windows: weekend, at: '2026-01-12T07:00:00Z', until: undefined },
    // Summer time: Amsterdam is UTC+2 in July (2026-07-10 is a Friday).
    {
      name: 'Friday 16:30 in summer time',
      windows: weekend,
      at: '2026-07-10T14:30:00Z',
      until: '2026-07-13T06:00:00.000Z',
    },
    // A window past midnight: Monday 22:00 to Tuesday 02:00 New York (UTC-5 in January).
    {
      name: 'Monday 23:30 New York',
      windows: [nightly],
      at: '2026-01-13T04:30:00Z',
      until: '2026-01-13T07:00:00.000Z',
    },
    {
      name: 'Saturday 01:00 New York (Friday night)',
      windows: [nightly],
      at: '2026-01-10T06:00:00Z',
      until: '2026-01-10T07:00:00.000Z',
    },
    {
      name: 'Sunday 01:00 New York (no Saturday window)',
      windows: [nightly],
      at: '2026-01-11T06:00:00Z',
      until: undefined,
    },
    { name: 'Tuesday 21:59 New York', windows: [nightly], at: '2026-01-14T02:59:00Z', until: undefined },
    // A date range in local time.
    {
      name: 'Christmas Eve 00:00 Amsterdam',
      windows: [yearEnd],
      at: '2026-12-23T23:00:00Z',
      until: '2027-01-02T08:00:00.000Z',
    },
    {
      name: 'Christmas Eve 00:00 UTC, an hour after it began',
      windows: [yearEnd],
      at: '2026-12-24T00:00:00Z',
      until: '2027-01-02T08:00:00.000Z',
    },
    { name: 'just before the range', windows: [yearEnd], at: '2026-12-23T22:59:59Z', until: undefined },
    {
      name: 'January 2nd 09:00 Amsterdam, over',
      windows: [yearEnd],
      at: '2027-01-02T08:00:00Z',
      until: undefined,
    },
  ])('$name → $until', ({ windows, at, until }) => {
    // Arrange
    const clock = new FakeClock(0);
    clock.set(at);

    // Act
    const freeze = windowFreeze(windows, clock.now());

    // Assert
    expect(freeze === undefined ? undefined : new Date(freeze.until!).toISOString()).toBe(until);
    if (freeze) expect(freeze.reason).not.toBe('');
  });

  it.each([
    [{ reason: 'x', weekly: { days: ['fri'] }, from: '2026-12-24', until: '2026-12-25' }, 'weekly'],
    [{ reason: 'x', from: '2026-12-24' }, 'until'],
    [{ reason: 'x' }, 'weekly'],
    [{ reason: 'x', timeZone: 'Mars/Olympus', weekly: { days: ['fri'] } }, 'timeZone'],
    [{ reason: 'x', weekly: { days: ['friday'] } }, 'weekly'],
    [{ reason: 'x', weekly: { days: ['fri'], start: '25:00' } }, 'weekly'],
  ])('refuses the window %j, naming %s', (w, path) => {
    // Act
    const parsed = FreezeWindowSchema.safeParse(w);

    // Assert
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => String(i.path[0]))).toContain(path);
  });
});

describe('a configured weekly freeze as the gate applies it, with a fake clock', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = memoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('refuses a dev deploy on Friday evening, allows it on Monday at 08:00, and never refuses an abort', async () => {
    // Arrange
    const config = configWith([
      [
        ['environments', 'dev', 'policy', 'freezes'],
        [
          {
            reason: 'no Friday deploys',
            timeZone: 'Europe/Amsterdam',
            weekly: { days: ['fri', 'sat', 'sun'], start: '16:00' },
          },
        ],
      ],
    ]);
    const clock = new FakeClock(0);
    const gate = new PolicyGate({ config, store, clock, wallNow: () => clock.now() });
    const alice = actor('alice', 'deployer');
    const deploy = { env: 'dev', version: '1.3.0' };

    // Act
    clock.set('2026-01-09T17:00:00Z');
    const friday = await gate.decide(alice, tool('deploy_service'), deploy);
    const abort = await gate.decide(alice, tool('abort_rollout'), { env: 'dev' });
    clock.set('2026-01-12T07:00:00Z');
    const monday = await gate.decide(alice, tool('deploy_service'), deploy);

    // Assert
    expect(friday).toMatchObject({ kind: 'deny', code: 'FROZEN' });
    expect(friday.reason).toContain('no Friday deploys');
    expect(abort.kind).toBe('ask');
    expect(monday.kind).toBe('ask');
  });
});
