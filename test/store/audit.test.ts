import Database from 'better-sqlite3';
import { canonicalJson, ChainVerifier } from '../../src/store/audit-chain.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';
import type { NewAuditEntry } from '../../src/store/store.js';
import { storeFactory, T0, tempDir, type TempDir } from './helpers.js';

function entry(over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: T0,
    actor: 'alice',
    channel: 'slack',
    tool: 'deploy',
    inputSummary: 'deploy checkout 1.3.0 to prd (10→25→50→100)',
    decision: 'ask:mfa',
    outcome: 'ok',
    ...over,
  };
}

describe('SqliteStore audit log', () => {
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

  it('appends entries and returns them with increasing ids', async () => {
    // Arrange
    const first = entry({ detail: { deploymentId: 7, weights: { blue: 0, green: 100 } } });
    const second = entry({ at: T0 + 1, decision: 'deny', outcome: 'refused', inputSummary: '' });

    // Act
    const a = await store.appendAudit(first);
    const b = await store.appendAudit(second);

    // Assert
    expect(a).toEqual({ id: a.id, ...first });
    expect(b).toEqual({ id: b.id, ...second });
    expect(b.id).toBeGreaterThan(a.id);
    expect(b).not.toHaveProperty('detail');
  });

  it('lists entries newest first, by actor and since a time, bounded by limit', async () => {
    // Arrange
    await store.appendAudit(entry({ at: T0, actor: 'alice', tool: 'status' }));
    await store.appendAudit(entry({ at: T0 + 10, actor: 'bob', tool: 'deploy' }));
    await store.appendAudit(entry({ at: T0 + 20, actor: 'alice', tool: 'rollback' }));

    // Act
    const all = await store.listAudit({ limit: 10 });
    const alice = await store.listAudit({ actor: 'alice', limit: 10 });
    const recent = await store.listAudit({ since: T0 + 10, limit: 10 });
    const last = await store.listAudit({ limit: 1 });

    // Assert
    expect(all.map((e) => e.tool)).toEqual(['rollback', 'deploy', 'status']);
    expect(alice.map((e) => e.tool)).toEqual(['rollback', 'status']);
    expect(recent.map((e) => e.tool)).toEqual(['rollback', 'deploy']);
    expect(last.map((e) => e.tool)).toEqual(['rollback']);
  });

  it.each([
    [
      'UPDATE audit_log SET outcome = ? WHERE id = ?',
      ['ok-after-all'],
      /append-only: rows cannot be updated/,
    ],
    ['DELETE FROM audit_log WHERE id = ?', [], /append-only: rows cannot be deleted/],
  ])('refuses "%s" in the database itself', async (sql, params, message) => {
    // Arrange
    const written = await store.appendAudit(entry({ outcome: 'error' }));
    const raw = new Database(t.file());

    // Act
    const tamper = (): unknown => raw.prepare(sql).run(...params, written.id);

    // Assert
    try {
      expect(tamper).toThrowError(message);
    } finally {
      raw.close();
    }
    expect(await store.listAudit({ limit: 10 })).toEqual([written]);
  });

  it.each(['totp', 'totpCode', 'otp_code', 'MFA-CODE', 'passcode'])(
    'refuses a detail carrying a one-time code under "%s"',
    async (key) => {
      // Arrange
      const withCode = entry({ detail: { nested: { [key]: '123456' } } });

      // Act
      const append = store.appendAudit(withCode);

      // Assert
      await expect(append).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await store.listAudit({ limit: 10 })).toEqual([]);
    },
  );

  it('stores no column that could hold a code', () => {
    // Arrange
    const raw = new Database(t.file(), { readonly: true });

    // Act
    const columns = raw
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('audit_log')")
      .all()
      .map((c) => c.name);
    raw.close();

    // Assert
    expect(columns).toEqual([
      'id',
      'at',
      'actor',
      'channel',
      'tool',
      'input_summary',
      'decision',
      'outcome',
      'detail',
      'prev_hash',
      'hash',
    ]);
  });

  it('links every row to the one before it by hash, and a changed row no longer matches', async () => {
    // Arrange
    for (const outcome of ['ok', 'denied', 'ok']) {
      await store.appendAudit({ ...entry(), outcome, detail: { reason: 'why', n: 1 } });
    }

    // Act
    const rows = await store.auditChain(0, 10);
    const verifier = new ChainVerifier();
    verifier.add(rows);
    const tampered = new ChainVerifier();
    tampered.add(rows.map((r) => (r.id === 2 ? { ...r, outcome: 'ok' } : r)));

    // Assert
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(rows[0]?.prevHash).toBeNull();
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(rows[2]?.prevHash).toBe(rows[1]?.hash);
    expect(verifier.verdict()).toEqual({ ok: true, rows: 3, unchained: 0 });
    expect(tampered.verdict()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it.each([
    [{ b: 1, a: [{ d: 2, c: 'x' }] }, '{"a":[{"c":"x","d":2}],"b":1}'],
    [{ z: null, y: undefined }, '{"z":null}'],
    ['text', '"text"'],
  ])('writes canonical JSON of %j', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });
});
