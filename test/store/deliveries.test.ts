import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJarvisError } from '../../src/errors.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { DELIVERY_RETENTION_MS } from '../../src/store/store.js';
import { storeFactory, T0, tempDir, type TempDir } from './helpers.js';

describe('SqliteStore webhook deliveries', () => {
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

  it('claims a delivery once, per source', async () => {
    // Act
    const first = await store.claimDelivery('pagerduty', 'd-1', T0);
    const again = await store.claimDelivery('pagerduty', 'd-1', T0 + 1000);
    const otherSource = await store.claimDelivery('slack', 'd-1', T0);
    // Assert
    expect([first, again, otherSource]).toEqual([true, false, true]);
  });

  it('remembers deliveries across a restart', async () => {
    // Arrange
    await store.claimDelivery('pagerduty', 'd-2', T0);
    await store.close();
    // Act
    const reopened = factory.open();
    // Assert
    expect(await reopened.claimDelivery('pagerduty', 'd-2', T0 + 60_000)).toBe(false);
  });

  it('lets two stores on one file race for a delivery with exactly one winner', async () => {
    // Arrange
    const other = factory.open();
    // Act
    const results = await Promise.all([
      store.claimDelivery('pagerduty', 'd-3', T0),
      other.claimDelivery('pagerduty', 'd-3', T0),
    ]);
    // Assert
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets deliveries past the retention period', async () => {
    // Arrange
    await store.claimDelivery('pagerduty', 'd-4', T0);
    // Act
    const later = await store.claimDelivery('pagerduty', 'd-4', T0 + DELIVERY_RETENTION_MS + 1);
    // Assert
    expect(later).toBe(true);
  });

  it.each([
    ['an empty id', 'pagerduty', ''],
    ['an id over 256 characters', 'pagerduty', 'x'.repeat(257)],
    ['an empty source', '', 'd-5'],
  ])('refuses %s with INVALID_INPUT', async (_what, source, id) => {
    await expect(store.claimDelivery(source, id, T0)).rejects.toSatisfy((err) =>
      isJarvisError(err, 'INVALID_INPUT'),
    );
  });
});
