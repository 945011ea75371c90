import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../../helpers/fake-slack.js';
import { messageEvent } from '../../helpers/slack-requests.js';
import { ALICE, APP_TOKEN, BOB, CI, nextTs, startSlackHarness, type SlackHarness } from './harness.js';

describe('Slack in Socket Mode (SLACK_APP_TOKEN, no public URL)', () => {
  let h: SlackHarness;
  let thread: string;
  let confirm: SlackCall;

  beforeAll(async () => {
    h = await startSlackHarness({ socketMode: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('opens its connection with the app token and serves no events URL', async () => {
    // Arrange / Act
    const open = await h.slack.waitFor((c) => c.method === 'apps.connections.open');
    const http = await fetch(h.eventsUrl, { method: 'POST', body: '{}' });

    // Assert
    expect(h.service.slack?.mode).toBe('socket');
    expect(open.token).toBe(APP_TOKEN);
    expect(http.status).toBe(404);
  });

  it('acknowledges an event envelope and answers in its thread', async () => {
    // Act
    const ts = await h.say(ALICE, 'status of dev');
    const answer = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);

    // Assert
    expect(String(answer.params.text)).toMatch(/checkout/);
    expect(answer.token).toBe('xoxb-test-token');
  });

  it('answers an event Slack sends again (a late acknowledgement) once, from the replay memory in the store', async () => {
    // Arrange: an event answered, then the same envelope's event again.
    const ts = nextTs();
    const event = messageEvent({ channel: CI, user: ALICE, text: 'status of dev', ts });
    const answeredIn = (thread: string) =>
      h.slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === thread);
    await h.send(event);
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);

    // Act: the retry, then a fresh request behind it.
    const retry = await h.send({ ...event, retry_attempt: 1, retry_reason: 'timeout' });
    const later = await h.say(ALICE, 'status of dev');
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === later);

    // Assert: the retry was acknowledged and not answered; the claim is in the store.
    expect(retry.status).toBe(200);
    expect(answeredIn(ts)).toHaveLength(1);
    const now = Date.now();
    expect(
      await h.jarvis.store.claimOnce(
        [{ scope: 'slack.event', key: String(event.event_id) }],
        now + 1000,
        now,
      ),
    ).toBe(false);
  });

  it("asks for confirmation with buttons, and refuses another person's press over the socket", async () => {
    // Arrange
    thread = await h.say(ALICE, 'deploy 1.3.0 to prd using blue-green');
    confirm = await h.question(thread, 'jarvis_confirm');

    // Act
    const sent = await h.press(BOB, confirm, 'jarvis_confirm');
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === BOB);

    // Assert
    expect(sent.status).toBe(200);
    expect(String(refusal.params.text)).toMatch(/Only <@U0ALICE01> can confirm/);
    expect(h.slack.callsOf('chat.postMessage').filter((c) => buttonOf(c, 'jarvis_mfa'))).toHaveLength(0);
  });

  it('takes the requester’s press and the MFA modal’s wrong code over the socket, shown as a modal error', async () => {
    // Arrange
    await h.press(ALICE, confirm, 'jarvis_confirm');
    const prompt = await h.question(thread, 'jarvis_mfa');
    const id = buttonOf(prompt, 'jarvis_mfa')!.value;
    const wrong = await h.wrongCode(ALICE);

    // Act
    const sent = await h.submitCode(ALICE, id, wrong);

    // Assert: the ack carries the modal's error; the code appears nowhere.
    const answer = JSON.parse(sent.body) as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(Object.values(answer.errors ?? {}).join(' ')).toMatch(/code/i);
    expect(JSON.stringify(h.slack.calls)).not.toContain(wrong);
    expect(h.logs()).not.toContain(wrong);
  });
});
