import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../helpers/fake-slack.js';
import { ALICE, startSlackHarness, type SlackHarness } from '../channels/slack/harness.js';

// MFA through the Slack modal over real HTTP (signed view submissions to the running service): a wrong
// code, the right one, the replay of a used one, a lockout that refuses even a valid code, and its
// audit entry naming the Slack team and channel the codes came from.

interface ModalAnswer {
  status: number;
  error: string | undefined;
}

describe('MFA in the Slack modal', () => {
  let h: SlackHarness;
  const answers: Record<string, ModalAnswer[]> = {};
  let usedCode = '';

  /** Asks for a prd write in a new thread, confirms it and returns the MFA prompt and its thread. */
  async function askFor(text: string): Promise<{ thread: string; prompt: SlackCall; id: string }> {
    const thread = await h.say(ALICE, text);
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');
    const prompt = await h.question(thread, 'jarvis_mfa');
    return { thread, prompt, id: buttonOf(prompt, 'jarvis_mfa')!.value };
  }

  async function submit(id: string, code: string): Promise<ModalAnswer> {
    const sent = await h.submitCode(ALICE, id, code);
    const body = sent.body ? (JSON.parse(sent.body) as { errors?: { code?: string } }) : {};
    return { status: sent.status, error: body.errors?.code };
  }

  beforeAll(async () => {
    h = await startSlackHarness();

    // A release to prd: the modal opened from its button, a wrong code, then the right one.
    const release = await askFor('deploy 1.3.0 to prd');
    await h.press(ALICE, release.prompt, 'jarvis_mfa', 'trigger-release');
    await h.slack.waitFor((c) => c.method === 'views.open' && c.params.trigger_id === 'trigger-release');
    usedCode = await h.code(ALICE);
    answers.release = [
      await submit(release.id, await h.wrongCode(ALICE)),
      await submit(release.id, usedCode),
    ];
    await h.ended(release.thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // A rollback: the used code again, then wrong codes until the lockout.
    const rollback = await askFor('rollback prd');
    answers.rollback = [await submit(rollback.id, usedCode)];
    for (let i = 0; i < 3; i++) answers.rollback.push(await submit(rollback.id, await h.wrongCode(ALICE)));
    await h.service.slack!.channel.idle();

    // Another rollback while locked out: even a valid code is refused.
    const locked = await askFor('rollback prd');
    answers.locked = [await submit(locked.id, await h.code(ALICE))];
    await h.service.slack!.channel.idle();
  }, 120_000);

  afterAll(async () => {
    await h.close();
  });

  it('shows a wrong code in the modal, then accepts the right one and closes it', () => {
    expect(answers.release).toEqual([
      { status: 200, error: expect.stringMatching(/wrong or expired\. 4 attempts left/) as string },
      { status: 200, error: undefined },
    ]);
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
  });

  it('refuses a used code as a replay, counting it with the earlier failures, and locks at the fifth', () => {
    expect(answers.rollback).toEqual([
      { status: 200, error: expect.stringMatching(/already used.* 3 attempts left/) as string },
      { status: 200, error: expect.stringMatching(/wrong or expired\. 2 attempts left/) as string },
      { status: 200, error: expect.stringMatching(/wrong or expired\. 1 attempt left/) as string },
      { status: 200, error: expect.stringMatching(/Too many wrong codes: MFA is locked until/) as string },
    ]);
  });

  it('refuses even a valid code while locked out, and changes nothing', () => {
    expect(answers.locked).toEqual([
      { status: 200, error: expect.stringMatching(/MFA is locked until/) as string },
    ]);
    expect(h.version('prd', 'checkout')).toBe('1.3.0');
  });

  it('audits the lockout with the Slack team and channel the codes came from', async () => {
    const audit = await h.jarvis.store.listAudit({ limit: 1000 });

    expect(audit.filter((a) => a.tool === 'mfa.lockout').map((a) => [a.actor, a.channel, a.detail])).toEqual([
      [
        ALICE,
        'slack',
        expect.objectContaining({
          kind: 'user',
          subject: ALICE,
          failures: 5,
          source: 'slack:T0TEST/C0JARVISCI',
        }),
      ],
    ]);
    expect(audit.filter((a) => a.tool === 'rollback_service').map((a) => a.outcome)).toEqual([
      'mfa-failed',
      'mfa-failed',
    ]);
  });
});
