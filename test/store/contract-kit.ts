import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { tempDir, type TempDir } from './helpers.js';

export type StoreKind = 'sqlite' | 'postgres';

/** One test's database, fresh for every test, and the stores opened on it. */
export interface ContractDb {
  /** Which implementation this run of the suite exercises. */
  readonly kind: StoreKind;
  /**
   * Opens another store on the test's database: two of them are two processes (or replicas) sharing it.
   * Closed after the test.
   */
  open(): Promise<Store>;
}

// One PostgreSQL server per test file (each file runs in a process of its own), started on first use.
let shared: Promise<PostgresServer> | undefined;
let stopRegistered = false;

/**
 * Runs `body` once per Store implementation, each test on a fresh database: a SQLite file in a temporary
 * folder, or a new database on a PostgreSQL server started once for the file (see startPostgres). Call it
 * at the top level of a test file. This is
 * the contract both stores keep; implementation details stay in the per-store test files.
 */
export function describeStores(title: string, body: (db: ContractDb) => void): void {
  if (!stopRegistered) {
    // Called at the top of a test file: this hook runs once, after every suite of the file.
    stopRegistered = true;
    afterAll(async () => {
      await (await shared)?.stop();
    });
  }
  describe.each<StoreKind>(['sqlite', 'postgres'])(`${title} (%s)`, (kind) => {
    let server: PostgresServer | undefined;
    let dir: TempDir | undefined;
    let url: string | undefined;
    let opened: Store[] = [];
    beforeAll(async () => {
      if (kind === 'postgres') server = await (shared ??= startPostgres());
    }, 60_000);
    beforeEach(async () => {
      if (kind === 'postgres') url = await server!.newDatabase();
      else dir = tempDir();
    });
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
      dir?.cleanup();
      dir = undefined;
    });
    body({
      kind,
      async open() {
        const store =
          kind === 'postgres'
            ? await openPostgresStore({ url: url! })
            : new SqliteStore({ file: dir!.file(), busyTimeoutMs: 10_000 });
        opened.push(store);
        return store;
      },
    });
  });
}
