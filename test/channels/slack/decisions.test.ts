import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSlackApi } from '../../../src/channels/slack/api.js';
import { Decisions, type Click } from '../../../src/channels/slack/decisions.js';
import type { MfaOutcome } from '../../../src/policies/types.js';
import { buttonOf, startFakeSlack, type FakeSlack, type SlackCall } from '../../helpers/fake-slack.js';

const where = { channel: 'C1', threadTs: '100.1' };
const needs = { confirm: true, mfa: false, approval: false };

describe('Decisions', () => {
  let slack: FakeSlack;
  let decisions: Decisions;

  const start = (ttlMs: number) => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
    });
    decisions = new Decisions({ api: new WebSlackApi(client), ttlMs });
  };
  const posted = () => slack.waitFor((c) => c.method === 'chat.postMessage');
  const click = (
    call: SlackCall,
    action: Click['action'],
    user: string,
    overrides: Partial<Click> = {},
  ): Click => ({
    action,
    id: buttonOf(call, `jarvis_${action}`)!.value,
    user,
    channel: 'C1',
    messageTs: String(call.response?.ts),
    triggerId: 'trigger-1',
    ...overrides,
  });

  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    decisions.close();
    await slack.close();
  });

  it('counts an unanswered question as "no" when it expires, and says so on the message', async () => {
    // Arrange
    start(150);

    // Act
    const answer = await decisions.confirm(where, 'U1', 'deploy checkout 1.3.0 to prd', needs);
    const edited = await slack.waitFor((c) => c.method === 'chat.update');

    // Assert
    expect(answer).toBe(false);
    expect(JSON.stringify(edited.params.blocks)).toContain('Expired');
    expect(buttonOf(edited, 'jarvis_confirm')).toBeUndefined();
    expect(decisions.size).toBe(0);
  });

  it.each([
    ['another message', { messageTs: '999.9' }],
    ['another channel', { channel: 'C2' }],
  ])('refuses a button whose id is replayed from %s', async (_name, overrides) => {
    // Arrange
    start(60_000);
    const answer = decisions.confirm(where, 'U1', 'deploy', needs);
    const message = await posted();

    // Act
    await decisions.press(click(message, 'confirm', 'U1', overrides));

    // Assert
    expect(decisions.size).toBe(1);
    const refusal = await slack.waitFor((c) => c.method === 'chat.postEphemeral');
    expect(String(refusal.params.text)).toContain('does not belong');
    await decisions.press(click(message, 'cancel', 'U1'));
    expect(await answer).toBe(false);
  });

  it('answers a second click that the question is already answered', async () => {
    // Arrange
    start(60_000);
    const answer = decisions.confirm(where, 'U1', 'deploy', needs);
    const message = await posted();

    // Act
    await decisions.press(click(message, 'confirm', 'U1'));
    await decisions.press(click(message, 'cancel', 'U1'));

    // Assert
    expect(await answer).toBe(true);
    const refusal = await slack.waitFor((c) => c.method === 'chat.postEphemeral');
    expect(String(refusal.params.text)).toContain('already answered');
  });

  it('ends an MFA question when the verifier locks the user out, and lets wrong codes be retried', async () => {
    // Arrange
    start(60_000);
    const outcomes: MfaOutcome[] = [
      { ok: false, reason: 'invalid', message: 'That code is wrong or expired. 1 attempt left.' },
      { ok: false, reason: 'locked', message: 'Too many wrong codes: MFA is locked.', until: 1 },
    ];
    const seen: string[] = [];
    const result = decisions.mfa(where, 'U1', 'deploy', (code) => {
      seen.push(code);
      return Promise.resolve(outcomes.shift()!);
    });
    const id = buttonOf(await posted(), 'jarvis_mfa')!.value;

    // Act
    const first = await decisions.submitCode({ id, user: 'U1', code: '111111' });
    const second = await decisions.submitCode({ id, user: 'U1', code: '222222' });
    const third = await decisions.submitCode({ id, user: 'U1', code: '333333' });

    // Assert
    expect(first).toEqual({ ok: false, errors: { code: 'That code is wrong or expired. 1 attempt left.' } });
    expect(second).toEqual({ ok: false, errors: { code: 'Too many wrong codes: MFA is locked.' } });
    expect(third.ok).toBe(false);
    expect(seen).toEqual(['111111', '222222']);
    expect(await result).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('refuses a code submitted by someone else', async () => {
    // Arrange
    start(60_000);
    let checked = 0;
    void decisions.mfa(where, 'U1', 'deploy', () => {
      checked += 1;
      return Promise.resolve({ ok: true });
    });
    const id = buttonOf(await posted(), 'jarvis_mfa')!.value;

    // Act
    const answer = await decisions.submitCode({ id, user: 'U2', code: '123456' });

    // Assert
    expect(answer.ok).toBe(false);
    expect(checked).toBe(0);
  });

  it('counts a question that cannot be posted as "no"', async () => {
    // Arrange
    start(60_000);
    slack.fail('chat.postMessage', 'channel_not_found');

    // Act
    const answer = await decisions.confirm(where, 'U1', 'deploy', needs);

    // Assert
    expect(answer).toBe(false);
    expect(decisions.size).toBe(0);
  });
});
