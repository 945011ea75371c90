import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { deliver, triggered } from '../helpers/pagerduty-events.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { messageEvent, signedRequest } from '../helpers/slack-requests.js';

// Replays sent to `jarvis serve` after it restarted: the replay memory lives in the store file, not in
// the process. Each attack is answered as its sender expects (Slack: 200; PagerDuty: 200 duplicate or
// stale) and acted on never.

const SLACK_SECRET = 'replay-test-signing-secret';
const PD_SECRET = 'replay-test-pd-secret';
const CI = 'C0JARVISCI';

describe('replays after a restart of jarvis serve', () => {
  let slack: FakeSlack;
  let pd: FakePagerDuty;
  let dir: string;
  let env: Record<string, string>;
  let proc: ServeProcess | undefined;

  beforeAll(async () => {
    slack = await startFakeSlack({ channels: { [CI]: 'jarvis-ci' } });
    pd = await startFakePagerDuty();
    dir = mkdtempSync(join(tmpdir(), 'jarvis-replay-'));
    env = {
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'info',
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-replay-test',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slack.url,
      PAGERDUTY_WEBHOOK_SECRETS: PD_SECRET,
      PAGERDUTY_API_TOKEN: pd.token,
      PAGERDUTY_FROM_EMAIL: pd.from,
      PAGERDUTY_API_URL: pd.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      JARVIS_SANDBOX: '1',
    };
  });
  afterAll(async () => {
    await proc?.stop();
    await pd.close();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const answersIn = (thread: string) =>
    slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === thread);

  it('refuses every replay of what the previous process acted on, and still serves fresh requests', async () => {
    // Arrange: the first process answers a Slack message and diagnoses a page, then stops.
    proc = startServe(env);
    let url = await proc.ready;
    const ts = '1900000100.000001';
    const event = messageEvent({ channel: CI, user: 'U0SOMEONE', text: 'help', ts });
    const slackRequest = signedRequest(SLACK_SECRET, JSON.stringify(event), 'application/json');
    const post = (base: string, request: { headers: Record<string, string>; body: string }) =>
      fetch(`${base}/slack/events`, { method: 'POST', headers: request.headers, body: request.body });
    expect((await post(url, slackRequest)).status).toBe(200);
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts, 20_000);
    const page = JSON.stringify(triggered('Q0REPLAY1', 'PCHKPRD', 'replayed page one'));
    const delivered = await deliver(`${url}/webhooks/pagerduty`, undefined, {
      body: page,
      secrets: [PD_SECRET],
      webhookId: 'w-original',
    });
    expect(delivered.status).toBe(202);
    await slack.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('replayed page one'),
      20_000,
    );
    expect(await proc.stop()).toBe(0);
    const notesBefore = pd.notes.length;

    // Act: a new process on the same data directory gets the replays.
    proc = startServe(env);
    url = await proc.ready;
    const attempts = {
      'the same signed Slack request': (await post(url, slackRequest)).status,
      'the same Slack event as a retry, signed anew': (
        await post(url, {
          ...signedRequest(SLACK_SECRET, JSON.stringify(event), 'application/json'),
        })
      ).status,
      'the same PagerDuty delivery': await deliver(`${url}/webhooks/pagerduty`, undefined, {
        body: page,
        secrets: [PD_SECRET],
        webhookId: 'w-original',
      }).then(async (r) => [r.status, await r.json()] as const),
      'the same PagerDuty event under a new X-Webhook-Id': await deliver(
        `${url}/webhooks/pagerduty`,
        undefined,
        {
          body: page,
          secrets: [PD_SECRET],
          webhookId: 'w-forged',
        },
      ).then(async (r) => [r.status, await r.json()] as const),
      'a two-day-old PagerDuty event never seen before': await deliver(
        `${url}/webhooks/pagerduty`,
        triggered('Q0REPLAY2', 'PCHKPRD', undefined, { occurredAt: new Date(Date.now() - 2 * 86_400_000) }),
        { secrets: [PD_SECRET] },
      ).then(async (r) => [r.status, await r.json()] as const),
    };
    // A fresh message in the same thread: turns of a thread run in order, so once it is answered, a
    // replay that had been accepted would have been answered too.
    const fresh = messageEvent({
      channel: CI,
      user: 'U0SOMEONE',
      text: 'help',
      ts: '1900000100.000002',
      thread: ts,
    });
    expect(
      (await post(url, signedRequest(SLACK_SECRET, JSON.stringify(fresh), 'application/json'))).status,
    ).toBe(200);
    await slack.waitFor(() => answersIn(ts).length >= 2, 20_000);
    const freshPage = await deliver(
      `${url}/webhooks/pagerduty`,
      triggered('Q0REPLAY3', 'PCHKPRD', 'fresh page three'),
      {
        secrets: [PD_SECRET],
      },
    );
    await slack.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('fresh page three'),
      20_000,
    );
    const logs = proc.logs();

    // Assert
    expect(attempts).toEqual({
      'the same signed Slack request': 200,
      'the same Slack event as a retry, signed anew': 200,
      'the same PagerDuty delivery': [200, { status: 'duplicate' }],
      'the same PagerDuty event under a new X-Webhook-Id': [200, { status: 'duplicate' }],
      'a two-day-old PagerDuty event never seen before': [200, { status: 'stale' }],
    });
    expect(answersIn(ts)).toHaveLength(2);
    expect(freshPage.status).toBe(202);
    expect(notesBefore).toBe(1);
    expect(pd.notes.filter((n) => n.incidentId === 'Q0REPLAY1')).toHaveLength(1);
    expect(pd.notes.filter((n) => n.incidentId === 'Q0REPLAY2')).toHaveLength(0);
    expect(logs).toMatch(/pagerduty webhook: event older than 600 s ignored/);
    expect(logs).toMatch(/pagerduty webhook: duplicate delivery or event ignored/);
  });
});
