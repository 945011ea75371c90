import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseWebhookEvent, verifyWebhookSignature, type PagerDutyEvent } from '../platform/pagerduty.js';
import { DELIVERY_RETENTION_MS, type Store } from '../store/store.js';

/** Where `jarvis serve` mounts the handler. */
export const PAGERDUTY_WEBHOOK_PATH = '/webhooks/pagerduty';
/** Largest body accepted by default; PagerDuty's incident payloads are a few KiB. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Default oldest event acted on, by `occurred_at`. */
export const MAX_EVENT_AGE_MS = 10 * 60_000;

export interface PagerDutyWebhookDeps {
  /**
   * Signing secrets of the webhook subscription(s): `webhookSecrets(env.PAGERDUTY_WEBHOOK_SECRETS)`.
   * Several during a rotation. Empty: every delivery is refused with 401.
   */
  secrets: readonly string[];
  /**
   * Where delivery ids and event ids are claimed, so that a retry or a replay is acted on once, across
   * restarts and replicas.
   */
  store: Pick<Store, 'claimOnce'>;
  clock: Clock;
  /**
   * Events whose `occurred_at` is older than this (real milliseconds) are acknowledged with 200 and
   * ignored. Default 10 minutes (config `pagerduty.maxEventAgeSeconds`).
   */
  maxEventAgeMs?: number;
  /** Real wall time in ms (default `Date.now`): `occurred_at` is PagerDuty's, not the sandbox's clock. */
  wallNow?: () => number;
  /**
   * Acts on a verified, first-seen event, in the background after the 202 has gone out: the
   * IncidentResponder's `handle`. A rejection is logged; PagerDuty is not asked to retry.
   */
  respond: (event: PagerDutyEvent) => Promise<unknown>;
  logger?: Logger | undefined;
  /** Largest body accepted (413 beyond). Default MAX_WEBHOOK_BYTES. */
  maxBodyBytes?: number;
}

/** A plain Node request handler, plus a way to wait for the work it started in the background. */
export type PagerDutyWebhook = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Resolves when every event accepted so far has been handled (for tests and graceful shutdown). */
  idle(): Promise<void>;
};

/**
 * `POST /webhooks/pagerduty` (PagerDuty webhooks v3), transport only: reads the raw body within
 * `maxBodyBytes` (413), checks every `v1=` value of `X-PagerDuty-Signature` against every secret in
 * constant time (401 when none matches or the header is missing), refuses a body that is not a v3 event
 * (400), acknowledges and ignores an event older than `maxEventAgeMs` by its `occurred_at` (200
 * stale), claims `X-Webhook-Id` together with the signed event id in the store (200 duplicate when either
 * was seen: a new `X-Webhook-Id`, which the signature does not cover, does not make a replay new; 503
 * when the store cannot say), then answers 202 at once and hands the event to `respond` in the background: PagerDuty wants an
 * answer within a few seconds and a diagnosis can take longer.
 */
export function createPagerDutyWebhook(deps: PagerDutyWebhookDeps): PagerDutyWebhook {
  const maxBytes = deps.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const maxAgeMs = deps.maxEventAgeMs ?? MAX_EVENT_AGE_MS;
  const wallNow = deps.wallNow ?? Date.now;
  const running = new Set<Promise<void>>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
      req.resume();
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      tooLarge(req, res, maxBytes);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        tooLarge(req, res, maxBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => deps.logger?.warn({ err: messageOf(err) }, 'pagerduty webhook: request failed'));
    req.on('end', () => {
      if (refused) return;
      void accept(Buffer.concat(chunks), req, res);
    });
  };

  const accept = async (body: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const signature = header(req, 'x-pagerduty-signature');
    if (!verifyWebhookSignature(body, signature, deps.secrets)) {
      deps.logger?.warn(
        { signed: signature !== undefined, bytes: body.length },
        'pagerduty webhook: signature refused',
      );
      reply(res, 401, { error: 'invalid or missing X-PagerDuty-Signature' });
      return;
    }
    const event = parseWebhookEvent(body);
    if (!event) {
      reply(res, 400, { error: 'not a PagerDuty webhook v3 event' });
      return;
    }
    const deliveryId = header(req, 'x-webhook-id') ?? event.eventId;
    const age = event.occurredAt === undefined ? undefined : wallNow() - event.occurredAt;
    if (age !== undefined && age > maxAgeMs) {
      deps.logger?.info(
        { deliveryId, event: event.eventId, ageSeconds: Math.round(age / 1000) },
        `pagerduty webhook: event older than ${Math.round(maxAgeMs / 1000)} s ignored`,
      );
      reply(res, 200, { status: 'stale' });
      return;
    }
    let first: boolean;
    try {
      const now = deps.clock.now();
      first = await deps.store.claimOnce(
        [
          { scope: 'pagerduty.webhook', key: deliveryId },
          { scope: 'pagerduty.event', key: event.eventId },
        ],
        now + DELIVERY_RETENTION_MS,
        now,
      );
    } catch (err) {
      deps.logger?.error({ err: messageOf(err), deliveryId }, 'pagerduty webhook: cannot deduplicate');
      reply(res, 503, { error: 'cannot record the delivery; retry later' });
      return;
    }
    if (!first) {
      deps.logger?.info(
        { deliveryId, event: event.eventId },
        'pagerduty webhook: duplicate delivery or event ignored',
      );
      reply(res, 200, { status: 'duplicate' });
      return;
    }
    reply(res, 202, { status: 'accepted' });
    const work = deps
      .respond(event)
      .then(
        () => undefined,
        (err: unknown) =>
          deps.logger?.error({ err: messageOf(err), deliveryId }, 'pagerduty webhook: handling failed'),
      )
      .finally(() => running.delete(work));
    running.add(work);
  };

  return Object.assign(handler, {
    idle: async (): Promise<void> => {
      while (running.size > 0) await Promise.all([...running]);
    },
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function tooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  reply(res, 413, { error: `body over ${maxBytes} bytes` }, { connection: 'close' });
  // Read and drop the rest so the client gets the answer instead of a reset connection.
  req.resume();
}

function reply(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}
