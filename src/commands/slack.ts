import { runService, type ServeOptions } from './serve.js';

export type SlackOptions = ServeOptions;

/**
 * `jarvis slack`: the Slack app alone, until SIGINT or SIGTERM. Socket Mode when SLACK_APP_TOKEN is set
 * (nothing listens on a port), else HTTP on `port` (default $PORT, 3000) at /slack/events. Throws a
 * ConfigError listing what is missing when Slack is not configured.
 */
export async function runSlack(opts: SlackOptions = {}): Promise<void> {
  await runService('slack', opts);
}
