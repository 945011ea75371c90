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

const question = (id: string, at = T0) => ({
  id,
  planHash: 'plan-a',
  tool: 'deploy_service',
  env: 'prd',
  service: 'checkout',
  requester: 'alice',
  summary: 'deploy checkout 1.3.0 to prd',
  required: 2,
  channel: 'C0JARVISCI',
  threadTs: '1700000000.000100',
  messageTs: '1700000001.000001',
  at,
  expiresAt: at + 600_000,
});
const approve = (by: string, at = T0 + 1) => ({
  kind: 'approved' as const,
  by,
  at,
  approvalExpiresAt: at + 900_000,
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

  it('answers an approval question once for every replica, recording the approval with the answer', async () => {
    // Arrange: one replica asks.
    await one.openApprovalQuestion(question('q1'));

    // Act: another replica reads it and answers; a later press anywhere finds it answered.
    const seen = await other.approvalQuestion('q1');
    const answered = await other.answerApprovalQuestion('q1', approve('bob'));
    const again = await one.answerApprovalQuestion('q1', approve('carol', T0 + 2));
    const after = await one.approvalQuestion('q1');

    // Assert
    expect(seen).toEqual({ ...question('q1'), answer: undefined });
    expect(answered).toMatchObject({ ok: true, question: { answer: { kind: 'approved', by: 'bob' } } });
    expect(again).toMatchObject({ ok: false, reason: 'answered', question: { answer: { by: 'bob' } } });
    expect(after?.answer).toEqual({ kind: 'approved', by: 'bob', at: T0 + 1 });
    const held = await one.approvalsFor('plan-a', T0 + 3);
    expect(held.map((a) => [a.approver, a.requester, a.tool, a.expiresAt])).toEqual([
      ['bob', 'alice', 'deploy_service', T0 + 1 + 900_000],
    ]);
  });

  it('lets exactly one of two presses on two replicas at the same time answer a question', async () => {
    // Arrange
    await one.openApprovalQuestion(question('q1'));

    // Act
    const results = await Promise.all([
      one.answerApprovalQuestion('q1', approve('bob')),
      other.answerApprovalQuestion('q1', approve('carol')),
    ]);

    // Assert
    expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'answered' });
    expect(await one.approvalsFor('plan-a', T0 + 2)).toHaveLength(1);
  });

  it('records no approval for a rejection, and refuses an approver who already approved the plan', async () => {
    // Arrange: bob approved the plan through an earlier question.
    await one.openApprovalQuestion(question('q1'));
    await one.openApprovalQuestion(question('q2'));
    await one.recordApproval(approval('bob'));

    // Act
    const twice = await other.answerApprovalQuestion('q1', approve('bob'));
    const stillOpen = await other.approvalQuestion('q1');
    const rejected = await other.answerApprovalQuestion('q2', { kind: 'rejected', by: 'carol', at: T0 + 2 });

    // Assert
    expect(twice).toMatchObject({ ok: false, reason: 'already-approved' });
    expect(stillOpen?.answer).toBeUndefined();
    expect(rejected).toMatchObject({ ok: true, question: { answer: { kind: 'rejected', by: 'carol' } } });
    expect((await one.approvalsFor('plan-a', T0 + 3)).map((a) => a.approver)).toEqual(['bob']);
  });

  it('refuses answers once a question expired, but lets the asker withdraw it', async () => {
    // Arrange
    await one.openApprovalQuestion(question('q1'));

    // Act
    const late = await other.answerApprovalQuestion('q1', approve('bob', T0 + 600_000));
    const lateNo = await other.answerApprovalQuestion('q1', {
      kind: 'rejected',
      by: 'bob',
      at: T0 + 600_000,
    });
    const withdrawn = await one.answerApprovalQuestion('q1', {
      kind: 'withdrawn',
      by: 'expired',
      at: T0 + 600_001,
    });
    const unknown = await one.answerApprovalQuestion('nope', approve('bob'));

    // Assert
    expect([late, lateNo].map((r) => !r.ok && r.reason)).toEqual(['expired', 'expired']);
    expect(withdrawn).toMatchObject({ ok: true, question: { answer: { kind: 'withdrawn', by: 'expired' } } });
    expect(unknown).toEqual({ ok: false, reason: 'unknown', question: undefined });
    expect(await one.approvalsFor('plan-a', T0 + 600_002)).toEqual([]);
  });

  it('refuses a second question with the same id (CONFLICT), a malformed one (INVALID_INPUT), and forgets old ones', async () => {
    // Arrange
    await one.openApprovalQuestion(question('q1'));

    // Act and Assert: each refusal is awaited where it is made.
    await expect(other.openApprovalQuestion(question('q1'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(other.openApprovalQuestion({ ...question('q2'), required: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(
      other.answerApprovalQuestion('q1', { kind: 'approved', by: 'bob', at: T0 }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await other.openApprovalQuestion(question('q3', T0 + 600_000 + 24 * 3600 * 1000 + 1));

    // Assert
    expect(await one.approvalQuestion('q2')).toBeUndefined();
    expect(await one.approvalQuestion('q1')).toBeUndefined();
    expect(await one.approvalQuestion('q3')).toBeDefined();
  });
});
