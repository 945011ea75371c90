// Several replicas on PostgreSQL: what the shared store costs on the rollout's hot path, and how long a
// killed replica's rollout takes to be healed by another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { lockKey, type Store } from '../../src/store/store.js';
import { visibleText } from '../../test/helpers/fake-slack.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { startReplicaWorld, until, type Replica, type ReplicaWorld } from '../../test/helpers/replicas.js';
import type { Figure } from './stats.js';

async function appendMean(store: Store, entries: number): Promise<number> {
  const d = await store.startDeployment({
    env: 'dev',
    service: 'checkout',
    version: '1.0.0',
    colour: 'green',
    strategy: 'blue-green',
    actor: 'bench',
    startedAt: Date.now(),
  });
  const lock = await store.acquireLock(lockKey('dev', 'checkout'), 'bench', 600_000, Date.now());
  const token = lock.acquired ? lock.lock.token : undefined;
  const t0 = performance.now();
  for (let seq = 1; seq <= entries; seq++) {
    await store.appendJournal({
      deploymentId: d.id,
      seq,
      state: 'shift',
      data: { step: seq % 100, from: { blue: 50, green: 50 } },
      at: Date.now(),
      ...(token === undefined ? {} : { token }),
    });
  }
  return (performance.now() - t0) / entries;
}

/** One fenced journal append (the token checked in the same statement), durable, on each store. */
export async function benchStores(entries = 1000): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-stores-'));
  const server = await startPostgres({ durable: true });
  try {
    const sqlite = new SqliteStore(join(dir, 'jarvis.db'));
    const onSqlite = await appendMean(sqlite, entries).finally(() => sqlite.close());
    const pg = await openPostgresStore({ url: await server.newDatabase() });
    const onPg = await appendMean(pg, entries).finally(() => pg.close());
    return [
      {
        name: `fenced journal append, SQLite (file, WAL), mean of ${entries}`,
        value: onSqlite * 1000,
        unit: 'µs',
      },
      {
        name: `fenced journal append, PostgreSQL (loopback, fsync on), mean of ${entries}`,
        value: onPg * 1000,
        unit: 'µs',
        note: `fsync per commit; ${(onPg / onSqlite).toFixed(1)}× SQLite`,
      },
    ];
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const TIME_SCALE = 60;

/** Deploys through `runner` and resolves once the new colour takes part of the traffic. */
async function midShift(world: ReplicaWorld, runner: Replica, version: string): Promise<number> {
  const thread = await runner.say('U0BENCH', `deploy ${version} to dev`);
  const confirm = await world.slack.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.params.thread_ts === thread &&
      visibleText(c).includes('confirm this change'),
    20_000,
  );
  await runner.press('U0BENCH', confirm, 'jarvis_confirm');
  const [d] = await until(
    () => world.store.runningDeployments(),
    (r) => r.length > 0,
    20_000,
    'a deployment',
  );
  await until(
    () => world.weights('dev', 'checkout')[d!.colour],
    (w) => w > 0 && w < 100,
    30_000,
    'a shift step',
  );
  return d!.id;
}

/**
 * Two `jarvis serve` on one PostgreSQL: the replica running a rollout is SIGKILLed mid-shift; timed to the
 * other replica's verified abort (weights 100 on the stable colour, deployment ABORTED). "Another host":
 * the dead holder's name is moved to a host whose processes cannot be seen, so only the lease's end lets
 * the other replica in (as between two pods).
 */
export async function benchReplicaFailover(): Promise<Figure[]> {
  const world = await startReplicaWorld(TIME_SCALE);
  const figures: Figure[] = [];
  try {
    const intervalMs = 5_000;
    const leaseRealMs = 120_000 / TIME_SCALE;
    const survivor = await world.start('survivor');
    for (const [i, where] of (['same host', 'another host'] as const).entries()) {
      const runner = await world.start(`runner-${i}`);
      const id = await midShift(world, runner, `1.4.${i}`);
      runner.proc.child.kill('SIGKILL');
      await new Promise<void>((resolve) => runner.proc.child.once('exit', () => resolve()));
      const killedAt = performance.now();
      if (where === 'another host') {
        const key = lockKey('dev', 'checkout');
        const lock = await world.store.getLock(key);
        const now = world.sandbox.clock.now();
        if (lock)
          await world.store.takeOverLock(
            key,
            lock.holder,
            'bench [elsewhere:1#abcdef]',
            lock.expiresAt - now,
            now,
          );
      }
      const goal = leaseRealMs + intervalMs + 1000;
      const healed = await until(
        async () => ({ d: await world.store.getDeployment(id), w: world.weights('dev', 'checkout') }),
        ({ d, w }) => d?.status !== 'RUNNING' && (w.blue === 100 || w.green === 100),
        goal + 10_000,
        'the survivor to heal',
      ).then(
        () => performance.now() - killedAt,
        () => Number.NaN,
      );
      figures.push({
        name: `2 replicas, SIGKILL → verified 100% stable (${where}; lease ${leaseRealMs} ms, interval ${intervalMs} ms)`,
        value: healed,
        unit: 'ms',
        goal: `≤ ${goal}`,
        ok: healed <= goal,
        ...(Number.isNaN(healed) ? { note: 'not healed' } : {}),
      });
    }
    await survivor.proc.stop();
  } finally {
    await world.close();
  }
  return figures;
}
