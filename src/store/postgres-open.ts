import pg from 'pg';
import { systemClock, type Clock } from '../clock.js';
import { JarvisError } from '../errors.js';
import { pendingSteps, type AppliedStep } from './migration-check.js';
import { MIGRATIONS } from './migrations.js';
import { PG_MIGRATIONS } from './postgres-migrations.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`); libpq's `sslmode` is honoured. */
  url: string;
  /** Connections this process keeps open; default 5. */
  poolSize?: number;
  /** How long to wait for a connection (and for another replica's migrations) before UNAVAILABLE. */
  connectTimeoutMs?: number;
  /** Stamps `schema_migrations.applied_at`; nothing else in the store reads a clock. */
  clock?: Clock;
}

/** The advisory lock under which one replica migrates while the others wait: "jarvis" in ASCII. */
export const MIGRATION_LOCK_ID = 0x6a61727669;

/** `url` with its password masked, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the PostgreSQL URL (unparsable)';
  }
}

// BIGINT (times in ms, ids, counts) as numbers: every value Jarvis stores is a safe integer.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (v: string): number => Number(v)
      : (pg.types.getTypeParser(oid, format) as (v: string) => unknown)) as typeof pg.types.getTypeParser,
};

/** The pool of `options.url`; it connects lazily, so open failures surface at {@link migratePostgres}. */
export function createPool(options: PostgresStoreOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 5,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types,
  });
  // An idle connection dropped by the server must not crash the process: the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Turns a failure of the database into a coded error naming the database (password masked): constraint
 * violations are CONFLICT, anything else (unreachable, refused, serialisation failures) UNAVAILABLE.
 * Coded errors and non-database errors pass through unchanged.
 */
export function pgError(err: unknown, where: string): Error {
  if (err instanceof JarvisError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof pg.DatabaseError && typeof code === 'string' && code.startsWith('23')) {
    return new JarvisError('CONFLICT', `The store refused the write: ${message}`, {
      resource: where,
      upstream: code,
    });
  }
  if (
    err instanceof pg.DatabaseError ||
    typeof code === 'string' ||
    /connect|timeout|terminat/i.test(message)
  ) {
    return new JarvisError(
      'UNAVAILABLE',
      `The PostgreSQL database ${where} failed: ${message}. Check that it is reachable and JARVIS_DATABASE_URL is right.`,
      { resource: where, ...(typeof code === 'string' ? { upstream: code } : {}) },
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(message);
}

/**
 * Applies pending steps of {@link PG_MIGRATIONS} once across every replica: under a session advisory lock,
 * so the first replica to start migrates and the others wait for it, then find nothing to do. Each step
 * runs in its own transaction with its record. Returns the versions applied. Throws CONFLICT for a schema
 * newer than this code or from a diverged build, and when PG_MIGRATIONS lags behind the SQLite steps;
 * UNAVAILABLE when the database cannot be reached.
 */
export async function migratePostgres(
  pool: pg.Pool,
  where: string,
  clock: Clock = systemClock,
): Promise<number[]> {
  if (PG_MIGRATIONS.length !== MIGRATIONS.length) {
    throw new JarvisError(
      'CONFLICT',
      `This build knows ${MIGRATIONS.length} schema steps on SQLite but ${PG_MIGRATIONS.length} on PostgreSQL: ` +
        'port the missing steps to postgres-migrations.ts before running on PostgreSQL.',
      { resource: where },
    );
  }
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw pgError(err, where);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT    NOT NULL,
        applied_at BIGINT  NOT NULL
      )`);
      const applied = await client.query<AppliedStep>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      );
      const done: number[] = [];
      for (const step of pendingSteps(applied.rows, PG_MIGRATIONS, where)) {
        await client.query('BEGIN');
        try {
          await client.query(step.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [step.version, step.name, clock.now()],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        done.push(step.version);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } catch (err) {
    throw pgError(err, where);
  } finally {
    client.release();
  }
}
