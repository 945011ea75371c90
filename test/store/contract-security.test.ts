import { expect, it } from 'vitest';
import { ChainVerifier } from '../../src/store/audit-chain.js';
import { DELIVERY_RETENTION_MS, type NewAuditEntry, type Store } from '../../src/store/store.js';
import { describeStores } from './contract-kit.js';
import { T0 } from './helpers.js';

const SIG = { scope: 'slack.signature', key: 'v0=abc' };
const EVENT = { scope: 'slack.event', key: 'Ev0123' };

const entry = (i: number, actor = 'alice'): NewAuditEntry => ({
  at: T0 + i,
  actor,
  channel: 'slack',
  tool: 'deploy',
  inputSummary: `deploy 1.3.${i} to prd`,
  decision: 'allow',
  outcome: 'ok',
  detail: { i },
});

async function verify(store: Store) {
  const verifier = new ChainVerifier();
  let after = 0;
  for (;;) {
    const page = await store.auditChain(after, 50);
    if (page.length === 0) break;
    verifier.add(page);
    after = page[page.length - 1]!.id;
  }
  return verifier.verdict();
}

describeStores('Store contract: audit chain', (db) => {
  it('keeps one unbroken chain when two processes append at the same time', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];

    // Act
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).appendAudit(entry(i, i % 2 ? 'bob' : 'alice')),
      ),
    );

    // Assert
    expect(await verify(a)).toEqual({ ok: true, rows: 30, unchained: 0 });
    const chain = await b.auditChain(0, 100);
    expect(chain.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(chain.map((e) => e.prevHash)).size).toBe(30);
    expect(await a.listAudit({ actor: 'bob', limit: 100 })).toHaveLength(15);
  });

  it('redacts a credential in a summary and refuses a detail that carries a code', async () => {
    const store = await db.open();
    const kept = await store.appendAudit({ ...entry(1), inputSummary: 'token xoxb-1234567890-abcdefghij' });
    expect(kept.inputSummary).not.toContain('xoxb-1234567890-abcdefghij');
    await expect(store.appendAudit({ ...entry(2), detail: { otp: '123456' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await verify(store)).toMatchObject({ ok: true, rows: 1 });
  });
});

describeStores('Store contract: MFA state shared by processes', (db) => {
  it('accepts a time step once whichever process sees the code first, and refuses it on the other', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];
    await a.putMfaSecret('alice', 'sealed-seed', T0);

    // Act
    const both = await Promise.all([
      a.recordMfaSuccess('alice', 1000, T0 + 1),
      b.recordMfaSuccess('alice', 1000, T0 + 1),
    ]);
    const older = await b.recordMfaSuccess('alice', 999, T0 + 2);
    const next = await b.recordMfaSuccess('alice', 1001, T0 + 30_000);

    // Assert
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(older).toBe(false);
    expect(next).toBe(true);
    expect(await a.getMfa('alice')).toMatchObject({ lastTimeStep: 1001, lastSuccessAt: T0 + 30_000 });
    await expect(a.recordMfaSuccess('nobody', 1, T0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('counts failures and lockouts recorded by one process on the other', async () => {
    // Arrange
    const [a, b] = [await db.open(), await db.open()];

    // Act
    await a.recordMfaFailureFrom('alice', 'slack:T1/C1', T0);
    await b.recordMfaFailureFrom('alice', 'slack:T1/C1', T0 + 1);
    await b.recordMfaFailure('alice', T0 + 2);
    await a.recordMfaLockout({
      kind: 'user',
      subject: 'alice',
      startedAt: T0 + 3,
      until: T0 + 60_000,
      failures: 3,
    });
    await a.recordMfaVerification('alice', 'prd', T0 + 4);

    // Assert
    expect(await b.mfaFailuresOf('user', 'alice', T0)).toBe(3);
    expect(await b.mfaFailuresOf('source', 'slack:T1/C1', T0)).toBe(2);
    expect(await a.recentMfaFailures('alice', T0 + 1)).toBe(2);
    expect(await b.mfaLockoutsOf('user', 'alice', T0)).toEqual([
      { kind: 'user', subject: 'alice', startedAt: T0 + 3, until: T0 + 60_000, failures: 3 },
    ]);
    expect(await b.lastMfaVerification('alice', 'prd')).toBe(T0 + 4);
    expect(await b.lastMfaVerification('alice', 'tst')).toBeUndefined();
  });
});

describeStores('Store contract: replay memory', (db) => {
  it('claims keys once, on every process, until they expire', async () => {
    const [a, b] = [await db.open(), await db.open()];
    expect(await a.claimOnce([SIG, EVENT], T0 + 300_000, T0)).toBe(true);

    expect(await b.claimOnce([SIG], T0 + 300_000, T0 + 1000)).toBe(false);
    expect(await b.claimOnce([EVENT], T0 + 300_000, T0 + 1000)).toBe(false);
    expect(await b.claimOnce([SIG], T0 + 600_000, T0 + 300_000)).toBe(true);
  });

  it('gives a key claimed by two processes at once to exactly one', async () => {
    const [a, b] = [await db.open(), await db.open()];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).claimOnce([EVENT, SIG], T0 + 1000, T0)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('claims nothing when any key of the list was claimed before, and keeps scopes apart', async () => {
    const store = await db.open();
    await store.claimOnce([EVENT], T0 + 1000, T0);

    expect(await store.claimOnce([{ scope: 'slack.signature', key: 'v0=new' }, EVENT], T0 + 1000, T0)).toBe(
      false,
    );
    expect(await store.claimOnce([{ scope: 'slack.signature', key: 'v0=new' }], T0 + 1000, T0)).toBe(true);
    expect(await store.claimOnce([{ scope: 'pagerduty.event', key: 'Ev0123' }], T0 + 1000, T0)).toBe(true);
  });

  it.each([
    ['an empty list', []],
    ['a key over 512 characters', [{ scope: 'x', key: 'k'.repeat(513) }]],
    ['an empty scope', [{ scope: '', key: 'k' }]],
  ])('refuses %s with INVALID_INPUT', async (_name, keys) => {
    const store = await db.open();
    await expect(store.claimOnce(keys, T0 + 1000, T0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describeStores('Store contract: webhook deliveries', (db) => {
  it('claims a delivery once, per source', async () => {
    const store = await db.open();
    const first = await store.claimDelivery('pagerduty', 'd-1', T0);
    const again = await store.claimDelivery('pagerduty', 'd-1', T0 + 1000);
    const otherSource = await store.claimDelivery('slack', 'd-1', T0);
    expect([first, again, otherSource]).toEqual([true, false, true]);
  });

  it('remembers deliveries across a restart', async () => {
    const store = await db.open();
    await store.claimDelivery('pagerduty', 'd-2', T0);
    await store.close();
    const reopened = await db.open();
    expect(await reopened.claimDelivery('pagerduty', 'd-2', T0 + 60_000)).toBe(false);
  });

  it('lets two processes race for a delivery with exactly one winner', async () => {
    const [a, b] = [await db.open(), await db.open()];
    const results = await Promise.all([
      a.claimDelivery('pagerduty', 'd-3', T0),
      b.claimDelivery('pagerduty', 'd-3', T0),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets deliveries past the retention period', async () => {
    const store = await db.open();
    await store.claimDelivery('pagerduty', 'd-4', T0);
    expect(await store.claimDelivery('pagerduty', 'd-4', T0 + DELIVERY_RETENTION_MS + 1)).toBe(true);
  });

  it.each([
    ['an empty id', 'pagerduty', ''],
    ['an id over 256 characters', 'pagerduty', 'x'.repeat(257)],
    ['an empty source', '', 'd-5'],
  ])('refuses %s with INVALID_INPUT', async (_what, source, id) => {
    const store = await db.open();
    await expect(store.claimDelivery(source, id, T0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
