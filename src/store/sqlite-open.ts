import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../clock.js';
import { JarvisError } from '../errors.js';
import { migrate } from './migrations.js';
import { storeError } from './sqlite-rows.js';

/** Where the embedded store lives unless told otherwise, relative to the working directory. */
export const DEFAULT_DB_FILE = 'data/jarvis.db';

export interface SqliteStoreOptions {
  /** The database file (its directory is created), or `:memory:` for a private, throw-away store. */
  file?: string;
  /** How long a write waits for another process's transaction before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
  /**
   * `normal` (default): with WAL, a committed transaction survives a crash of the process, which is what
   * recovery needs, at the cost of one write() per commit; a power loss may drop the last commits but never
   * corrupts the file. `full`: also fsync on every commit, for power-loss durability, several times slower.
   */
  synchronous?: 'normal' | 'full';
  /** Stamps `schema_migrations.applied_at`; nothing else in the store reads a clock. */
  clock?: Clock;
}

export interface OpenedDatabase {
  db: Database.Database;
  /** The absolute path of the database file, or `:memory:`. */
  file: string;
  busyTimeoutMs: number;
}

/**
 * Opens (creating it and its directory when absent) the database, sets it up and applies pending
 * migrations. Throws CONFLICT when the file's schema is newer than this code, UNAVAILABLE when the file
 * cannot be opened or WAL cannot be enabled on it; the file is left closed then.
 */
export function openDatabase(options: SqliteStoreOptions): OpenedDatabase {
  const given = options.file ?? DEFAULT_DB_FILE;
  const file = given === ':memory:' ? given : resolve(given);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (err) {
    throw storeError(err, file, busyTimeoutMs);
  }
  try {
    // Waiting for a lock held by another process, rather than failing at once, is what lets several
    // processes (the bot, `jarvis audit`, a recovering replica) share the file.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL lets readers (status, history) run while a rollout writes its journal, across processes.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && file !== ':memory:') {
      throw new JarvisError(
        'UNAVAILABLE',
        `Cannot enable WAL on ${file} (journal mode stays "${String(mode)}"); put the database on a local disk.`,
        { resource: file },
      );
    }
    // See SqliteStoreOptions.synchronous: NORMAL under WAL is durable across process crashes.
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // SQLite leaves foreign keys unchecked unless asked, per connection.
    db.pragma('foreign_keys = ON');
    migrate(db, file, (options.clock ?? systemClock).now());
  } catch (err) {
    db.close();
    throw storeError(err, file, busyTimeoutMs);
  }
  return { db, file, busyTimeoutMs };
}
