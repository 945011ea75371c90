import { storedQuestions } from './agent/approval-questions.js';
import type { Jarvis } from './app.js';
import { PAGERDUTY_WEBHOOK_PATH } from './channels/pagerduty-webhook.js';
import { startHttpServer, type HttpServer, type RequestHandler, type Route } from './channels/http-server.js';
import type { SlackApp, SlackCredentials } from './channels/slack/app.js';
import type { TurnRunner } from './channels/slack/channel.js';
import type { EnvSettings } from './config/env.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { escapeMrkdwn } from './channels/slack/views.js';
import type { ReconcileReport } from './rollout/reconciler.js';
import { JarvisMetrics } from './telemetry.js';

/** The PagerDuty webhook, when that integration is present and configured. */
export interface PagerDutyMount {
  /** `POST /webhooks/pagerduty`: verifies, answers at once, works in the background. */
  handler: RequestHandler;
  /** Resolves when the work it started is done (shutdown waits for it). */
  idle?: () => Promise<void>;
}

/**
 * Builds the PagerDuty webhook once Slack is up, so findings can be announced there. `announce` posts
 * plain text (escaped for Slack) to the announce channel; undefined when Slack is not running.
 */
export type PagerDutyFactory = (slack: {
  announce: ((text: string) => Promise<void>) | undefined;
}) => PagerDutyMount | undefined;

export interface ServiceOptions {
  jarvis: Jarvis;
  agent: TurnRunner;
  env: EnvSettings;
  /** HTTP port (0: any free one); the server starts only when it has something to serve. */
  port: number;
  host?: string | undefined;
  /** `required`: refuse to start without Slack settings (`jarvis slack`); `optional`: run without. */
  slack: 'required' | 'optional';
  /** Serve `/metrics` (prom-client). */
  metrics: boolean;
  /** The PagerDuty webhook; undefined: not mounted (listed in `disabled`). */
  pagerduty?: PagerDutyFactory | undefined;
  logger?: Logger | undefined;
}

export interface Service {
  /** Base URL of the HTTP server; undefined when nothing is served over HTTP (Socket Mode alone). */
  url: string | undefined;
  slack: SlackApp | undefined;
  metrics: JarvisMetrics | undefined;
  /** Parts not started, each with the reason (printed at start-up). */
  disabled: string[];
  /** Delivers a reconciler report: counted in /metrics, announced in Slack when it is running. */
  report(report: ReconcileReport): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Slack settings in `env`: undefined when Slack is not configured at all (no bot token); throws a
 * ConfigError listing every problem when it is half-configured.
 */
export function slackCredentials(env: EnvSettings): SlackCredentials | undefined {
  const problems: string[] = [];
  if (!env.SLACK_BOT_TOKEN) {
    if (env.SLACK_APP_TOKEN || env.SLACK_SIGNING_SECRET) {
      problems.push(
        'SLACK_BOT_TOKEN: unset. Copy the Bot User OAuth Token (xoxb-...) from the Slack app page.',
      );
    } else {
      return undefined;
    }
  }
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_SIGNING_SECRET: unset, so requests from Slack cannot be verified over HTTP. Copy it from the app page (Basic Information), or set SLACK_APP_TOKEN (xapp-...) to use Socket Mode.',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems, 'the environment');
  return {
    botToken: env.SLACK_BOT_TOKEN!,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
  };
}

/**
 * Starts the long-running parts on one HTTP server: Slack (HTTP mode at /slack/events, or Socket Mode),
 * the PagerDuty webhook, `/metrics` and `/healthz`. A missing optional integration is listed in
 * `disabled` with its reason instead of failing the start (STYLE.md 6).
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { jarvis, env, logger } = options;
  const disabled: string[] = [];
  const credentials = slackCredentials(env);
  if (!credentials && options.slack === 'required') {
    throw new ConfigError(
      [
        'SLACK_BOT_TOKEN: unset. Install the app from manifest.yml (README, "Install in Slack") and set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode).',
      ],
      'the environment',
    );
  }
  const metrics = options.metrics
    ? new JarvisMetrics({ config: jarvis.config, store: jarvis.store, logger })
    : undefined;
  let slack: SlackApp | undefined;
  let slackRoute: Route | undefined;
  if (credentials) {
    // Bolt and the Web API client are loaded only by a server that talks to Slack.
    const { startSlackApp, SLACK_EVENTS_PATH } = await import('./channels/slack/app.js');
    slack = await startSlackApp({
      credentials,
      agent: options.agent,
      config: jarvis.config,
      deployments: jarvis.store,
      progress: jarvis.store,
      approvals: storedQuestions({ config: jarvis.config, store: jarvis.store, logger }),
      replay: jarvis.store,
      metrics,
      sandbox: jarvis.mode === 'sandbox',
      logger,
    });
    if (slack.events) slackRoute = { method: 'POST', path: SLACK_EVENTS_PATH, handler: slack.events };
  } else {
    disabled.push('Slack: SLACK_BOT_TOKEN is unset');
  }
  const channel = slack?.channel;
  const pagerduty = options.pagerduty?.({
    announce: channel ? (text) => channel.announceText(text) : undefined,
  });
  if (!pagerduty && options.metrics) disabled.push('PagerDuty webhook: PAGERDUTY_WEBHOOK_SECRETS is unset');

  const routes: Route[] = [{ method: 'GET', path: '/healthz', handler: (_req, res) => void res.end('ok\n') }];
  if (slackRoute) routes.push(slackRoute);
  if (metrics) routes.push({ method: 'GET', path: '/metrics', handler: metrics.handler });
  if (pagerduty) routes.push({ method: 'POST', path: PAGERDUTY_WEBHOOK_PATH, handler: pagerduty.handler });
  let server: HttpServer | undefined;
  if (routes.length > 1) {
    try {
      server = await startHttpServer({ port: options.port, host: options.host, routes, logger });
    } catch (err) {
      await slack?.stop();
      throw err;
    }
  }
  return {
    url: server?.url,
    slack,
    metrics,
    disabled,
    report: async (report) => {
      metrics?.observeReconcile(report);
      // An adopted rollout's progress message, posted by the process that died, is finished from here.
      if (slack && report.deployment && (report.kind === 'adopted' || report.kind === 'finished')) {
        await slack.finishAdopted(report.deployment);
      }
      if (channel && report.kind !== 'drift-resolved') {
        const icon =
          report.kind === 'drift' ? ':warning:' : report.kind === 'recovery-failed' ? ':x:' : ':recycle:';
        await channel.announce(`${icon} *Reconciler*: ${escapeMrkdwn(report.detail)}`);
      } else if (channel) {
        await channel.announce(`:white_check_mark: *Reconciler*: ${escapeMrkdwn(report.detail)}`);
      }
    },
    close: async () => {
      await server?.close();
      await pagerduty?.idle?.();
      await slack?.stop();
    },
  };
}
