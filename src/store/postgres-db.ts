import type pg from 'pg';
import { pgError } from './postgres-open.js';
import { storeClosed } from './refusals.js';

/** Runs one statement; rows come back with BIGINT as numbers. */
export type Query = <R extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  params?: readonly unknown[],
) => Promise<pg.QueryResult<R>>;

/**
 * The pool of one PostgreSQL store, with the two ways of using it: one autocommit statement, or a
 * transaction on one connection. Failures become coded errors naming the database (see pgError); after
 * `close` every call rejects with UNAVAILABLE.
 */
export class PgDb {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    /** The database, password masked. */
    readonly where: string,
  ) {}

  readonly query: Query = async (sql, params) => {
    if (this.closed) throw storeClosed(this.where);
    try {
      return await this.pool.query(sql, params as unknown[]);
    } catch (err) {
      throw pgError(err, this.where);
    }
  };

  /**
   * Runs `fn` in one READ COMMITTED transaction: committed when it resolves, rolled back when it throws
   * (resolving with the value of a thrown {@link Rollback}). Row locks taken in it hold until then.
   */
  async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    if (this.closed) throw storeClosed(this.where);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw pgError(err, this.where);
    }
    const q: Query = async (sql, params) => {
      try {
        return await client.query(sql, params as unknown[]);
      } catch (err) {
        throw pgError(err, this.where);
      }
    };
    let broken = false;
    try {
      await q('BEGIN');
      const result = await fn(q);
      await q('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (err instanceof Rollback) return err.value as T;
      throw pgError(err, this.where);
    } finally {
      // A connection that could not even roll back is not given to the next caller.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Thrown inside {@link PgDb.tx} to undo the transaction and resolve with `value`. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rolled back');
  }
}
