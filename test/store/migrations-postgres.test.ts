import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { PG_MIGRATIONS } from '../../src/store/postgres-migrations.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { T0 } from './helpers.js';

async function sql<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL migrations', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server.stop();
  });

  it('has a PostgreSQL twin of every SQLite step, with the same version and name', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('applies every step once when several replicas start at the same moment; the others wait and find it done', async () => {
    // Arrange
    const url = await server.newDatabase();

    // Act
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url })));
    await stores[0]!.startDeployment({
      env: 'prd',
      service: 'checkout',
      version: '1.3.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'alice',
      startedAt: T0,
    });
    const seen = await Promise.all(stores.map((s) => s.runningDeployments()));
    await Promise.all(stores.map((s) => s.close()));

    // Assert
    const steps = await sql<{ version: number; name: string }>(
      url,
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(steps.map((s) => Number(s.version))).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    expect(seen.map((list) => list.length)).toEqual([1, 1, 1]);
  });

  it('refuses a database with a newer schema, naming both versions, and changes nothing', async () => {
    // Arrange
    const url = await server.newDatabase();
    await (await openPostgresStore({ url })).close();
    await sql(
      url,
      `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${SCHEMA_VERSION + 1}, 'future', 0)`,
    );

    // Act
    const opening = openPostgresStore({ url });

    // Assert
    await expect(opening).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(
        `schema version ${SCHEMA_VERSION + 1}, newer than the ${SCHEMA_VERSION}`,
      ) as string,
    });
    expect(await sql(url, 'SELECT version FROM schema_migrations')).toHaveLength(SCHEMA_VERSION + 1);
  });

  it('keeps the audit log append-only in the database itself', async () => {
    // Arrange
    const url = await server.newDatabase();
    const store = await openPostgresStore({ url });
    await store.appendAudit({
      at: T0,
      actor: 'alice',
      channel: 'slack',
      tool: 'deploy',
      inputSummary: 'deploy 1.3.0 to prd',
      decision: 'allow',
      outcome: 'ok',
    });
    await store.close();

    // Act / Assert
    await expect(sql(url, `UPDATE audit_log SET outcome = 'error'`)).rejects.toThrow(
      /append-only: rows cannot be updated/,
    );
    await expect(sql(url, 'DELETE FROM audit_log')).rejects.toThrow(/append-only: rows cannot be deleted/);
    expect(await sql(url, 'SELECT outcome FROM audit_log')).toEqual([{ outcome: 'ok' }]);
  });

  it('reports an unreachable database as UNAVAILABLE without its password', async () => {
    const opening = openPostgresStore({
      url: 'postgres://jarvis:s3cret@127.0.0.1:1/jarvis',
      connectTimeoutMs: 2000,
    });
    const err = (await opening.catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    expect(err.message).toContain('postgres://jarvis:***@127.0.0.1:1/jarvis');
    expect(err.message).not.toContain('s3cret');
  });
});
