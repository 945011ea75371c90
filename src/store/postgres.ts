import type { Clock } from '../clock.js';
import { PgDb } from './postgres-db.js';
import { pgDeployments } from './postgres-deployments.js';
import { pgJournal, pgLeases } from './postgres-leases.js';
import { pgPolicyRecords } from './postgres-policy.js';
import { pgProgressMessages } from './postgres-progress.js';
import { createPool, migratePostgres, safeUrl, type PostgresStoreOptions } from './postgres-open.js';
import { pgAudit, pgMfa, pgReplay } from './postgres-security.js';
import type { Store } from './store.js';

export { safeUrl, type PostgresStoreOptions } from './postgres-open.js';

/** The Store on PostgreSQL, shared by several replicas. */
export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  /** The database URL with its password masked. */
  readonly where: string;
}

/**
 * Opens the PostgreSQL store: connects and applies pending migrations under an advisory lock (the first
 * replica to start migrates, the others wait). Rejects with UNAVAILABLE when the database cannot be
 * reached, CONFLICT when its schema is newer than this code or from a diverged build.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const where = safeUrl(options.url);
  const pool = createPool(options);
  try {
    await migratePostgres(pool, where, options.clock satisfies Clock | undefined);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const db = new PgDb(pool, where);
  return {
    kind: 'postgres',
    where,
    ...pgDeployments(db),
    ...pgJournal(db),
    ...pgLeases(db),
    ...pgAudit(db),
    ...pgMfa(db),
    ...pgReplay(db),
    ...pgPolicyRecords(db),
    ...pgProgressMessages(db),
    close: () => db.close(),
  };
}
