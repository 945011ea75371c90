import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { storeFactory, T0, tempDir, type TempDir } from './helpers.js';

const SIG = { scope: 'slack.signature', key: 'v0=abc' };
const EVENT = { scope: 'slack.event', key: 'Ev0123' };

describe('SqliteStore replay memory', () => {
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

  it('claims keys once, across a reopening of the file, until they expire', async () => {
    expect(await store.claimOnce([SIG, EVENT], T0 + 300_000, T0)).toBe(true);
    await store.close();
    const reopened = factory.open();

    expect(await reopened.claimOnce([SIG], T0 + 300_000, T0 + 1000)).toBe(false);
    expect(await reopened.claimOnce([EVENT], T0 + 300_000, T0 + 1000)).toBe(false);
    expect(await reopened.claimOnce([SIG], T0 + 600_000, T0 + 300_000)).toBe(true);
  });

  it('claims nothing when any key of the list was claimed before', async () => {
    await store.claimOnce([EVENT], T0 + 1000, T0);

    expect(await store.claimOnce([{ scope: 'slack.signature', key: 'v0=new' }, EVENT], T0 + 1000, T0)).toBe(
      false,
    );
    expect(await store.claimOnce([{ scope: 'slack.signature', key: 'v0=new' }], T0 + 1000, T0)).toBe(true);
  });

  it('keeps scopes apart', async () => {
    await store.claimOnce([{ scope: 'pagerduty.webhook', key: 'X1' }], T0 + 1000, T0);

    expect(await store.claimOnce([{ scope: 'pagerduty.event', key: 'X1' }], T0 + 1000, T0)).toBe(true);
  });

  it.each([
    ['an empty list', []],
    ['a key over 512 characters', [{ scope: 'x', key: 'k'.repeat(513) }]],
    ['an empty scope', [{ scope: '', key: 'k' }]],
  ])('refuses %s with INVALID_INPUT', async (_name, keys) => {
    await expect(store.claimOnce(keys, T0 + 1000, T0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
