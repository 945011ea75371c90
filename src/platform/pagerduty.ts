import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { EnvSettings } from '../config/env.js';
import { JarvisError, messageOf } from '../errors.js';
import { redact } from '../redact.js';

/**
 * PagerDuty, the two halves Jarvis uses: webhooks v3 coming in (signature check and event shape) and the
 * REST API going out (incident notes).
 */

// ---------------------------------------------------------------------------------------------------
// Webhooks v3

/** The signing secrets of PAGERDUTY_WEBHOOK_SECRETS (comma-separated: two during a rotation). */
export function webhookSecrets(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `v1=<hex HMAC-SHA256 of the raw body>` as PagerDuty signs a delivery with `secret`. */
export function signWebhook(rawBody: Buffer | string, secret: string): string {
  return `v1=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * True when one of the `v1=` values of an `X-PagerDuty-Signature` header is the HMAC-SHA256 of the raw
 * body under one of `secrets`. Every value is checked against every secret, each comparison in constant
 * time, so that neither the position of a match nor the length of a common prefix shows in the timing.
 * False for a missing or malformed header and when no secret is configured.
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header || secrets.length === 0) return false;
  const given = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => Buffer.from(part.slice(3), 'hex'));
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    for (const candidate of given) {
      // timingSafeEqual needs equal lengths; a wrong length is not a match and reveals nothing secret.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) ok = true;
    }
  }
  return ok;
}

const Reference = z.object({ id: z.string().min(1), summary: z.string().optional() }).loose();

/** The part of a webhook v3 payload Jarvis reads; everything else is kept but ignored. */
const WebhookPayload = z.object({
  event: z
    .object({
      id: z.string().min(1),
      event_type: z.string().min(1),
      resource_type: z.string().optional(),
      occurred_at: z.string().optional(),
      agent: Reference.nullable().optional(),
      data: z
        .object({
          id: z.string().optional(),
          type: z.string().optional(),
          number: z.number().optional(),
          title: z.string().optional(),
          html_url: z.string().optional(),
          urgency: z.string().optional(),
          service: Reference.optional(),
          /** incident.annotated: the incident the note belongs to; the note is the data itself. */
          incident: Reference.optional(),
          content: z.string().optional(),
        })
        .loose(),
    })
    .loose(),
});

/** What every event carries: its id (covered by the signature) and when it occurred, when given. */
interface EventBase {
  eventId: string;
  /** `occurred_at` in ms since the epoch; undefined when absent or not a time. */
  occurredAt?: number;
}

/** A webhook event as Jarvis acts on it. */
export type PagerDutyEvent = EventBase &
  (
    | {
        kind: 'incident.triggered';
        incidentId: string;
        /** The incident number people use (`#1234`), when given. */
        number?: number;
        title: string;
        url?: string;
        urgency?: string;
        /** The PagerDuty service the incident belongs to, by id. */
        serviceId: string;
        serviceName?: string;
      }
    | { kind: 'incident.annotated'; incidentId: string; noteId?: string; content: string }
    | { kind: 'other'; eventType: string }
  );

/**
 * The event of a webhook v3 body, or undefined when it is not one (invalid JSON, no `event`). An
 * incident.triggered without a service is returned as `other`: there is nothing Jarvis could diagnose.
 */
export function parseWebhookEvent(rawBody: Buffer | string): PagerDutyEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString());
  } catch {
    return undefined;
  }
  const parsed = WebhookPayload.safeParse(json);
  if (!parsed.success) return undefined;
  const { id, event_type: type, data, occurred_at: occurred } = parsed.data.event;
  const at = occurred === undefined ? Number.NaN : Date.parse(occurred);
  const base = { eventId: id, ...(Number.isNaN(at) ? {} : { occurredAt: at }) };
  if (type === 'incident.triggered' && data.id && data.service) {
    return {
      kind: 'incident.triggered',
      ...base,
      incidentId: data.id,
      title: data.title ?? '',
      serviceId: data.service.id,
      ...(data.number !== undefined ? { number: data.number } : {}),
      ...(data.html_url ? { url: data.html_url } : {}),
      ...(data.urgency ? { urgency: data.urgency } : {}),
      ...(data.service.summary ? { serviceName: data.service.summary } : {}),
    };
  }
  if (type === 'incident.annotated' && data.incident) {
    return {
      kind: 'incident.annotated',
      ...base,
      incidentId: data.incident.id,
      content: data.content ?? '',
      ...(data.id ? { noteId: data.id } : {}),
    };
  }
  return { kind: 'other', ...base, eventType: type };
}

// ---------------------------------------------------------------------------------------------------
// REST API

/** What the incident responder needs of PagerDuty; PagerDutyClient implements it. */
export interface IncidentNotes {
  /** Adds a note to an incident and returns the note's id. Throws a JarvisError naming the incident. */
  addNote(incidentId: string, content: string): Promise<{ id: string }>;
}

export interface PagerDutyClientOptions {
  /** REST API token (an account or user API key). */
  token: string;
  /** Email of a PagerDuty user, sent as `From:`; notes are attributed to that user. */
  from: string;
  /** Default https://api.pagerduty.com (https://api.eu.pagerduty.com for EU accounts). */
  baseUrl?: string;
  /** Real milliseconds one request may take. Default 10 000. */
  timeoutMs?: number;
  /** Attempts of a request that is throttled (429) or fails (5xx, network). Default 3. */
  attempts?: number;
  /** First back-off between attempts in real milliseconds, doubling. Default 500. */
  retryBaseMs?: number;
}

/** Longest note content sent; PagerDuty refuses very long notes and a page should stay readable. */
export const MAX_NOTE_CHARS = 24_000;

/**
 * A small client of the PagerDuty REST API v2 over fetch: `Authorization: Token token=...`, `From:`,
 * the versioned Accept header. Failures become JarvisErrors: FORBIDDEN (401/403: the token or the From
 * user), NOT_FOUND (404), THROTTLED (429 after the retries), UPSTREAM (other statuses), UNAVAILABLE
 * (network, timeout). Neither the token nor a note's content appears in an error message.
 */
export class PagerDutyClient implements IncidentNotes {
  private readonly baseUrl: string;

  constructor(private readonly options: PagerDutyClientOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://api.pagerduty.com').replace(/\/+$/, '');
  }

  async addNote(incidentId: string, content: string): Promise<{ id: string }> {
    const resource = `pagerduty:incident/${incidentId}`;
    if (!/^[A-Za-z0-9]+$/.test(incidentId)) {
      throw new JarvisError('INVALID_INPUT', `"${incidentId}" is not a PagerDuty incident id.`, { resource });
    }
    // The last net before a page: whatever the caller did, no credential goes into an incident.
    const body = JSON.stringify({ note: { content: redact(content).slice(0, MAX_NOTE_CHARS) } });
    const res = await this.request('POST', `/incidents/${incidentId}/notes`, body, resource);
    const parsed = z
      .object({ note: z.object({ id: z.string() }).loose() })
      .safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new JarvisError('UPSTREAM', `PagerDuty answered the note on ${incidentId} without a note id.`, {
        resource,
        upstream: String(res.status),
      });
    }
    return { id: parsed.data.note.id };
  }

  /**
   * Checks the token and the From user without writing anything: the user whose email is `from` must
   * exist (PagerDuty refuses notes from anyone else). Resolves with what was found.
   */
  async checkToken(): Promise<string> {
    const resource = 'pagerduty:users';
    const query = new URLSearchParams({ query: this.options.from, limit: '25' });
    const res = await this.request('GET', `/users?${query.toString()}`, undefined, resource);
    const parsed = z
      .object({ users: z.array(z.object({ id: z.string(), email: z.string() }).loose()) })
      .safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new JarvisError('UPSTREAM', 'PagerDuty answered GET /users without a list of users.', {
        resource,
      });
    }
    const user = parsed.data.users.find((u) => u.email.toLowerCase() === this.options.from.toLowerCase());
    if (!user) {
      throw new JarvisError(
        'NOT_FOUND',
        `The token was accepted, but no PagerDuty user has the email ${this.options.from}: set PAGERDUTY_FROM_EMAIL to a user's email.`,
        { resource },
      );
    }
    return `token accepted; notes will be written as ${user.email} (${user.id})`;
  }

  private async request(
    method: string,
    path: string,
    body: string | undefined,
    resource: string,
  ): Promise<Response> {
    const attempts = Math.max(1, this.options.attempts ?? 3);
    let delay = this.options.retryBaseMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Token token=${this.options.token}`,
            From: this.options.from,
            Accept: 'application/vnd.pagerduty+json;version=2',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        if (attempt < attempts) {
          await sleep(delay);
          delay *= 2;
          continue;
        }
        throw new JarvisError(
          'UNAVAILABLE',
          `PagerDuty at ${this.baseUrl} did not answer: ${messageOf(err)}.`,
          {
            resource,
          },
        );
      }
      if (res.ok) return res;
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt < attempts) {
        await res.body?.cancel();
        await sleep(retryAfterMs(res) ?? delay);
        delay *= 2;
        continue;
      }
      throw await httpError(res, resource);
    }
  }
}

/**
 * The client configured by the environment, or undefined with the reason when PagerDuty notes are not
 * configured (PAGERDUTY_API_TOKEN and PAGERDUTY_FROM_EMAIL are both needed).
 */
export function pagerDutyClientFromEnv(
  env: Pick<EnvSettings, 'PAGERDUTY_API_TOKEN' | 'PAGERDUTY_FROM_EMAIL' | 'PAGERDUTY_API_URL'>,
): { client: PagerDutyClient; reason?: undefined } | { client?: undefined; reason: string } {
  if (!env.PAGERDUTY_API_TOKEN || !env.PAGERDUTY_FROM_EMAIL) {
    return {
      reason:
        'PagerDuty incident notes are off: set PAGERDUTY_API_TOKEN and PAGERDUTY_FROM_EMAIL (a PagerDuty user’s email).',
    };
  }
  return {
    client: new PagerDutyClient({
      token: env.PAGERDUTY_API_TOKEN,
      from: env.PAGERDUTY_FROM_EMAIL,
      baseUrl: env.PAGERDUTY_API_URL,
    }),
  };
}

async function httpError(res: Response, resource: string): Promise<JarvisError> {
  // PagerDuty errors are `{ error: { message, code, errors: [...] } }`; only the message is kept.
  let detail = '';
  try {
    const body = (await res.json()) as { error?: { message?: unknown; errors?: unknown } };
    const errors = Array.isArray(body.error?.errors) ? `: ${body.error.errors.join('; ')}` : '';
    if (typeof body.error?.message === 'string') detail = ` (${body.error.message}${errors})`;
  } catch {
    // not JSON: the status says enough
  }
  const status = res.status;
  const upstream = String(status);
  if (status === 401 || status === 403) {
    return new JarvisError(
      'FORBIDDEN',
      `PagerDuty refused the request with ${status}${detail}: check PAGERDUTY_API_TOKEN and that PAGERDUTY_FROM_EMAIL is a user of the account.`,
      { resource, upstream },
    );
  }
  if (status === 404) {
    return new JarvisError('NOT_FOUND', `PagerDuty has no ${resource.split(':')[1]}${detail}.`, {
      resource,
      upstream,
    });
  }
  if (status === 429) {
    return new JarvisError('THROTTLED', `PagerDuty is rate-limiting requests${detail}.`, {
      resource,
      upstream,
    });
  }
  return new JarvisError('UPSTREAM', `PagerDuty answered ${status}${detail}.`, { resource, upstream });
}

function retryAfterMs(res: Response): number | undefined {
  const value = Number(res.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? Math.min(value, 30) * 1000 : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
