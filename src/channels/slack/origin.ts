import type { Origin } from '../../policies/types.js';
import type { SlackApi } from './api.js';

/**
 * Where a Slack request came from, for the release policy's channel guardrails: a direct message, or a
 * channel by id and (looked up once, cached by the API) by name. A failed lookup leaves the name out, so a
 * guardrail written by name does not match: refused rather than guessed.
 */
export async function slackOrigin(api: SlackApi, channel: string, channelType?: string): Promise<Origin> {
  if (channelType === 'im') return { kind: 'dm', channel };
  const info = await api.conversation(channel).catch(() => undefined);
  if (info?.isIm === true) return { kind: 'dm', channel };
  return { kind: 'slack', channel, ...(info?.name ? { name: info.name } : {}) };
}
