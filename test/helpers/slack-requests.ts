import { createHmac } from 'node:crypto';
import { BOT_USER_ID, TEAM_ID } from './fake-slack.js';

/**
 * Requests as Slack sends them to an app over HTTP: Events API callbacks (JSON) and interactivity
 * payloads (form-encoded `payload=`), signed with v0 HMAC-SHA256 over `v0:<timestamp>:<raw body>`.
 */

export interface SignOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature (a forged request). */
  signature?: string;
}

export function sign(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface Sent {
  status: number;
  body: string;
}

/** Builds the signed request: the headers and the exact body that was signed. */
export function signedRequest(
  secret: string,
  body: string,
  contentType: string,
  options: SignOptions = {},
): { headers: Record<string, string>; body: string } {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? sign(secret, body, timestamp),
    },
    body,
  };
}

/** POSTs `payload` to `url` signed with `secret`: JSON for events, `payload=` form for interactions. */
export async function postSigned(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  options: SignOptions = {},
): Promise<Sent> {
  const form = payload.type === 'block_actions' || payload.type === 'view_submission';
  const raw = form ? `payload=${encodeURIComponent(JSON.stringify(payload))}` : JSON.stringify(payload);
  const request = signedRequest(
    secret,
    raw,
    form ? 'application/x-www-form-urlencoded' : 'application/json',
    options,
  );
  const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text() };
}

let eventCount = 0;

/** An Events API callback carrying `event`. */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  eventCount += 1;
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    api_app_id: 'A0JARVIS',
    type: 'event_callback',
    event_id: `Ev${String(eventCount).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true }],
    event,
  };
}

/** A person's message in a channel (`thread` set: a reply in that thread). */
export function messageEvent(options: {
  channel: string;
  user: string;
  text: string;
  ts: string;
  thread?: string;
  channelType?: string;
}): Record<string, unknown> {
  return eventCallback({
    type: 'message',
    channel: options.channel,
    channel_type: options.channelType ?? 'channel',
    user: options.user,
    text: options.text,
    ts: options.ts,
    event_ts: options.ts,
    ...(options.thread ? { thread_ts: options.thread } : {}),
  });
}

/** A press of the button `actionId` (value `value`) on the message `messageTs`. */
export function buttonPress(options: {
  user: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  actionId: string;
  value: string;
  triggerId?: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: TEAM_ID, domain: 'test' },
    user: { id: options.user, team_id: TEAM_ID, username: options.user.toLowerCase() },
    api_app_id: 'A0JARVIS',
    token: 'legacy-verification-token',
    trigger_id: options.triggerId ?? `trigger-${options.user}-${Date.now()}`,
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: options.channel,
      is_ephemeral: false,
    },
    channel: { id: options.channel, name: 'jarvis-ci' },
    message: {
      type: 'message',
      ts: options.messageTs,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      user: BOT_USER_ID,
      text: '',
    },
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: 'b',
        value: options.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** A submission of the MFA modal with `code`. */
export function mfaSubmission(options: {
  user: string;
  privateMetadata: string;
  code: string;
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'test' },
    user: { id: options.user, team_id: TEAM_ID, username: options.user.toLowerCase() },
    api_app_id: 'A0JARVIS',
    token: 'legacy-verification-token',
    trigger_id: `trigger-submit-${Date.now()}`,
    view: {
      id: 'V0MFA',
      team_id: TEAM_ID,
      type: 'modal',
      callback_id: 'jarvis_mfa',
      private_metadata: options.privateMetadata,
      hash: 'h',
      blocks: [],
      state: { values: { code: { code: { type: 'plain_text_input', value: options.code } } } },
    },
  };
}
