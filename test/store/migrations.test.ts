import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JarvisError } from '../../src/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { tempDir, type TempDir } from './helpers.js';

interface MigrationRow {
  version: number;
  name: string;
  applied_at: number;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function appliedSteps(file: string): MigrationRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], MigrationRow>('SELECT * FROM schema_migrations ORDER BY version').all();
  } finally {
    db.close();
  }
}

describe('SqliteStore migrations', () => {
  let t: TempDir;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it('applies every step once on a new file, creating its directory', async () => {
    // Arrange
    const file = join(t.dir, 'nested', 'deeper', 'jarvis.db');

    // Act
    const store = new SqliteStore({
      file,
      clock: { now: () => 42, sleep: () => Promise.resolve(), scale: 1 },
    });
    await store.close();

    // Assert
    expect(existsSync(file)).toBe(true);
    expect(appliedSteps(file)).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: 42 })),
    );
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('is idempotent on reopen: nothing is applied again and the data stays', async () => {
    // Arrange
    const file = t.file();
    const first = new SqliteStore(file);
    await first.putMfaSecret('alice', 'enc:v1:abc', 1);
    await first.close();
    const before = appliedSteps(file);

    // Act
    const second = new SqliteStore(file);
    const third = new SqliteStore(file);
    const mfa = await third.getMfa('alice');
    await second.close();
    await third.close();

    // Assert
    expect(appliedSteps(file)).toEqual(before);
    expect(mfa?.encryptedSecret).toBe('enc:v1:abc');
  });

  it('uses WAL and leaves the file in WAL mode', async () => {
    // Arrange
    const file = t.file();

    // Act
    await new SqliteStore(file).close();

    // Assert
    const db = new Database(file, { readonly: true });
    const mode = db.pragma('journal_mode', { simple: true });
    db.close();
    expect(mode).toBe('wal');
  });

  it('refuses a database whose schema is newer than the code, changing nothing', async () => {
    // Arrange
    const file = t.file();
    await new SqliteStore(file).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      SCHEMA_VERSION + 1,
      'from the future',
      1,
    );
    db.close();

    // Act
    const err = thrown(() => new SqliteStore(file));

    // Assert
    expect(err).toBeInstanceOf(JarvisError);
    expect(err).toMatchObject({ code: 'CONFLICT', details: { resource: file } });
    expect((err as Error).message).toContain(
      `schema version ${SCHEMA_VERSION + 1}, newer than the ${SCHEMA_VERSION}`,
    );
    expect(appliedSteps(file)).toHaveLength(SCHEMA_VERSION + 1);
  });

  it('refuses a database whose recorded steps differ from the code', async () => {
    // Arrange
    const file = t.file();
    await new SqliteStore(file).close();
    const db = new Database(file);
    db.prepare('UPDATE schema_migrations SET name = ? WHERE version = 1').run('something else');
    db.close();

    // Act
    const err = thrown(() => new SqliteStore(file));

    // Assert
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect((err as Error).message).toMatch(/records schema step 1 as "something else"/);
  });

  it('opens an in-memory store with the full schema', async () => {
    // Arrange
    const store = new SqliteStore(':memory:');

    // Act
    const counts = await store.deploymentCounts(0, 1);
    await store.close();

    // Assert
    expect(store.file).toBe(':memory:');
    expect(counts).toEqual([]);
  });

  it('rejects every call with UNAVAILABLE once closed, and closing twice is harmless', async () => {
    // Arrange
    const store = new SqliteStore(':memory:');
    await store.close();

    // Act
    const call = store.runningDeployments();

    // Assert
    await expect(call).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/closed/) as string,
    });
    await expect(store.close()).resolves.toBeUndefined();
  });
});
