import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { lockKey, type AcquireResult } from '../../src/store/store.js';
import { runFixture, storeFactory, T0, tempDir, type TempDir } from './helpers.js';

const KEY = lockKey('prd', 'checkout');
const LEASE = 30_000;

describe('SqliteStore locks', () => {
  let t: TempDir;
  let factory: ReturnType<typeof storeFactory>;
  let store: SqliteStore;
  beforeEach(() => {
    t = tempDir();
    factory = storeFactory(t);
    store = factory.open();
  });
  afterEach(async () => {
    await factory.closeAll();
    t.cleanup();
  });

  it('grants a free key with its lease', async () => {
    // Arrange
    const key = 'prd/checkout';

    // Act
    const result = await store.acquireLock(key, 'alice deploying 1.3.0', LEASE, T0);

    // Assert
    expect(result).toEqual({
      acquired: true,
      lock: { key, holder: 'alice deploying 1.3.0', acquiredAt: T0, expiresAt: T0 + LEASE, token: 1 },
    });
    expect(await store.getLock(key)).toEqual({
      key,
      holder: 'alice deploying 1.3.0',
      acquiredAt: T0,
      expiresAt: T0 + LEASE,
      token: 1,
    });
  });

  it('refuses a live lease, naming its holder and expiry, even to the same holder', async () => {
    // Arrange
    await store.acquireLock(KEY, 'alice', LEASE, T0);

    // Act
    const bob = await store.acquireLock(KEY, 'bob', LEASE, T0 + LEASE - 1);
    const aliceAgain = await store.acquireLock(KEY, 'alice', LEASE, T0 + 1);

    // Assert
    expect(bob).toEqual({ acquired: false, holder: 'alice', expiresAt: T0 + LEASE });
    expect(aliceAgain).toEqual({ acquired: false, holder: 'alice', expiresAt: T0 + LEASE });
  });

  it('takes over an expired lease and says from whom', async () => {
    // Arrange
    await store.acquireLock(KEY, 'alice', LEASE, T0);

    // Act
    const result = await store.acquireLock(KEY, 'bob', LEASE, T0 + LEASE);

    // Assert
    expect(result).toEqual({
      acquired: true,
      lock: { key: KEY, holder: 'bob', acquiredAt: T0 + LEASE, expiresAt: T0 + 2 * LEASE, token: 2 },
      takenOverFrom: 'alice',
    });
  });

  it('renews a live lease for its holder only, and reports a lost one', async () => {
    // Arrange
    await store.acquireLock(KEY, 'alice', LEASE, T0);

    // Act
    const renewed = await store.renewLock(KEY, 'alice', LEASE, T0 + 10_000);
    const byOther = await store.renewLock(KEY, 'bob', LEASE, T0 + 10_000);
    const afterExpiry = await store.renewLock(KEY, 'alice', LEASE, T0 + 10_000 + LEASE);

    // Assert
    expect(renewed).toBe(true);
    expect(byOther).toBe(false);
    expect(afterExpiry).toBe(false);
    expect(await store.getLock(KEY)).toMatchObject({ holder: 'alice', expiresAt: T0 + 10_000 + LEASE });
  });

  it('releases only for its holder, after which the key is free', async () => {
    // Arrange
    await store.acquireLock(KEY, 'alice', LEASE, T0);

    // Act
    const byOther = await store.releaseLock(KEY, 'bob');
    const byHolder = await store.releaseLock(KEY, 'alice');
    const again = await store.releaseLock(KEY, 'alice');
    const next = await store.acquireLock(KEY, 'bob', LEASE, T0 + 1);

    // Assert
    expect([byOther, byHolder, again]).toEqual([false, true, false]);
    expect(next).toMatchObject({ acquired: true, lock: { holder: 'bob' } });
    expect(next).not.toHaveProperty('takenOverFrom');
  });

  it('expires stale locks and returns the ones removed', async () => {
    // Arrange
    await store.acquireLock('prd/checkout', 'alice', LEASE, T0);
    await store.acquireLock('tst/checkout', 'bob', 2 * LEASE, T0);

    // Act
    const removed = await store.expireStaleLocks(T0 + LEASE);

    // Assert
    expect(removed).toEqual([
      { key: 'prd/checkout', holder: 'alice', acquiredAt: T0, expiresAt: T0 + LEASE, token: 1 },
    ]);
    expect(await store.getLock('prd/checkout')).toBeUndefined();
    expect(await store.getLock('tst/checkout')).toMatchObject({ holder: 'bob' });
  });

  it.each([
    ['a key without a service', 'prd', 'alice', LEASE],
    ['a key with spaces', 'prd/check out', 'alice', LEASE],
    ['an empty holder', KEY, '', LEASE],
    ['a zero lease', KEY, 'alice', 0],
  ])('refuses %s', async (_name, key, holder, lease) => {
    // Arrange
    const now = T0;

    // Act
    const result = store.acquireLock(key, holder, lease, now);

    // Assert
    await expect(result).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.expireStaleLocks(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('lets exactly one of two stores on the same file take the lock', async () => {
    // Arrange
    const other = factory.open();

    // Act
    const [a, b] = await Promise.all([
      store.acquireLock(KEY, 'replica-a', LEASE, T0),
      other.acquireLock(KEY, 'replica-b', LEASE, T0),
    ]);

    // Assert
    expect([a.acquired, b.acquired].filter(Boolean)).toHaveLength(1);
    const winner = a.acquired ? 'replica-a' : 'replica-b';
    expect(a.acquired ? b : a).toEqual({ acquired: false, holder: winner, expiresAt: T0 + LEASE });
    expect(await other.getLock(KEY)).toMatchObject({ holder: winner });
  });

  it('lets exactly one of several processes racing on a new file migrate it once and take the lock', async () => {
    // Arrange
    const file = t.file('race.db');
    const holders = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    // Far enough ahead for every child to have started and opened the store before the race.
    const startAt = Date.now() + 3_000;

    // Act
    const runs = await Promise.all(
      holders.map((h) => runFixture('contend-lock.ts', [file, h, String(startAt)])),
    );
    const results = runs.map((r) => JSON.parse(r.stdout) as AcquireResult);

    // Assert
    expect(runs.map((r) => r.code)).toEqual(holders.map(() => 0));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.acquired ? winners[0]!.lock.holder : undefined;
    expect(results.filter((r) => !r.acquired)).toEqual(
      holders.slice(1).map(() => expect.objectContaining({ acquired: false, holder: winner }) as unknown),
    );
    const after = new SqliteStore(file);
    expect(await after.getLock(KEY)).toMatchObject({ holder: winner });
    await after.close();
    const db = new Database(file, { readonly: true });
    const steps = db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get();
    db.close();
    expect(steps).toBe(SCHEMA_VERSION);
  });
});
