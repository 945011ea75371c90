import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JarvisError } from '../../src/errors.js';
import {
  PagerDutyClient,
  pagerDutyClientFromEnv,
  parseWebhookEvent,
  signWebhook,
  verifyWebhookSignature,
  webhookSecrets,
} from '../../src/platform/pagerduty.js';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { triggered } from '../helpers/pagerduty-events.js';

const OCCURRED = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));
const body = Buffer.from(
  JSON.stringify(triggered('PINC001', 'PCHKPRD', undefined, { occurredAt: OCCURRED })),
);

describe('PagerDuty webhook signatures', () => {
  const cases: Array<[string, string | undefined, string[], boolean]> = [
    ['a good signature', signWebhook(body, 'current'), ['current'], true],
    [
      'two v1 values during a rotation, the new secret configured',
      `${signWebhook(body, 'old')},${signWebhook(body, 'new')}`,
      ['new'],
      true,
    ],
    [
      'one v1 value, both secrets configured during a rotation',
      signWebhook(body, 'old'),
      ['new', 'old'],
      true,
    ],
    ['a forged signature', signWebhook(body, 'guessed'), ['current'], false],
    ['a signature of another body', signWebhook(Buffer.from('{}'), 'current'), ['current'], false],
    ['no header', undefined, ['current'], false],
    ['an empty header', '', ['current'], false],
    ['a header without v1', `v0=${signWebhook(body, 'current').slice(3)}`, ['current'], false],
    ['a truncated signature', signWebhook(body, 'current').slice(0, 40), ['current'], false],
    ['no secret configured', signWebhook(body, 'current'), [], false],
  ];

  it.each(cases)('%s', (_what, header, secrets, accepted) => {
    expect(verifyWebhookSignature(body, header, secrets)).toBe(accepted);
  });

  it('refuses a body changed by one byte', () => {
    const tampered = Buffer.from(body.toString().replace('PINC001', 'PINC002'));

    expect(verifyWebhookSignature(tampered, signWebhook(body, 'current'), ['current'])).toBe(false);
  });

  it('reads comma-separated secrets, ignoring blanks', () => {
    expect(webhookSecrets(' old , new ,')).toEqual(['old', 'new']);
    expect(webhookSecrets(undefined)).toEqual([]);
  });
});

describe('PagerDuty webhook events', () => {
  it('reads a triggered incident with its service', () => {
    expect(parseWebhookEvent(body)).toEqual({
      kind: 'incident.triggered',
      eventId: 'EV-PINC001',
      occurredAt: OCCURRED.getTime(),
      incidentId: 'PINC001',
      number: 1234,
      title: 'checkout answers 5xx',
      url: 'https://example.pagerduty.com/incidents/PINC001',
      urgency: 'high',
      serviceId: 'PCHKPRD',
      serviceName: 'checkout (prd)',
    });
  });

  it.each([
    ['not JSON', 'nope'],
    ['JSON without an event', '{"messages":[]}'],
    ['an event without a type', '{"event":{"id":"E1","data":{}}}'],
  ])('refuses %s', (_what, text) => {
    expect(parseWebhookEvent(text)).toBeUndefined();
  });

  it('reads an annotation with its note and incident', () => {
    const event = {
      event: {
        id: 'E2',
        event_type: 'incident.annotated',
        resource_type: 'incident',
        data: {
          incident: { id: 'PINC001', type: 'incident_reference' },
          id: 'PNOTE001',
          content: 'Jarvis diagnosis ...',
          type: 'incident_note',
        },
      },
    };

    expect(parseWebhookEvent(JSON.stringify(event))).toEqual({
      kind: 'incident.annotated',
      eventId: 'E2',
      incidentId: 'PINC001',
      noteId: 'PNOTE001',
      content: 'Jarvis diagnosis ...',
    });
  });
});

describe('PagerDutyClient', () => {
  let fake: FakePagerDuty;
  let client: PagerDutyClient;
  beforeAll(async () => {
    fake = await startFakePagerDuty();
    client = new PagerDutyClient({ token: fake.token, from: fake.from, baseUrl: fake.url, retryBaseMs: 1 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('posts a note with the token, the From user and the versioned media type', async () => {
    // Act
    const note = await client.addNote('PINC001', 'hello from Jarvis');
    // Assert
    const received = fake.notes.find((n) => n.id === note.id)!;
    expect(received).toMatchObject({ incidentId: 'PINC001', content: 'hello from Jarvis' });
    expect(received.headers).toMatchObject({
      authorization: `Token token=${fake.token}`,
      from: fake.from,
      accept: 'application/vnd.pagerduty+json;version=2',
      'content-type': 'application/json',
    });
  });

  it.each([429, 500, 503])('retries a %i and succeeds', async (status) => {
    // Arrange
    fake.failNext(2, status);
    // Act
    const note = await client.addNote('PINC001', `after ${status}`);
    // Assert
    expect(fake.notes.at(-1)).toMatchObject({ id: note.id, content: `after ${status}` });
  });

  it.each([
    ['a wrong token', { token: 'wrong' }, 'FORBIDDEN', /PAGERDUTY_API_TOKEN/],
    [
      'an unknown From user',
      { from: 'nobody@example.com' },
      'UPSTREAM',
      /400 \(Invalid Input Provided: Requester User Not Found\)/,
    ],
  ])('names the cause of %s without the token', async (_what, override, code, message) => {
    // Arrange
    const bad = new PagerDutyClient({ token: fake.token, from: fake.from, baseUrl: fake.url, ...override });
    // Act
    const err = await bad.addNote('PINC001', 'x').catch((e: unknown) => e);
    // Assert
    expect(err).toBeInstanceOf(JarvisError);
    expect(err).toMatchObject({ code, details: { resource: 'pagerduty:incident/PINC001' } });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(fake.token);
  });

  it('gives up after its attempts with THROTTLED', async () => {
    fake.failNext(3, 429);

    await expect(client.addNote('PINC001', 'x')).rejects.toMatchObject({ code: 'THROTTLED' });
  });

  it('refuses an incident id that is not one, before any request', async () => {
    const before = fake.notes.length;

    await expect(client.addNote('../users', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(fake.notes).toHaveLength(before);
  });

  it('says what to set when notes are not configured', () => {
    const off = pagerDutyClientFromEnv({
      PAGERDUTY_API_TOKEN: 'token',
      PAGERDUTY_FROM_EMAIL: undefined,
      PAGERDUTY_API_URL: 'https://api.pagerduty.com',
    });

    expect(off.client).toBeUndefined();
    expect(off.reason).toMatch(/PAGERDUTY_FROM_EMAIL/);
  });
});
