import { beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeStores } from './contract-kit.js';
import { T0 } from './helpers.js';

const approval = (approver: string, hash = 'plan-a', at = T0) => ({
  planHash: hash,
  tool: 'deploy_service',
  env: 'prd',
  service: 'checkout',
  requester: 'alice',
  approver,
  at,
  expiresAt: at + 900_000,
});

// Approvals and freezes (migration 10) on both stores, each test with two stores on one database: two
// processes, or two replicas.
describeStores('approvals and freezes in the store', (db) => {
  let one: Store;
  let other: Store;
  beforeEach(async () => {
    one = await db.open();
    other = await db.open();
  });

  it('counts each approver once per plan, shows them to another replica, and uses them once', async () => {
    // Act
    const first = await one.recordApproval(approval('bob'));
    const again = await other.recordApproval(approval('bob'));
    await other.recordApproval(approval('carol'));
    await one.recordApproval(approval('dave', 'plan-b'));
    const seen = await other.approvalsFor('plan-a', T0 + 1);
    const used = await one.consumeApprovals('plan-a', T0 + 2);
    const after = await other.approvalsFor('plan-a', T0 + 3);

    // Assert
    expect([first, again]).toEqual([true, false]);
    expect(seen.map((a) => a.approver)).toEqual(['bob', 'carol']);
    expect(used.map((a) => [a.approver, a.usedAt])).toEqual([
      ['bob', T0 + 2],
      ['carol', T0 + 2],
    ]);
    expect(after).toEqual([]);
    expect((await one.approvalsFor('plan-b', T0 + 3)).map((a) => a.approver)).toEqual(['dave']);
  });

  it('forgets approvals once they expire', async () => {
    // Arrange
    await one.recordApproval(approval('bob'));

    // Act
    const before = await other.approvalsFor('plan-a', T0 + 899_999);
    const at = await other.approvalsFor('plan-a', T0 + 900_000);

    // Assert
    expect(before).toHaveLength(1);
    expect(at).toEqual([]);
  });

  it('keeps freezes until they end or are lifted, for every replica', async () => {
    // Arrange
    await one.putFreeze({ env: 'prd', reason: 'INC-42', actor: 'ada', at: T0, until: undefined });
    await one.putFreeze({
      env: 'prd',
      reason: 'release train',
      actor: 'ada',
      at: T0 + 1,
      until: T0 + 60_000,
    });
    await one.putFreeze({ env: 'tst', reason: 'audit', actor: 'ada', at: T0, until: undefined });

    // Act
    const active = await other.activeFreezes('prd', T0 + 2);
    const later = await other.activeFreezes('prd', T0 + 60_000);
    const lifted = await other.liftFreezes('prd', 'ada', T0 + 60_001);
    const none = await one.activeFreezes('prd', T0 + 60_002);

    // Assert
    expect(active.map((f) => f.reason)).toEqual(['release train', 'INC-42']);
    expect(later.map((f) => f.reason)).toEqual(['INC-42']);
    expect(lifted).toBe(1);
    expect(none).toEqual([]);
    expect((await one.activeFreezes('tst', T0 + 60_002)).map((f) => f.reason)).toEqual(['audit']);
  });

  it('refuses a malformed record with INVALID_INPUT and records nothing', async () => {
    // Act
    const refused = one.recordApproval({ ...approval('bob'), planHash: '' });

    // Assert
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await one.approvalsFor('plan-a', T0)).toEqual([]);
  });

  it('counts an approver once when two replicas record the same approval at the same time', async () => {
    const results = await Promise.all([
      one.recordApproval(approval('bob')),
      other.recordApproval(approval('bob')),
    ]);

    expect(results.sort()).toEqual([false, true]);
    expect(await one.approvalsFor('plan-a', T0 + 1)).toHaveLength(1);
  });
});
