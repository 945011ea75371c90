import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvedPlan, collectApprovals, useApprovals } from '../../src/agent/approvals.js';
import type { ApprovalAsk, Interaction } from '../../src/agent/types.js';
import { approvalRule, planHash } from '../../src/policies/release.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { actor, configWith, memoryStore, T0 } from '../policies/helpers.js';

const config = configWith([
  [['access', 'users'], { alice: 'deployer', bob: 'deployer', carol: 'deployer' }],
  [['environments', 'prd', 'policy', 'approvals'], { required: 2, ttlSeconds: 60 }],
]);
const alice = actor('alice', 'deployer');
const rule = approvalRule(config, 'prd', 'checkout', 'alice')!;
const target = { env: 'prd', service: 'checkout', version: '1.3.0' };
const hashOf = (version: string, plan: unknown = undefined) =>
  planHash(approvedPlan(config, 'deploy_service', { ...target, version }, plan, 'alice'));

/** A channel whose people answer in order; records what each question showed. */
function people(
  answers: Array<{ approved: boolean; approver?: string }>,
): Interaction & { asked: ApprovalAsk[] } {
  const asked: ApprovalAsk[] = [];
  return {
    asked,
    confirm: () => Promise.resolve(false),
    mfa: () => Promise.resolve({ ok: false, reason: 'invalid', message: 'no' }),
    progress: () => undefined,
    approval: (request) => {
      asked.push(request);
      return Promise.resolve(answers.shift() ?? { approved: false });
    },
  };
}

describe('approvals bound to a plan', () => {
  let store: SqliteStore;
  let now: number;
  beforeEach(() => {
    store = memoryStore();
    now = T0;
  });
  afterEach(async () => {
    await store.close();
  });
  const work = (io: Interaction, hash: string) => ({
    store,
    io,
    requester: alice,
    tool: 'deploy_service',
    summary: 'deploy checkout 1.3.0 to prd',
    rule,
    hash,
    wallNow: () => now,
  });

  it('hashes every part of the plan: version, steps, the tool plan and the requester', () => {
    // Act
    const hashes = new Set([
      hashOf('1.3.0'),
      hashOf('1.3.1'),
      hashOf('1.3.0', { to: 'green' }),
      planHash(approvedPlan(config, 'deploy_service', target, undefined, 'bob')),
      planHash(approvedPlan(config, 'promote_version', { ...target, fromEnv: 'tst' }, undefined, 'alice')),
    ]);

    // Assert
    expect(hashes.size).toBe(5);
    expect(hashOf('1.3.0')).toBe(hashOf('1.3.0'));
  });

  it('asks until two different people approved, the policy rejecting a second vote', async () => {
    // Arrange
    const io = people([
      { approved: true, approver: 'bob' },
      { approved: true, approver: 'bob' },
      { approved: true, approver: 'carol' },
    ]);

    // Act
    const first = await collectApprovals(work(io, hashOf('1.3.0')));

    // Assert
    expect(first).toMatchObject({ code: 'FORBIDDEN' });
    expect(io.asked.map((a) => [a.required, a.approvers])).toEqual([
      [2, []],
      [2, ['bob']],
    ]);
    expect(io.asked[1]!.eligible('bob')).toContain('already approved');
    const again = await collectApprovals(work(io, hashOf('1.3.0')));
    expect(again).toEqual({ approvers: ['bob', 'carol'] });
  });

  it.each([
    { name: 'the plan changed', advance: 0, current: '1.3.1', result: { code: 'APPROVAL_STALE' } },
    { name: 'they expired', advance: 60_000, current: '1.3.0', result: { code: 'APPROVAL_STALE' } },
    { name: 'nothing changed', advance: 59_999, current: '1.3.0', result: { approvers: ['bob', 'carol'] } },
  ])('uses approvals right before the write: $name', async ({ advance, current, result }) => {
    // Arrange
    const io = people([
      { approved: true, approver: 'bob' },
      { approved: true, approver: 'carol' },
    ]);
    await collectApprovals(work(io, hashOf('1.3.0')));
    now += advance;

    // Act
    const used = await useApprovals(work(io, hashOf('1.3.0')), hashOf(current));

    // Assert
    expect(used).toMatchObject(result);
  });

  it('reports NOT_APPROVED with who rejected, and APPROVAL_REQUIRED where no one can be asked', async () => {
    // Act
    const rejected = await collectApprovals(
      work(people([{ approved: false, approver: 'bob' }]), hashOf('1.3.0')),
    );
    const terminal: Interaction = {
      confirm: () => Promise.resolve(false),
      mfa: () => Promise.resolve({ ok: false, reason: 'invalid', message: 'no' }),
      progress: () => undefined,
    };
    const unavailable = await collectApprovals(work(terminal, hashOf('1.3.0')));

    // Assert
    expect(rejected).toMatchObject({ outcome: 'declined', code: 'NOT_APPROVED' });
    expect(unavailable).toMatchObject({ outcome: 'denied', code: 'APPROVAL_REQUIRED' });
  });
});
