import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export interface StoreChoice {
  /** JARVIS_DATABASE_URL: a `postgres://` URL chooses the PostgreSQL store (several replicas). */
  databaseUrl?: string | undefined;
  /** The SQLite file otherwise (one host); default `<dataDir>/jarvis.db`. */
  file?: string | undefined;
  /** JARVIS_DATA_DIR, where the default SQLite file lives. */
  dataDir: string;
  clock?: Clock | undefined;
}

/** Where a store choice points, for messages: the URL (password masked) or the file. */
export function storeLocation(choice: StoreChoice): string {
  return choice.databaseUrl ?? choice.file ?? join(choice.dataDir, 'jarvis.db');
}

/**
 * Opens the store the settings choose: PostgreSQL when a database URL is given, else the embedded SQLite
 * file. Both apply pending migrations first. Rejects as the chosen store's opening does (UNAVAILABLE,
 * CONFLICT).
 */
export async function openStore(choice: StoreChoice): Promise<Store> {
  if (choice.databaseUrl !== undefined) {
    // The PostgreSQL driver is loaded only by a process that uses it.
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({ url: choice.databaseUrl, ...(choice.clock ? { clock: choice.clock } : {}) });
  }
  const file = choice.file ?? join(choice.dataDir, 'jarvis.db');
  return new SqliteStore({ file, ...(choice.clock ? { clock: choice.clock } : {}) });
}
