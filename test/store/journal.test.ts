import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { deployment, runFixture, storeFactory, T0, tempDir, type TempDir } from './helpers.js';

describe('SqliteStore rollout journal', () => {
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

  it('returns the journal in seq order with its data as written', async () => {
    // Arrange
    const d = await store.startDeployment(deployment());
    const steps = [
      { seq: 1, state: 'prepare', data: { colour: 'green', replicas: 3 } },
      { seq: 2, state: 'shift', data: { step: 10, weights: { blue: 90, green: 10 } } },
      { seq: 5, state: 'shift', data: { step: 25, weights: { blue: 75, green: 25 }, note: null } },
    ];

    // Act
    for (const [i, s] of steps.entries()) await store.appendJournal({ deploymentId: d.id, ...s, at: T0 + i });
    const journal = await store.journal(d.id);

    // Assert
    expect(journal).toEqual(steps.map((s, i) => ({ deploymentId: d.id, ...s, at: T0 + i })));
    expect(await store.journal(d.id + 1)).toEqual([]);
  });

  it('refuses an entry whose seq is not after the last one, naming the last', async () => {
    // Arrange
    const d = await store.startDeployment(deployment());
    await store.appendJournal({ deploymentId: d.id, seq: 3, state: 'shift', data: {}, at: T0 });

    // Act
    const same = store.appendJournal({ deploymentId: d.id, seq: 3, state: 'shift', data: {}, at: T0 + 1 });
    const earlier = store.appendJournal({ deploymentId: d.id, seq: 2, state: 'shift', data: {}, at: T0 + 1 });

    // Assert
    await expect(same).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { facts: { seq: 3, lastSeq: 3 } },
    });
    await expect(earlier).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.journal(d.id)).toHaveLength(1);
  });

  it('closes the journal when the deployment finishes', async () => {
    // Arrange
    const d = await store.startDeployment(deployment());
    await store.appendJournal({ deploymentId: d.id, seq: 1, state: 'shift', data: { step: 10 }, at: T0 });
    await store.finishDeployment(d.id, 'ABORTED', 'recovered by another process', T0 + 1);

    // Act
    const late = store.appendJournal({
      deploymentId: d.id,
      seq: 2,
      state: 'shift',
      data: { step: 25 },
      at: T0 + 2,
    });

    // Assert
    await expect(late).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('no longer owns the rollout') as string,
    });
    expect(await store.journal(d.id)).toHaveLength(1);
  });

  it.each([
    ['an unknown deployment', { deploymentId: 777 }, 'NOT_FOUND'],
    ['a negative seq', { seq: -1 }, 'INVALID_INPUT'],
    ['an empty state', { state: '' }, 'INVALID_INPUT'],
    ['data that is not an object', { data: [1, 2] as never }, 'INVALID_INPUT'],
    ['data carrying a one-time code', { data: { mfa: { totpCode: '123456' } } }, 'INVALID_INPUT'],
    ['data JSON cannot carry', { data: { big: 1n } }, 'INVALID_INPUT'],
  ])('refuses %s', async (_name, over, code) => {
    // Arrange
    const d = await store.startDeployment(deployment());

    // Act
    const append = store.appendJournal({
      deploymentId: d.id,
      seq: 1,
      state: 'shift',
      data: {},
      at: T0,
      ...over,
    });

    // Assert
    await expect(append).rejects.toMatchObject({ code });
    expect(await store.journal(d.id)).toEqual([]);
  });

  it('lists unfinished rollouts with their last entry, or none when nothing was journaled', async () => {
    // Arrange
    const journaled = await store.startDeployment(deployment());
    await store.appendJournal({ deploymentId: journaled.id, seq: 1, state: 'prepare', data: {}, at: T0 });
    await store.appendJournal({
      deploymentId: journaled.id,
      seq: 2,
      state: 'shift',
      data: { step: 50 },
      at: T0 + 1,
    });
    const silent = await store.startDeployment(deployment({ env: 'tst', startedAt: T0 + 5 }));
    const finished = await store.startDeployment(deployment({ env: 'dev' }));
    await store.finishDeployment(finished.id, 'SUCCESS', undefined, T0 + 9);

    // Act
    const unfinished = await store.unfinishedRollouts();

    // Assert
    expect(unfinished).toEqual([
      {
        deployment: journaled,
        last: { deploymentId: journaled.id, seq: 2, state: 'shift', data: { step: 50 }, at: T0 + 1 },
      },
      { deployment: silent },
    ]);
  });

  it('keeps every appended entry when the process is killed right after (SIGKILL)', async () => {
    // Arrange
    const file = t.file('crash.db');

    // Act
    const child = await runFixture('journal-then-die.ts', [file, '7']);
    const reopened = new SqliteStore(file);
    const deploymentId = Number(child.stdout.trim());
    const journal = await reopened.journal(deploymentId);
    const unfinished = await reopened.unfinishedRollouts();
    await reopened.close();

    // Assert
    expect(child.signal).toBe('SIGKILL');
    expect(journal.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(unfinished).toHaveLength(1);
    expect(unfinished[0]?.last).toMatchObject({ seq: 7, state: 'shift', data: { step: 70 } });
  });
});
