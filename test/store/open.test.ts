import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { tempDir, type TempDir } from './helpers.js';

describe('choosing the store', () => {
  let t: TempDir | undefined;
  afterEach(() => t?.cleanup());

  it('opens the SQLite file of the data directory when no database URL is set', async () => {
    t = tempDir();
    const store = await openStore({ dataDir: t.dir });
    try {
      expect(store).toBeInstanceOf(SqliteStore);
      expect(existsSync(join(t.dir, 'jarvis.db'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('refuses a JARVIS_DATABASE_URL that is not a postgres:// URL, saying what it must be', () => {
    let thrown: unknown;
    try {
      loadEnvSettings({ JARVIS_DATABASE_URL: 'mysql://db/jarvis' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^JARVIS_DATABASE_URL: must be a postgres:\/\/ \(or postgresql:\/\/\) URL/),
    ]);
    expect(
      loadEnvSettings({ JARVIS_DATABASE_URL: 'postgresql://u:p@db:5432/jarvis' }).JARVIS_DATABASE_URL,
    ).toBe('postgresql://u:p@db:5432/jarvis');
  });

  it('tells the person at jarvis audit --verify that the database is unreachable, without its password, and fails', () => {
    t = tempDir();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', '--verify'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        JARVIS_DATA_DIR: t.dir,
        JARVIS_DATABASE_URL: 'postgres://jarvis:s3cret@127.0.0.1:1/jarvis',
      },
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      'UNAVAILABLE: The PostgreSQL database postgres://jarvis:***@127.0.0.1:1/jarvis failed',
    );
    expect(run.stderr + run.stdout).not.toContain('s3cret');
    expect(existsSync(join(t.dir, 'jarvis.db'))).toBe(false);
  }, 30_000);
});
