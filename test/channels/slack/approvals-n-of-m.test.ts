import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../../helpers/fake-slack.js';
import { ALICE, BOB, startSlackHarness, VIEWER, type SlackHarness } from './harness.js';

const CAROL = 'U0CAROL01';
const DAVE = 'U0DAVE001';

/**
 * prd wants two approvals from the release managers (a named group: BOB, CAROL and ALICE), and no MFA
 * to keep this test short. DAVE is a deployer outside the group.
 */
function twoOfTheGroup(config: Record<string, unknown>): void {
  const access = config.access as { users: Record<string, string>; groups?: Record<string, string[]> };
  access.users[CAROL] = 'deployer';
  access.users[DAVE] = 'deployer';
  access.groups = { 'release-managers': [ALICE, BOB, CAROL] };
  const prd = (config.environments as Record<string, { policy: Record<string, unknown> }>).prd!;
  prd.policy = {
    ...prd.policy,
    requireMfa: false,
    requirePreviousEnvSuccess: false,
    approvals: { required: 2, from: ['release-managers'], ttlSeconds: 600 },
  };
}

describe('a prd release that needs two approvals from a group, through the Bolt app', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness({ configure: twoOfTheGroup });
  });
  afterAll(async () => {
    await h.close();
  });

  const ephemeralTo = (user: string, after: number) =>
    h.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.params.user === user && h.slack.calls.indexOf(c) >= after,
    );
  const approvalQuestion = (thread: string, except: readonly SlackCall[] = []) =>
    h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        buttonOf(c, 'jarvis_approve') !== undefined &&
        !except.includes(c),
    );
  const questionsIn = (thread: string, actionId: string) =>
    h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread && buttonOf(c, actionId) !== undefined);

  it('takes two different people of the group, refuses the requester, an outsider and a second vote, then releases', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'deploy 1.3.0 to prd');
    const first = await approvalQuestion(thread);

    // Act
    let mark = h.slack.calls.length;
    await h.press(ALICE, first, 'jarvis_approve');
    const self = await ephemeralTo(ALICE, mark);
    await h.press(DAVE, first, 'jarvis_approve');
    const outsider = await ephemeralTo(DAVE, mark);
    await h.press(VIEWER, first, 'jarvis_approve');
    const viewer = await ephemeralTo(VIEWER, mark);
    await h.press(BOB, first, 'jarvis_approve');
    const second = await approvalQuestion(thread, [first]);
    mark = h.slack.calls.length;
    await h.press(BOB, second, 'jarvis_approve');
    const twice = await ephemeralTo(BOB, mark);
    await h.press(CAROL, second, 'jarvis_approve');
    const confirm = await h.question(thread, 'jarvis_confirm');
    await h.press(ALICE, confirm, 'jarvis_confirm');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // Assert
    for (const refusal of [self, outsider, viewer, twice]) {
      expect(String(refusal.params.text)).toMatch(/^You cannot answer this: /);
    }
    expect(String(self.params.text)).toContain('asked for this change');
    expect(String(outsider.params.text)).toContain('release-managers');
    expect(String(twice.params.text)).toContain('already approved');
    expect(JSON.stringify(second.params.blocks)).toContain('approval 2 of 2');
    expect(JSON.stringify(second.params.blocks)).toContain(`<@${BOB}>`);
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
    const audit = await h.jarvis.store.listAudit({ actor: ALICE, limit: 50 });
    const approved = audit.find((a) => a.tool === 'deploy_service' && a.outcome === 'approved');
    expect(approved?.detail).toMatchObject({ requester: ALICE, approvers: [BOB, CAROL] });
    const done = audit.find((a) => a.tool === 'deploy_service' && a.outcome === 'ok');
    expect(done?.detail).toMatchObject({ requester: ALICE, approvers: [BOB, CAROL] });
  });

  it('holds approvals for the exact plan only: the same request again needs none, a changed one needs new ones', async () => {
    // Arrange: two approvals, then the requester cancels at the confirmation.
    const thread = await h.say(ALICE, 'rollback prd');
    const first = await approvalQuestion(thread);
    await h.press(BOB, first, 'jarvis_approve');
    const second = await approvalQuestion(thread, [first]);
    await h.press(CAROL, second, 'jarvis_approve');
    const confirm = await h.question(thread, 'jarvis_confirm');
    await h.press(ALICE, confirm, 'jarvis_cancel');
    await h.service.slack!.channel.idle();

    // Act: the identical request, then one that would do something else.
    const same = await h.say(ALICE, 'rollback prd');
    const confirmAgain = await h.question(same, 'jarvis_confirm');
    await h.press(ALICE, confirmAgain, 'jarvis_cancel');
    await h.service.slack!.channel.idle();
    const changed = await h.say(ALICE, 'deploy 1.3.1 to prd');
    const asked = await approvalQuestion(changed);
    await h.press(BOB, asked, 'jarvis_reject');
    await h.service.slack!.channel.idle();

    // Assert
    expect(questionsIn(same, 'jarvis_approve')).toHaveLength(0);
    expect(questionsIn(changed, 'jarvis_approve')).toHaveLength(1);
    expect(questionsIn(changed, 'jarvis_confirm')).toHaveLength(0);
    const audit = await h.jarvis.store.listAudit({ actor: ALICE, limit: 50 });
    const rejected = audit.find((a) => a.tool === 'deploy_service' && a.outcome === 'declined');
    expect(rejected?.detail).toMatchObject({ code: 'NOT_APPROVED', requester: ALICE });
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
  });

  it('refuses an approved rollback whose plan changed before it ran (APPROVAL_STALE), changing nothing', async () => {
    // Arrange: a new release (a plan no approval covers yet), a rollback of it approved by two, then
    // another release lands while the requester is still to confirm.
    await h.jarvis.rollouts.deploy({ env: 'prd', service: 'checkout', version: '1.3.1', actor: 'seed' });
    const thread = await h.say(ALICE, 'rollback prd');
    const first = await approvalQuestion(thread);
    await h.press(BOB, first, 'jarvis_approve');
    const second = await approvalQuestion(thread, [first]);
    await h.press(CAROL, second, 'jarvis_approve');
    const confirm = await h.question(thread, 'jarvis_confirm');
    await h.jarvis.rollouts.deploy({ env: 'prd', service: 'checkout', version: '1.3.2', actor: 'seed' });

    // Act
    await h.press(ALICE, confirm, 'jarvis_confirm');
    await h.service.slack!.channel.idle();

    // Assert
    const answer = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread)
      .at(-1)!;
    expect(String(answer.params.text)).toContain('APPROVAL_STALE');
    expect(h.version('prd', 'checkout')).toBe('1.3.2');
    const audit = await h.jarvis.store.listAudit({ actor: ALICE, limit: 5 });
    expect(audit[0]).toMatchObject({ tool: 'rollback_service', outcome: 'denied' });
    expect(audit[0]?.detail).toMatchObject({ code: 'APPROVAL_STALE', requester: ALICE });
  });
});
