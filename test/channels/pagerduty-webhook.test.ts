import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/factory.js';
import { IncidentResponder } from '../../src/agent/incidents.js';
import { createPagerDutyWebhook, type PagerDutyWebhook } from '../../src/channels/pagerduty-webhook.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { PagerDutyClient, signWebhook } from '../../src/platform/pagerduty.js';
import { CRASH_LOOP_AWS_SECRET, CRASH_LOOP_BEARER } from '../../packages/sandbox/src/kube/logs.js';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { breakGreen } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';
import { deliver, triggered } from '../helpers/pagerduty-events.js';

// The whole path of a page: a signed delivery over real HTTP, the real responder and agent on the
// sandbox (green of prd/checkout crash-looping, printing credentials), and a fake PagerDuty REST API.

const SECRETS = ['new-secret', 'old-secret'];
const PLANTED = [CRASH_LOOP_AWS_SECRET, CRASH_LOOP_BEARER, 'sandbox-db-password'];

let h: Harness;
let pd: FakePagerDuty;
let webhook: PagerDutyWebhook;
let server: Server;
let url: string;
const announced: string[] = [];

beforeAll(async () => {
  h = await startHarness(200);
  pd = await startFakePagerDuty();
  await breakGreen(h.jarvis, '1.3.1-crashloop', (p) => p.reason === 'CrashLoopBackOff');
  const { agent } = createAgent(h.jarvis, {
    env: loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' }),
    sandbox: true,
  });
  const responder = new IncidentResponder({
    agent,
    config: h.jarvis.config,
    store: h.jarvis.store,
    clock: h.jarvis.clock,
    notes: new PagerDutyClient({ token: pd.token, from: pd.from, baseUrl: pd.url }),
    announce: (text) => {
      announced.push(text);
      return Promise.resolve();
    },
  });
  webhook = createPagerDutyWebhook({
    secrets: SECRETS,
    store: h.jarvis.store,
    clock: h.jarvis.clock,
    respond: (event) => responder.handle(event),
    maxBodyBytes: 64 * 1024,
  });
  server = createServer(webhook);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pagerduty`;
});

afterAll(async () => {
  await webhook.idle();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pd.close();
  await h.close();
});

/** An event Jarvis accepts and then ignores: cheap, for the transport checks. */
function acknowledged(id: string): unknown {
  return { event: { id, event_type: 'incident.acknowledged', data: { id: 'PINC900', type: 'incident' } } };
}

describe('PagerDuty webhook: a triggered incident', () => {
  it('answers 202 at once, then posts the diagnosis as a note naming the top finding and no secret from the logs', async () => {
    // Act
    const res = await deliver(url, triggered('PINC001', 'PCHKPRD'), { secrets: ['new-secret'] });
    const notesWhenAnswered = pd.notes.length;
    await webhook.idle();
    // Assert
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted' });
    expect(notesWhenAnswered).toBe(0);
    const notes = pd.notes.filter((n) => n.incidentId === 'PINC001');
    expect(notes).toHaveLength(1);
    const note = notes[0]!.content;
    expect(note).toMatch(/^Jarvis diagnosis of checkout in prd for incident #1234 "checkout answers 5xx"/);
    expect(note).toMatch(
      /1\. \[WARNING\] 1 pod of checkout-green \(1\.3\.1-crashloop, standby\) is crash-looping/,
    );
    expect(announced.at(-1)).toBe(note);
    const audit = JSON.stringify(await h.jarvis.store.listAudit({ actor: 'pagerduty', limit: 50 }));
    expect(audit).toContain('"tool":"diagnose_service"');
    expect(audit).toContain('"tool":"pagerduty.incident"');
    for (const secret of PLANTED) {
      expect(note).not.toContain(secret);
      expect(announced.join('\n')).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });

  it('processes a delivery retried with the same X-Webhook-Id once', async () => {
    // Act
    const first = await deliver(url, triggered('PINC002', 'PCHKPRD'), {
      secrets: ['new-secret'],
      webhookId: 'w-dup',
    });
    const again = await deliver(url, triggered('PINC002', 'PCHKPRD'), {
      secrets: ['new-secret'],
      webhookId: 'w-dup',
    });
    await webhook.idle();
    // Assert
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(await again.json()).toEqual({ status: 'duplicate' });
    expect(pd.notes.filter((n) => n.incidentId === 'PINC002')).toHaveLength(1);
  });

  it('processes a signed event re-sent under a new X-Webhook-Id once: the id is not signed', async () => {
    // Arrange
    const payload = triggered('PINC003', 'PCHKPRD');

    // Act
    const first = await deliver(url, payload, { secrets: ['new-secret'], webhookId: 'w-first' });
    const replay = await deliver(url, payload, { secrets: ['new-secret'], webhookId: 'w-forged' });
    await webhook.idle();

    // Assert
    expect([first.status, replay.status]).toEqual([202, 200]);
    expect(await replay.json()).toEqual({ status: 'duplicate' });
    expect(pd.notes.filter((n) => n.incidentId === 'PINC003')).toHaveLength(1);
  });

  it.each([
    ['11 minutes', 11 * 60_000],
    ['two days', 2 * 86_400_000],
  ])('acknowledges an event that occurred %s ago and does nothing', async (_age, ms) => {
    // Arrange
    const incident = `PINCOLD${ms}`;
    const payload = triggered(incident, 'PCHKPRD', undefined, { occurredAt: new Date(Date.now() - ms) });

    // Act
    const res = await deliver(url, payload, { secrets: ['new-secret'] });
    await webhook.idle();

    // Assert
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'stale' });
    expect(pd.notes.filter((n) => n.incidentId === incident)).toHaveLength(0);
  });

  it('acts on an event that occurred 9 minutes ago', async () => {
    const payload = triggered('PINC009', 'PCHKPRD', undefined, {
      occurredAt: new Date(Date.now() - 9 * 60_000),
    });

    const res = await deliver(url, payload, { secrets: ['new-secret'] });
    await webhook.idle();

    expect(res.status).toBe(202);
    expect(pd.notes.filter((n) => n.incidentId === 'PINC009')).toHaveLength(1);
  });
});

describe('PagerDuty webhook: signatures', () => {
  it.each([
    ['the current secret', { secrets: ['new-secret'] }],
    ['two v1 values during a rotation', { secrets: ['old-secret', 'new-secret'] }],
    ['the previous secret while both are configured', { secrets: ['old-secret'] }],
  ])('accepts %s', async (_what, opts) => {
    const res = await deliver(url, acknowledged(`E-${crypto.randomUUID()}`), opts);

    expect(res.status).toBe(202);
  });

  type Delivery = Parameters<typeof deliver>[2];
  const refusals: Array<[string, (payload: string) => Delivery]> = [
    ['a forged signature', () => ({ secrets: ['guessed-secret'] })],
    ['a missing signature', () => ({ signature: null })],
    [
      'a tampered body',
      (payload) => ({
        body: payload.replace('PINC900', 'PINC901'),
        signature: signWebhook(payload, 'new-secret'),
      }),
    ],
  ];

  it.each(refusals)('refuses %s with 401, and the delivery id stays unused', async (what, request) => {
    // Arrange
    const payload = acknowledged(`E-${what}`);
    const webhookId = `w-${crypto.randomUUID()}`;
    // Act
    const refused = await deliver(url, payload, { ...request(JSON.stringify(payload)), webhookId });
    const genuine = await deliver(url, payload, { secrets: ['new-secret'], webhookId });
    // Assert
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'invalid or missing X-PagerDuty-Signature' });
    expect(genuine.status).toBe(202);
  });
});

describe('PagerDuty webhook: transport', () => {
  it('refuses a body over the limit with 413', async () => {
    const res = await deliver(url, undefined, { body: 'x'.repeat(65 * 1024), secrets: ['new-secret'] });

    expect(res.status).toBe(413);
  });

  it('refuses a signed body that is not a v3 event with 400', async () => {
    const res = await deliver(url, undefined, { body: '{"messages":[]}', secrets: ['new-secret'] });

    expect(res.status).toBe(400);
  });

  it('answers anything but POST with 405', async () => {
    const res = await fetch(url);

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
