import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A PostgreSQL server of the machine's, started by a test in a temporary folder on a free port. */
export interface PostgresServer {
  /** `postgres://jarvis@127.0.0.1:<port>/postgres`. */
  url: string;
  /** Creates a fresh, empty database and returns its URL: one per test keeps tests apart. */
  newDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

/** Where initdb and pg_ctl are: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
export function postgresBin(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return join(onPath, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(
      'Running as root, and there is no postgres user to run PostgreSQL as (apt-get install postgresql).',
    );
  }
  return { uid, gid };
}

let counter = 0;

/**
 * Runs `initdb` into a temporary folder and `pg_ctl start` on a free loopback port, trusting local
 * connections (user `jarvis`). Durability is turned off (fsync, synchronous_commit): these servers are
 * thrown away, and the 2-core machine is shared. Start one per test file, in `beforeAll`.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin)
    throw new Error(
      'PostgreSQL is not installed: initdb and pg_ctl were not found (apt-get install postgresql).',
    );
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-pg-'));
  const data = join(dir, 'data');
  const owner = runAs();
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const as = owner ?? {};
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'jarvis', '-A', 'trust', '-E', 'UTF8', '--no-sync'], as);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=60',
    '-c shared_buffers=16MB',
    ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  await run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start'], as);
  const url = `postgres://jarvis@127.0.0.1:${port}/postgres`;
  return {
    url,
    async newDatabase() {
      const name = `t${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://jarvis@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], as).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
