import { environmentOf, policyOf, type LoadedConfig } from '../../config.js';
import type { Refusal } from '../../errors.js';
import type { Origin } from '../types.js';

/**
 * The channel guardrail: where a write to `env` may be asked from (`policy.writeFrom`). Default, when
 * the configuration says nothing: the terminal and the Slack channels Jarvis listens in, and direct
 * messages too except for the last environment of the promotion order (production).
 */
export function writeOrigins(
  config: LoadedConfig,
  env: string,
  service: string | undefined,
): readonly string[] {
  const policy = service === undefined ? environmentOf(config, env).policy : policyOf(config, env, service);
  const listed = policy.writeFrom;
  if (listed) return listed;
  const production = config.order.at(-1) === env && config.order.length > 1;
  return production ? ['terminal', 'slack'] : ['terminal', 'slack', 'dm'];
}

/** Why a write to `service` in `env` may not be asked for from `origin` (CHANNEL_NOT_ALLOWED); undefined: it may. */
export function channelProblem(
  config: LoadedConfig,
  env: string,
  service: string | undefined,
  origin: Origin,
): Refusal | undefined {
  const allowed = writeOrigins(config, env, service);
  if (allowed.some((entry) => matches(config, entry, origin))) return undefined;
  return {
    code: 'CHANNEL_NOT_ALLOWED',
    reason: `Writes to ${env} cannot be asked for from ${describe(origin)}; ask from ${allowed.map(place).join(' or ')}.`,
  };
}

function matches(config: LoadedConfig, entry: string, origin: Origin): boolean {
  switch (origin.kind) {
    case 'terminal':
      return entry === 'terminal';
    case 'dm':
      return entry === 'dm';
    case 'pagerduty':
      return false;
    case 'slack': {
      if (entry === 'slack') return config.slack.channels.some((c) => sameChannel(c, origin));
      return sameChannel(entry, origin);
    }
  }
}

/** True when the configured channel (a name with or without `#`, or an id) is the one of `origin`. */
function sameChannel(configured: string, origin: { channel: string; name?: string | undefined }): boolean {
  const bare = configured.startsWith('#') ? configured.slice(1) : configured;
  return bare === origin.channel || (origin.name !== undefined && bare === origin.name);
}

function describe(origin: Origin): string {
  switch (origin.kind) {
    case 'terminal':
      return 'the terminal';
    case 'dm':
      return 'a direct message';
    case 'pagerduty':
      return 'PagerDuty';
    case 'slack':
      return origin.name ? `#${origin.name}` : `the Slack channel ${origin.channel}`;
  }
}

function place(entry: string): string {
  if (entry === 'terminal') return 'the terminal';
  if (entry === 'dm') return 'a direct message';
  if (entry === 'slack') return 'a Slack channel Jarvis listens in';
  return entry.startsWith('#') ? entry : `<#${entry}>`;
}
