import { beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeStores } from './contract-kit.js';
import { deployment, T0 } from './helpers.js';

const where = {
  channel: 'C0JARVISCI',
  ts: '1700000002.000002',
  threadTs: '1700000000.000100',
  title: 'deploy checkout 1.3.0 to prd',
};

// Where rollouts' progress messages are (migration 13), on both stores, each test with two stores on one
// database: the replica that posted the message, and the one that adopts its rollout.
describeStores('progress messages in the store', (db) => {
  let poster: Store;
  let adopter: Store;
  beforeEach(async () => {
    poster = await db.open();
    adopter = await db.open();
  });

  it('shows where a rollout’s progress message is to another replica, the latest record standing', async () => {
    // Arrange
    const d = await poster.startDeployment(deployment());
    const other = await poster.startDeployment(deployment({ service: 'catalog' }));

    // Act
    await poster.putProgressMessage(d.id, { ...where, ts: '1700000001.000001' }, T0);
    await poster.putProgressMessage(d.id, where, T0 + 1);
    await poster.putProgressMessage(other.id, { ...where, threadTs: undefined, title: undefined }, T0 + 2);

    // Assert
    expect(await adopter.progressMessage(d.id)).toEqual(where);
    expect(await adopter.progressMessage(other.id)).toEqual({
      channel: where.channel,
      ts: where.ts,
      threadTs: undefined,
      title: undefined,
    });
    expect(await adopter.progressMessage(other.id + 1)).toBeUndefined();
  });

  it('refuses a message of an unknown deployment (NOT_FOUND) and a malformed one (INVALID_INPUT)', async () => {
    // Arrange
    const d = await poster.startDeployment(deployment());

    // Act and Assert
    await expect(poster.putProgressMessage(d.id + 1, where, T0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(poster.putProgressMessage(d.id, { ...where, ts: '' }, T0)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await adopter.progressMessage(d.id)).toBeUndefined();
  });
});
