import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';
import type { FinalStatus, NewDeployment } from '../../src/store/store.js';
import { deployment, storeFactory, T0, tempDir, type TempDir } from './helpers.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe('SqliteStore deployments', () => {
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

  /** Starts and finishes one deployment; returns its id. */
  async function recorded(
    over: Partial<NewDeployment>,
    status: FinalStatus,
    durationMs = 5 * MIN,
  ): Promise<number> {
    const d = await store.startDeployment(deployment(over));
    await store.finishDeployment(
      d.id,
      status,
      status === 'SUCCESS' ? undefined : `${status} on purpose`,
      d.startedAt + durationMs,
    );
    return d.id;
  }

  it('records a deployment as RUNNING with an id, and without absent fields', async () => {
    // Arrange
    const input = deployment({ previousVersion: undefined, previousColour: undefined });

    // Act
    const started = await store.startDeployment(input);

    // Assert
    expect(started).toEqual({
      id: expect.any(Number) as number,
      env: 'prd',
      service: 'checkout',
      version: '1.3.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'alice',
      startedAt: T0,
      status: 'RUNNING',
    });
    expect(await store.getDeployment(started.id)).toEqual(started);
    expect(await store.runningDeployments()).toEqual([started]);
  });

  it('finishes a deployment once with end time, duration and reason', async () => {
    // Arrange
    const started = await store.startDeployment(deployment());

    // Act
    const done = await store.finishDeployment(
      started.id,
      'ROLLED_BACK',
      'error rate 4.2% > 1% at 25%',
      T0 + 90_000,
    );

    // Assert
    expect(done).toMatchObject({
      status: 'ROLLED_BACK',
      reason: 'error rate 4.2% > 1% at 25%',
      endedAt: T0 + 90_000,
      durationMs: 90_000,
      previousVersion: '1.2.0',
      previousColour: 'blue',
    });
    expect(await store.runningDeployments()).toEqual([]);
  });

  it('refuses to finish a deployment twice; the first outcome stands', async () => {
    // Arrange
    const started = await store.startDeployment(deployment());
    await store.finishDeployment(started.id, 'SUCCESS', undefined, T0 + 1);

    // Act
    const second = store.finishDeployment(started.id, 'ABORTED', 'late abort', T0 + 2);

    // Assert
    await expect(second).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('already finished as SUCCESS') as string,
    });
    expect(await store.getDeployment(started.id)).toMatchObject({ status: 'SUCCESS', endedAt: T0 + 1 });
  });

  it('reports NOT_FOUND when finishing an unknown deployment, and undefined when getting one', async () => {
    // Arrange
    const missing = 9_999;

    // Act
    const finish = store.finishDeployment(missing, 'FAILED', undefined, T0);

    // Assert
    await expect(finish).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'deployment/9999' },
    });
    expect(await store.getDeployment(missing)).toBeUndefined();
  });

  it('allows one RUNNING deployment per env and service, naming the one running', async () => {
    // Arrange
    const first = await store.startDeployment(deployment());
    const otherEnv = await store.startDeployment(deployment({ env: 'tst' }));
    const otherService = await store.startDeployment(deployment({ service: 'payments' }));

    // Act
    const second = store.startDeployment(deployment({ version: '1.4.0', actor: 'bob' }));

    // Assert
    await expect(second).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { resource: 'prd/checkout', facts: { deploymentId: first.id, actor: 'alice' } },
    });
    expect((await store.runningDeployments()).map((d) => d.id)).toEqual([
      first.id,
      otherEnv.id,
      otherService.id,
    ]);
  });

  it('lists deployments newest first, filtered by env, service and time, bounded by limit', async () => {
    // Arrange
    const a = await recorded({ startedAt: T0 }, 'SUCCESS');
    const b = await recorded({ startedAt: T0 + DAY, service: 'payments' }, 'FAILED');
    const c = await recorded({ startedAt: T0 + 2 * DAY }, 'SUCCESS');
    await recorded({ startedAt: T0 + DAY, env: 'tst' }, 'SUCCESS');

    // Act
    const all = await store.listDeployments({ env: 'prd', limit: 10 });
    const checkout = await store.listDeployments({ env: 'prd', service: 'checkout', limit: 10 });
    const recent = await store.listDeployments({ env: 'prd', since: T0 + DAY, limit: 10 });
    const window = await store.listDeployments({ env: 'prd', since: T0, until: T0 + 2 * DAY, limit: 10 });
    const newest = await store.listDeployments({ env: 'prd', limit: 1 });
    const everywhere = await store.listDeployments({ limit: 10 });

    // Assert
    expect(all.map((d) => d.id)).toEqual([c, b, a]);
    expect(checkout.map((d) => d.id)).toEqual([c, a]);
    expect(recent.map((d) => d.id)).toEqual([c, b]);
    expect(window.map((d) => d.id)).toEqual([b, a]);
    expect(newest.map((d) => d.id)).toEqual([c]);
    expect(everywhere).toHaveLength(4);
  });

  it('finds the last successful deployment, of a given version when asked', async () => {
    // Arrange
    await recorded({ env: 'tst', version: '1.2.0', startedAt: T0 }, 'SUCCESS');
    const latest = await recorded({ env: 'tst', version: '1.3.0', startedAt: T0 + DAY }, 'SUCCESS');
    await recorded({ env: 'tst', version: '1.4.0', startedAt: T0 + 2 * DAY }, 'ROLLED_BACK');

    // Act
    const any = await store.lastSuccessful('tst', 'checkout');
    const ofVersion = await store.lastSuccessful('tst', 'checkout', '1.2.0');
    const failedVersion = await store.lastSuccessful('tst', 'checkout', '1.4.0');
    const otherEnv = await store.lastSuccessful('prd', 'checkout', '1.3.0');

    // Assert
    expect(any?.id).toBe(latest);
    expect(ofVersion?.version).toBe('1.2.0');
    expect(failedVersion).toBeUndefined();
    expect(otherEnv).toBeUndefined();
  });

  it('counts deployments per env over a range by status and rollback strategy', async () => {
    // Arrange
    await recorded({ env: 'prd', startedAt: T0 }, 'SUCCESS');
    await recorded({ env: 'prd', startedAt: T0 + DAY }, 'FAILED');
    await recorded({ env: 'prd', startedAt: T0 + DAY + 1 }, 'ROLLED_BACK');
    await recorded({ env: 'prd', startedAt: T0 + DAY + 2, strategy: 'rollback' }, 'SUCCESS');
    await recorded({ env: 'prd', startedAt: T0 + DAY + 3 }, 'ABORTED');
    await store.startDeployment(deployment({ env: 'dev', startedAt: T0 + DAY }));
    await recorded({ env: 'tst', startedAt: T0 - DAY }, 'SUCCESS');

    // Act
    const counts = await store.deploymentCounts(T0, T0 + 7 * DAY);

    // Assert
    expect(counts).toEqual([
      {
        env: 'dev',
        deployments: 1,
        successes: 0,
        failures: 0,
        rolledBack: 0,
        aborted: 0,
        running: 1,
        rollbacks: 0,
      },
      {
        env: 'prd',
        deployments: 5,
        successes: 2,
        failures: 1,
        rolledBack: 1,
        aborted: 1,
        running: 0,
        rollbacks: 1,
      },
    ]);
  });

  it.each<[string, Partial<NewDeployment>]>([
    ['an empty env', { env: '' }],
    ['an unknown colour', { colour: 'purple' as never }],
    ['an unknown previous colour', { previousColour: 'red' as never }],
    ['an unknown strategy', { strategy: 'yolo' as never }],
    ['a start time that is not a number', { startedAt: Number.NaN }],
    ['an empty actor', { actor: ' ' }],
  ])('refuses to start a deployment with %s', async (_name, over) => {
    // Arrange
    const input = deployment(over);

    // Act
    const start = store.startDeployment(input);

    // Assert
    await expect(start).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.runningDeployments()).toEqual([]);
  });

  it('refuses RUNNING as a final status and out-of-range limits', async () => {
    // Arrange
    const started = await store.startDeployment(deployment());

    // Act
    const finish = store.finishDeployment(started.id, 'RUNNING' as FinalStatus, undefined, T0);
    const list = store.listDeployments({ limit: 0 });

    // Assert
    await expect(finish).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(list).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.deploymentCounts(T0, T0 - 1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
