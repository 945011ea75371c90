import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { storeFactory, T0, tempDir, type TempDir } from './helpers.js';

const MIN = 60_000;

describe('SqliteStore MFA state', () => {
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

  it('round-trips the encrypted secret as given, across a reopen', async () => {
    // Arrange
    await store.putMfaSecret('alice', 'v1:iv:ciphertext:tag', T0);

    // Act
    const other = factory.open();
    const state = await other.getMfa('alice');

    // Assert
    expect(state).toEqual({ user: 'alice', encryptedSecret: 'v1:iv:ciphertext:tag', enrolledAt: T0 });
    expect(await store.getMfa('bob')).toBeUndefined();
  });

  it('accepts each time step once and only moving forward', async () => {
    // Arrange
    await store.putMfaSecret('alice', 'secret', T0);

    // Act
    const first = await store.recordMfaSuccess('alice', 1000, T0 + 1);
    const replay = await store.recordMfaSuccess('alice', 1000, T0 + 2);
    const older = await store.recordMfaSuccess('alice', 999, T0 + 3);
    const next = await store.recordMfaSuccess('alice', 1001, T0 + 30_000);

    // Assert
    expect([first, replay, older, next]).toEqual([true, false, false, true]);
    expect(await store.getMfa('alice')).toMatchObject({ lastTimeStep: 1001, lastSuccessAt: T0 + 30_000 });
  });

  it('lets only one of two stores on the same file accept the same code', async () => {
    // Arrange
    await store.putMfaSecret('alice', 'secret', T0);
    const other = factory.open();

    // Act
    const results = await Promise.all([
      store.recordMfaSuccess('alice', 2000, T0),
      other.recordMfaSuccess('alice', 2000, T0),
    ]);

    // Assert
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the replay guard when the secret is replaced', async () => {
    // Arrange
    await store.putMfaSecret('alice', 'old', T0);
    await store.recordMfaSuccess('alice', 3000, T0);

    // Act
    await store.putMfaSecret('alice', 'new', T0 + MIN);

    // Assert
    expect(await store.getMfa('alice')).toEqual({
      user: 'alice',
      encryptedSecret: 'new',
      enrolledAt: T0 + MIN,
      lastTimeStep: 3000,
      lastSuccessAt: T0,
    });
    expect(await store.recordMfaSuccess('alice', 3000, T0 + MIN)).toBe(false);
  });

  it('rejects a success for a user who never enrolled', async () => {
    // Arrange
    const user = 'mallory';

    // Act
    const success = store.recordMfaSuccess(user, 1, T0);

    // Assert
    await expect(success).rejects.toMatchObject({ code: 'NOT_FOUND', details: { resource: 'mfa/mallory' } });
  });

  it('counts failures per user since a time', async () => {
    // Arrange
    for (const minutes of [0, 5, 10, 14, 16]) await store.recordMfaFailure('alice', T0 + minutes * MIN);
    await store.recordMfaFailure('bob', T0 + 16 * MIN);

    // Act
    const inWindow = await store.recentMfaFailures('alice', T0 + 16 * MIN - 15 * MIN);
    const all = await store.recentMfaFailures('alice', 0);
    const none = await store.recentMfaFailures('carol', 0);

    // Assert
    expect([inWindow, all, none]).toEqual([4, 5, 0]);
  });

  it('remembers the last verification per user and environment', async () => {
    // Arrange
    await store.recordMfaVerification('alice', 'prd', T0);
    await store.recordMfaVerification('alice', 'prd', T0 + MIN);
    await store.recordMfaVerification('alice', 'tst', T0 + 2 * MIN);

    // Act
    const prd = await store.lastMfaVerification('alice', 'prd');
    const tst = await store.lastMfaVerification('alice', 'tst');
    const never = await store.lastMfaVerification('bob', 'prd');

    // Assert
    expect([prd, tst, never]).toEqual([T0 + MIN, T0 + 2 * MIN, undefined]);
  });

  it('refuses an empty secret or a fractional time step', async () => {
    // Arrange
    await store.putMfaSecret('alice', 'secret', T0);

    // Act
    const emptySecret = store.putMfaSecret('alice', '', T0);
    const fractional = store.recordMfaSuccess('alice', 1.5, T0);

    // Assert
    await expect(emptySecret).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(fractional).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.getMfa('alice')).toEqual({ user: 'alice', encryptedSecret: 'secret', enrolledAt: T0 });
  });
});
