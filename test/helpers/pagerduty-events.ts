import { signWebhook } from '../../src/platform/pagerduty.js';

/** When an event occurred: now by default (PagerDuty delivers within seconds), or as given. */
export interface EventTiming {
  occurredAt?: Date;
}

/** A webhook v3 `incident.triggered` payload, shaped as PagerDuty sends it. */
export function triggered(
  incidentId: string,
  serviceId: string,
  title = 'checkout answers 5xx',
  timing: EventTiming = {},
): unknown {
  return {
    event: {
      id: `EV-${incidentId}`,
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: (timing.occurredAt ?? new Date()).toISOString(),
      agent: { id: 'PAGENT1', type: 'service_reference', summary: 'Datadog' },
      client: null,
      data: {
        id: incidentId,
        type: 'incident',
        self: `https://api.pagerduty.com/incidents/${incidentId}`,
        html_url: `https://example.pagerduty.com/incidents/${incidentId}`,
        number: 1234,
        status: 'triggered',
        incident_key: `key-${incidentId}`,
        created_at: '2026-01-05T09:00:00Z',
        title,
        service: {
          id: serviceId,
          summary: 'checkout (prd)',
          type: 'service_reference',
          self: `https://api.pagerduty.com/services/${serviceId}`,
        },
        assignees: [],
        escalation_policy: { id: 'PESC001', type: 'escalation_policy_reference' },
        teams: [],
        priority: null,
        urgency: 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}

/** A webhook v3 `incident.annotated` payload: a note added to an incident. */
export function annotated(
  incidentId: string,
  noteId: string,
  content: string,
  timing: EventTiming = {},
): unknown {
  return {
    event: {
      id: `EV-${noteId}`,
      event_type: 'incident.annotated',
      resource_type: 'incident',
      occurred_at: (timing.occurredAt ?? new Date()).toISOString(),
      agent: { id: 'PUSER01', type: 'user_reference' },
      client: null,
      data: {
        incident: { id: incidentId, type: 'incident_reference' },
        id: noteId,
        content,
        trimmed: false,
        type: 'incident_note',
      },
    },
  };
}

/** Delivers `payload` to a webhook URL as PagerDuty does, signed with `secrets` (one v1 value each). */
export async function deliver(
  url: string,
  payload: unknown,
  opts: { secrets?: string[]; webhookId?: string; body?: string; signature?: string | null } = {},
): Promise<Response> {
  const body = opts.body ?? JSON.stringify(payload);
  const signature =
    opts.signature === null
      ? undefined
      : (opts.signature ?? (opts.secrets ?? []).map((s) => signWebhook(body, s)).join(','));
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'PagerDuty-Webhook/V3.0',
      'x-webhook-id': opts.webhookId ?? crypto.randomUUID(),
      'x-webhook-subscription': 'PSUB001',
      ...(signature ? { 'x-pagerduty-signature': signature } : {}),
    },
    body,
  });
}
