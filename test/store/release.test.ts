import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { lockKey, type ReleaseOutcome } from '../../src/store/store.js';
import { storeFactory, T0, tempDir, type TempDir } from './helpers.js';

const KEY = lockKey('dev', 'checkout');
const LEASE = 30_000;

const deployment = (version: string, colour: 'blue' | 'green' = 'green') => ({
  env: 'dev',
  service: 'checkout',
  version,
  colour,
  previousVersion: '1.2.0',
  previousColour: colour === 'green' ? ('blue' as const) : ('green' as const),
  strategy: 'blue-green' as const,
  actor: 'alice',
  startedAt: T0,
});

const success: ReleaseOutcome = {
  state: {
    live: { colour: 'green', version: '1.3.0', verdict: 'known_good', at: T0 + 10 },
    standby: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: T0 + 5 },
    weights: { blue: 0, green: 100 },
  },
  verdicts: [
    { version: '1.3.0', verdict: 'known_good', at: T0 + 10 },
    { version: '1.2.0', verdict: 'known_good', at: T0 + 5 },
  ],
};

describe('SqliteStore release state, fencing and commands', () => {
  let t: TempDir;
  let factory: ReturnType<typeof storeFactory>;
  let store: SqliteStore;
  beforeEach(() => {
    t = tempDir();
    factory = storeFactory(t);
    store = factory.open();
  });
  afterEach(async () => {
    await factory.closeAll();
    t.cleanup();
  });

  it('records the release state and verdicts with the outcome, in one transaction', async () => {
    const d = await store.startDeployment(deployment('1.3.0'));

    await store.finishDeployment(d.id, 'SUCCESS', undefined, T0 + 10, success);

    expect(await store.getReleaseState('dev', 'checkout')).toEqual({
      env: 'dev',
      service: 'checkout',
      live: { colour: 'green', version: '1.3.0', verdict: 'known_good', at: T0 + 10 },
      standby: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: T0 + 5 },
      weights: { blue: 0, green: 100 },
      deploymentId: d.id,
      updatedAt: T0 + 10,
      source: 'recorded',
    });
    expect((await store.versionVerdicts('dev', 'checkout')).map((v) => [v.version, v.verdict])).toEqual([
      ['1.3.0', 'known_good'],
      ['1.2.0', 'known_good'],
    ]);
    expect(await store.listReleaseStates()).toHaveLength(1);
  });

  it('writes nothing of the outcome when the deployment had already finished', async () => {
    const d = await store.startDeployment(deployment('1.3.0'));
    await store.finishDeployment(d.id, 'ABORTED', 'cancelled', T0 + 5);

    await expect(store.finishDeployment(d.id, 'SUCCESS', undefined, T0 + 10, success)).rejects.toMatchObject({
      code: 'CONFLICT',
    });

    expect(await store.getReleaseState('dev', 'checkout')).toBeUndefined();
    expect(await store.versionVerdicts('dev', 'checkout')).toEqual([]);
  });

  it('marks the release a rollback took back ROLLED_BACK with the reason, and the last verdict wins', async () => {
    const release = await store.startDeployment(deployment('1.3.0'));
    await store.finishDeployment(release.id, 'SUCCESS', undefined, T0 + 10, success);
    const back = await store.startDeployment({ ...deployment('1.2.0', 'blue'), strategy: 'rollback' });

    await store.finishDeployment(back.id, 'SUCCESS', undefined, T0 + 20, {
      state: {
        live: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: T0 + 5 },
        standby: { colour: 'green', version: '1.3.0', verdict: 'failed', at: T0 + 20, reason: 'p99 spiking' },
        weights: { blue: 100, green: 0 },
      },
      verdicts: [{ version: '1.3.0', verdict: 'failed', at: T0 + 20, reason: 'p99 spiking' }],
      rolledBack: { deploymentId: release.id, reason: 'rolled back by #2: p99 spiking' },
    });

    expect(await store.getDeployment(release.id)).toMatchObject({
      status: 'ROLLED_BACK',
      reason: 'rolled back by #2: p99 spiking',
    });
    expect((await store.versionVerdicts('dev', 'checkout')).map((v) => [v.version, v.verdict])).toEqual([
      ['1.3.0', 'failed'],
      ['1.2.0', 'known_good'],
    ]);
    expect((await store.getReleaseState('dev', 'checkout'))?.standby).toMatchObject({
      version: '1.3.0',
      verdict: 'failed',
    });
  });

  it('gives every grant a larger fencing token, and refuses journal entries of a fenced-off holder', async () => {
    const d = await store.startDeployment(deployment('1.3.0'));
    const first = await store.acquireLock(KEY, 'alice', LEASE, T0);
    if (!first.acquired) throw new Error('not acquired');
    await store.appendJournal({
      deploymentId: d.id,
      seq: 1,
      state: 'shift',
      data: {},
      at: T0,
      token: first.lock.token,
    });

    // Alice stalls past her lease; Bob takes the lock over.
    const second = await store.acquireLock(KEY, 'bob', LEASE, T0 + LEASE);
    if (!second.acquired) throw new Error('not acquired');
    expect(second.lock.token).toBeGreaterThan(first.lock.token);

    await expect(
      store.appendJournal({
        deploymentId: d.id,
        seq: 2,
        state: 'shift',
        data: {},
        at: T0 + LEASE,
        token: first.lock.token,
      }),
    ).rejects.toMatchObject({
      code: 'LOCKED',
      message: expect.stringMatching(/moved on from token/) as unknown as string,
    });
    await store.appendJournal({
      deploymentId: d.id,
      seq: 2,
      state: 'recover',
      data: {},
      at: T0 + LEASE,
      token: second.lock.token,
    });
    expect((await store.journal(d.id)).map((e) => e.state)).toEqual(['shift', 'recover']);
  });

  it('takes a live lease over from a named holder only, with a new token', async () => {
    const first = await store.acquireLock(KEY, 'dead [host:1#aa]', LEASE, T0);
    if (!first.acquired) throw new Error('not acquired');

    const wrong = await store.takeOverLock(KEY, 'someone else', 'me', LEASE, T0 + 1);
    const taken = await store.takeOverLock(KEY, 'dead [host:1#aa]', 'me', LEASE, T0 + 1);
    const again = await store.takeOverLock(KEY, 'dead [host:1#aa]', 'other', LEASE, T0 + 2);

    expect(wrong).toBeUndefined();
    expect(taken).toMatchObject({ holder: 'me', expiresAt: T0 + 1 + LEASE });
    expect(taken!.token).toBeGreaterThan(first.lock.token);
    expect(again).toBeUndefined();
    expect(await store.getLock(KEY)).toMatchObject({ holder: 'me' });
  });

  it('queues commands for a running deployment across store handles and hands each out once', async () => {
    const other = factory.open();
    const d = await store.startDeployment(deployment('1.3.0'));

    await other.queueCommand({ deploymentId: d.id, command: 'pause', actor: 'bob', at: T0 });
    await other.queueCommand({
      deploymentId: d.id,
      command: 'abort',
      actor: 'carol',
      reason: 'p99',
      at: T0 + 1,
    });

    const taken = await store.takeCommands(d.id);
    expect(taken.map((c) => [c.command, c.actor, c.reason])).toEqual([
      ['pause', 'bob', undefined],
      ['abort', 'carol', 'p99'],
    ]);
    expect(await store.takeCommands(d.id)).toEqual([]);

    await store.finishDeployment(d.id, 'ABORTED', 'carol aborted', T0 + 2);
    await expect(
      other.queueCommand({ deploymentId: d.id, command: 'abort', actor: 'dave', at: T0 + 3 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
