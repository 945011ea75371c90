import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf } from '../../helpers/fake-slack.js';
import { ALICE, BOB, startSlackHarness, VIEWER, type SlackHarness } from './harness.js';

/** prd asks for a second person's approval (and, to keep this test short, no MFA). */
function approvalPolicy(config: Record<string, unknown>): void {
  const prd = (config.environments as Record<string, { policy: Record<string, unknown> }>).prd!;
  prd.policy = { ...prd.policy, requireMfa: false, requireApproval: true };
}

describe('a prd release that needs a second approver', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness({ configure: approvalPolicy });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses the requester and a viewer, takes a second deployer, then asks the requester to confirm', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'deploy 1.3.0 to prd');
    const approval = await h.question(thread, 'jarvis_approve');

    // Act
    await h.press(ALICE, approval, 'jarvis_approve');
    const selfRefusal = await h.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.params.user === ALICE,
    );
    await h.press(VIEWER, approval, 'jarvis_approve');
    const viewerRefusal = await h.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.params.user === VIEWER,
    );
    await h.press(BOB, approval, 'jarvis_approve');
    const confirm = await h.question(thread, 'jarvis_confirm');
    await h.press(BOB, confirm, 'jarvis_confirm');
    const bobRefusal = await h.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.params.user === BOB,
    );
    await h.press(ALICE, confirm, 'jarvis_confirm');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // Assert
    expect(String(selfRefusal.params.text)).toMatch(/asked for this change and cannot approve it/);
    expect(String(viewerRefusal.params.text)).toMatch(/is viewer/);
    expect(String(bobRefusal.params.text)).toMatch(/Only <@U0ALICE01> can confirm/);
    const approved = h.slack.messages.get(String(approval.response?.ts))!;
    expect(JSON.stringify(approved.blocks)).toContain('Approved by <@U0BOB0001>');
    expect(buttonOf(approved, 'jarvis_approve')).toBeUndefined();
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
    const audit = await h.jarvis.store.listAudit({ actor: ALICE, limit: 50 });
    expect(audit.some((a) => a.tool === 'deploy_service' && a.decision.includes('approval'))).toBe(true);
  });

  it('changes nothing when the approver rejects', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'rollback prd');
    const approval = await h.question(thread, 'jarvis_reject');

    // Act
    await h.press(BOB, approval, 'jarvis_reject');
    await h.service.slack!.channel.idle();

    // Assert
    const answer = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread)
      .at(-1)!;
    expect(String(answer.params.text)).toMatch(/did not approve/i);
    expect(
      h.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.params.thread_ts === thread && buttonOf(c, 'jarvis_confirm')),
    ).toHaveLength(0);
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
  });
});
