import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageEvent, postSigned, sign, signedRequest } from '../../helpers/slack-requests.js';
import { ALICE, CI, nextTs, SECRET, startSlackHarness, type SlackHarness } from './harness.js';

describe('requests to /slack/events', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const now = (): number => Math.floor(Date.now() / 1000);

  it.each([
    ['a forged signature', () => ({ signature: `v0=${'0'.repeat(64)}` })],
    ['a signature made with another secret', () => ({ secret: 'not-the-secret' })],
    ['a stale timestamp (6 minutes old)', () => ({ timestamp: now() - 360 })],
    ['a timestamp 6 minutes in the future', () => ({ timestamp: now() + 360 })],
  ])('refuses %s with 401 and does nothing', async (_name, make) => {
    // Arrange
    const options = make() as { signature?: string; timestamp?: number; secret?: string };
    const before = h.slack.calls.length;
    const payload = messageEvent({ channel: CI, user: ALICE, text: 'help', ts: nextTs() });

    // Act
    const sent = await postSigned(h.eventsUrl, options.secret ?? SECRET, payload, options);
    await new Promise((r) => setTimeout(r, 200));

    // Assert
    expect(sent.status).toBe(401);
    expect(h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
  });

  it('refuses a request without signature headers', async () => {
    const res = await fetch(h.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageEvent({ channel: CI, user: ALICE, text: 'help', ts: nextTs() })),
    });

    expect(res.status).toBe(401);
  });

  it('acts on a signed request once: the same request replayed gets 200 and no second answer', async () => {
    // Arrange
    const ts = nextTs();
    const body = JSON.stringify(messageEvent({ channel: CI, user: ALICE, text: 'help', ts }));
    const request = signedRequest(SECRET, body, 'application/json');
    const post = () => fetch(h.eventsUrl, { method: 'POST', headers: request.headers, body: request.body });

    // Act
    const first = await post();
    const replay = await post();
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
    await h.service.slack!.channel.idle();

    // Assert
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(h.slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === ts)).toHaveLength(1);
  });

  it('refuses a signed body over 1 MB with 413 and a signed body that is not JSON with 400', async () => {
    // Arrange
    const before = h.slack.calls.length;
    const huge = signedRequest(
      SECRET,
      JSON.stringify({ type: 'event_callback', pad: 'x'.repeat(1_100_000) }),
      'application/json',
    );
    const broken = signedRequest(SECRET, '{"type": "event_callback",', 'application/json');

    // Act
    const tooLarge = await fetch(h.eventsUrl, { method: 'POST', headers: huge.headers, body: huge.body });
    const malformed = await fetch(h.eventsUrl, {
      method: 'POST',
      headers: broken.headers,
      body: broken.body,
    });
    await new Promise((r) => setTimeout(r, 200));

    // Assert
    expect(tooLarge.status).toBe(413);
    expect(malformed.status).toBe(400);
    expect(h.slack.calls.slice(before)).toHaveLength(0);
  });

  it('answers Slack’s URL verification challenge when signed', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 't' });
    const timestamp = now();
    const res = await fetch(h.eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': sign(SECRET, body, timestamp),
      },
      body,
    });

    expect(res.status).toBe(200);
    expect(await res.text()).toContain('c-123');
  });
});
