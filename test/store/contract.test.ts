import { expect, it } from 'vitest';
import type { ReleaseOutcome } from '../../src/store/release.js';
import { lockKey, type AcquireResult } from '../../src/store/store.js';
import { describeStores } from './contract-kit.js';
import { deployment, T0 } from './helpers.js';

const KEY = lockKey('prd', 'checkout');
const LEASE = 30_000;

const outcome: ReleaseOutcome = {
  state: {
    live: { colour: 'green', version: '1.3.0', verdict: 'known_good', at: T0 + 500 },
    standby: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: T0 },
    weights: { blue: 0, green: 100 },
  },
  verdicts: [{ version: '1.3.0', verdict: 'known_good', at: T0 + 500, reason: 'analysis passed' }],
};

const granted = (r: AcquireResult) => {
  if (!r.acquired) throw new Error(`expected a grant, got ${JSON.stringify(r)}`);
  return r.lock;
};

describeStores('Store contract: deployments and release state', (db) => {
  it('records a deployment, finishes it with its release state in one step, and refuses a second finish', async () => {
    // Arrange
    const store = await db.open();
    const d = await store.startDeployment(deployment());

    // Act
    const done = await store.finishDeployment(d.id, 'SUCCESS', undefined, T0 + 1000, outcome);
    const again = store.finishDeployment(d.id, 'FAILED', 'late', T0 + 2000);

    // Assert
    expect(done).toMatchObject({ id: d.id, status: 'SUCCESS', endedAt: T0 + 1000, durationMs: 1000 });
    await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.getReleaseState('prd', 'checkout')).toMatchObject({
      live: { colour: 'green', version: '1.3.0', verdict: 'known_good' },
      standby: { colour: 'blue', version: '1.2.0' },
      weights: { blue: 0, green: 100 },
      deploymentId: d.id,
      source: 'recorded',
    });
    expect(await store.versionVerdicts('prd', 'checkout')).toEqual([
      { version: '1.3.0', verdict: 'known_good', at: T0 + 500, reason: 'analysis passed' },
    ]);
    expect(await store.lastSuccessful('prd', 'checkout', '1.3.0')).toMatchObject({ id: d.id });
    expect(await store.getDeployment(d.id)).toEqual(done);
  });

  it('keeps the figures a known-good release was verified with, and refuses malformed ones changing nothing', async () => {
    // Arrange
    const store = await db.open();
    const figures = { requests: 24_000, errors: 12, errorRate: 0.0005, p99Ms: 45.5, seconds: 300 };
    const d = await store.startDeployment(deployment());
    const bad = await store.startDeployment(deployment({ service: 'catalog' }));

    // Act
    await store.finishDeployment(d.id, 'SUCCESS', undefined, T0 + 1000, {
      ...outcome,
      verdicts: [{ version: '1.3.0', verdict: 'known_good', at: T0 + 500, figures }],
    });
    const refused = await store
      .finishDeployment(bad.id, 'SUCCESS', undefined, T0 + 1000, {
        ...outcome,
        verdicts: [
          { version: '1.3.0', verdict: 'known_good', at: T0 + 500, figures: { ...figures, requests: -1 } },
        ],
      })
      .catch((e: unknown) => e);

    // Assert
    expect(await store.versionVerdicts('prd', 'checkout')).toEqual([
      { version: '1.3.0', verdict: 'known_good', at: T0 + 500, figures },
    ]);
    expect(refused).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.getDeployment(bad.id)).toMatchObject({ status: 'RUNNING' });
    expect(await store.versionVerdicts('prd', 'catalog')).toEqual([]);
  });

  it('lets exactly one of two processes start a rollout of one service, the other told who runs it', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];

    // Act
    const results = await Promise.allSettled([
      a.startDeployment(deployment({ actor: 'alice' })),
      b.startDeployment(deployment({ actor: 'bob', version: '1.4.0' })),
    ]);

    // Assert
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /already has a rollout running: deployment \d+ of 1\.[34]\.0 by (alice|bob)/,
      ) as string,
    });
    expect(await b.runningDeployments()).toHaveLength(1);
  });

  it('counts deployments per environment and lists them newest first', async () => {
    // Arrange
    const store = await db.open();
    const first = await store.startDeployment(deployment({ env: 'tst' }));
    await store.finishDeployment(first.id, 'SUCCESS', undefined, T0 + 10);
    const second = await store.startDeployment(
      deployment({ env: 'tst', startedAt: T0 + 20, strategy: 'rollback' }),
    );
    await store.finishDeployment(second.id, 'ABORTED', 'asked', T0 + 30);
    await store.startDeployment(deployment({ env: 'prd', startedAt: T0 + 40 }));

    // Act
    const counts = await store.deploymentCounts(T0, T0 + 100);
    const listed = await store.listDeployments({ env: 'tst', limit: 10 });

    // Assert
    expect(counts).toEqual([
      {
        env: 'prd',
        deployments: 1,
        successes: 0,
        failures: 0,
        rolledBack: 0,
        aborted: 0,
        running: 1,
        rollbacks: 0,
      },
      {
        env: 'tst',
        deployments: 2,
        successes: 1,
        failures: 0,
        rolledBack: 0,
        aborted: 1,
        running: 0,
        rollbacks: 1,
      },
    ]);
    expect(listed.map((d) => d.id)).toEqual([second.id, first.id]);
    await expect(store.deploymentCounts(T0 + 100, T0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('queues commands for a running rollout only, taken once by whoever runs it', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];
    const d = await a.startDeployment(deployment());

    // Act
    await b.queueCommand({
      deploymentId: d.id,
      command: 'abort',
      actor: 'bob',
      reason: 'errors',
      at: T0 + 1,
    });
    const taken = await a.takeCommands(d.id);
    const again = await a.takeCommands(d.id);
    await a.finishDeployment(d.id, 'ABORTED', 'bob', T0 + 2);
    const late = b.queueCommand({ deploymentId: d.id, command: 'pause', actor: 'bob', at: T0 + 3 });

    // Assert
    expect(taken).toMatchObject([{ deploymentId: d.id, command: 'abort', actor: 'bob', reason: 'errors' }]);
    expect(again).toEqual([]);
    await expect(late).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describeStores('Store contract: journal and leases with fencing', (db) => {
  it('grants tokens that increase with every grant, refuses a live lease naming its holder, and takes over an expired one', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];

    // Act
    const first = granted(await a.acquireLock(KEY, 'alice', LEASE, T0));
    const refused = await b.acquireLock(KEY, 'bob', LEASE, T0 + LEASE - 1);
    const taken = await b.acquireLock(KEY, 'bob', LEASE, T0 + LEASE);
    const other = granted(await a.acquireLock(lockKey('prd', 'cart'), 'carol', LEASE, T0 + LEASE));

    // Assert
    expect(refused).toEqual({ acquired: false, holder: 'alice', expiresAt: T0 + LEASE });
    expect(taken).toMatchObject({ acquired: true, takenOverFrom: 'alice', lock: { holder: 'bob' } });
    const second = granted(taken);
    expect(second.token).toBeGreaterThan(first.token);
    expect(other.token).toBeGreaterThan(second.token);
    expect(await a.renewLock(KEY, 'alice', LEASE, T0 + LEASE + 1)).toBe(false);
    expect(await b.renewLock(KEY, 'bob', LEASE, T0 + LEASE + 1)).toBe(true);
    expect(await a.getLock(KEY)).toMatchObject({ holder: 'bob', expiresAt: T0 + 2 * LEASE + 1 });
  });

  it('gives a contended key to exactly one of many processes', async () => {
    // Arrange
    const stores = await Promise.all([db.open(), db.open(), db.open()]);

    // Act
    const results = await Promise.all(
      stores.flatMap((s, i) => [0, 1].map((j) => s.acquireLock(KEY, `p${i}-${j}`, LEASE, T0))),
    );

    // Assert
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const holder = granted(winners[0]!).holder;
    for (const r of results.filter((x) => !x.acquired)) expect(r).toMatchObject({ holder });
  });

  it('lets exactly one of two processes take over a lock from a gone holder', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];
    const dead = granted(await a.acquireLock(KEY, 'dead', LEASE, T0));

    // Act
    const [x, y] = await Promise.all([
      a.takeOverLock(KEY, 'dead', 'replica-a', LEASE, T0 + 1),
      b.takeOverLock(KEY, 'dead', 'replica-b', LEASE, T0 + 1),
    ]);

    // Assert
    const won = [x, y].filter((l) => l !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.token).toBeGreaterThan(dead.token);
    expect((await a.getLock(KEY))?.holder).toBe(won[0]!.holder);
  });

  it('refuses with LOCKED a journal entry of a writer whose lease moved on, and keeps the new holder’s', async () => {
    // Arrange
    const [stalled, healer] = [await db.open(), await db.open()];
    const d = await stalled.startDeployment(deployment());
    const old = granted(await stalled.acquireLock(KEY, 'stalled', LEASE, T0));
    await stalled.appendJournal({
      deploymentId: d.id,
      seq: 1,
      state: 'shift',
      data: { step: 10 },
      at: T0,
      token: old.token,
    });
    const fresh = granted(await healer.acquireLock(KEY, 'healer', LEASE, T0 + LEASE));

    // Act
    const late = await stalled
      .appendJournal({
        deploymentId: d.id,
        seq: 2,
        state: 'shift',
        data: { step: 25 },
        at: T0 + LEASE + 1,
        token: old.token,
      })
      .catch((err: unknown) => err);
    await healer.appendJournal({
      deploymentId: d.id,
      seq: 2,
      state: 'abort',
      data: {},
      at: T0 + LEASE + 2,
      token: fresh.token,
    });

    // Assert
    expect(late).toMatchObject({
      code: 'LOCKED',
      message: expect.stringMatching(/moved on from token/) as string,
    });
    expect((await healer.journal(d.id)).map((e) => [e.seq, e.state])).toEqual([
      [1, 'shift'],
      [2, 'abort'],
    ]);
    expect(await healer.unfinishedRollouts()).toMatchObject([
      { deployment: { id: d.id }, last: { seq: 2, state: 'abort' } },
    ]);
  });

  it('refuses entries out of order, for an unknown deployment, and once the rollout finished', async () => {
    // Arrange
    const store = await db.open();
    const d = await store.startDeployment(deployment());
    await store.appendJournal({ deploymentId: d.id, seq: 3, state: 'shift', data: {}, at: T0 });

    const append = (seq: number, data: Record<string, unknown> = {}) =>
      store.appendJournal({ deploymentId: d.id, seq, state: 'shift', data, at: T0 });

    // Act / Assert
    await expect(append(3)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/last one \(3\)/) as string,
    });
    await expect(append(4, { totp: '123456' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      store.appendJournal({ deploymentId: d.id + 99, seq: 1, state: 'shift', data: {}, at: T0 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.finishDeployment(d.id, 'ABORTED', 'asked', T0 + 1);
    await expect(append(4)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/journal is closed/) as string,
    });
    expect(await store.journal(d.id)).toHaveLength(1);
  });

  it('rejects every call with UNAVAILABLE once closed', async () => {
    const store = await db.open();
    await store.close();
    await expect(store.getLock(KEY)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
