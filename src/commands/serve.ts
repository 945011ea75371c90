import { once } from 'node:events';
import { createAgent } from '../agent/factory.js';
import { IncidentResponder } from '../agent/incidents.js';
import type { Agent } from '../agent/loop.js';
import { startJarvis, type Jarvis } from '../app.js';
import { createPagerDutyWebhook } from '../channels/pagerduty-webhook.js';
import { loadEnvSettings, type EnvSettings } from '../config/env.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { logWarnings } from '../warnings.js';
import { pagerDutyClientFromEnv, webhookSecrets } from '../platform/pagerduty.js';
import type { ReconcileReport } from '../rollout/reconciler.js';
import { slackCredentials, startService, type PagerDutyFactory, type Service } from '../service.js';

export interface ServeOptions {
  /** HTTP port: Slack events (HTTP mode), /webhooks/pagerduty, /metrics, /healthz. Default $PORT (3000). */
  port?: number;
  /** Interface to listen on; default all (0.0.0.0). */
  host?: string;
  /** `--sandbox`: run on the sandbox; unset: JARVIS_SANDBOX decides (else AWS). */
  sandbox?: boolean;
}

/**
 * `jarvis serve`: Slack (when configured), the PagerDuty webhook (when configured) and `/metrics`, on one
 * HTTP server, until SIGINT or SIGTERM. Integrations that are not configured are listed as off, not
 * fatal; a half-configured one is a ConfigError before anything starts.
 */
export async function runServe(opts: ServeOptions = {}): Promise<void> {
  await runService('serve', opts);
}

/**
 * The body of `jarvis serve` and `jarvis slack`: checks the Slack settings first, starts Jarvis (against
 * AWS, or on the sandbox when asked for: see startJarvis), the agent and the service, prints where it
 * listens and on what, and stops cleanly on a signal (open questions are answered "no"; running turns
 * finish).
 */
export async function runService(kind: 'serve' | 'slack', opts: ServeOptions): Promise<void> {
  const env = loadEnvSettings();
  const credentials = slackCredentials(env);
  if (kind === 'slack' && !credentials) {
    throw new ConfigError(
      [
        'SLACK_BOT_TOKEN: unset. Install the app from manifest.yml (README, "Install in Slack"), then set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode).',
      ],
      'the environment',
    );
  }
  const logger = createLogger(env.LOG_LEVEL);
  // stderr is the log stream: libraries' plain-text warnings go into it as JSON lines.
  const restoreWarnings = logWarnings(logger);
  // The sandbox runs a minute a second unless JARVIS_TIME_SCALE says otherwise.
  const timeScale = process.env.JARVIS_TIME_SCALE ? env.JARVIS_TIME_SCALE : undefined;
  const jarvis = await startJarvis({ env, sandbox: opts.sandbox, logger, timeScale });
  let service: Service | undefined;
  try {
    // Adoption of what a previous process left unfinished runs before the first request is served;
    // its reports reach Slack and /metrics once they are up.
    const pending: ReconcileReport[] = [];
    const sink: { deliver?: (r: ReconcileReport) => Promise<void> } = {};
    await jarvis.startReconciler(async (r) => {
      if (sink.deliver) await sink.deliver(r);
      else pending.push(r);
    });
    const kit = createAgent(jarvis, { env, sandbox: jarvis.mode === 'sandbox', logger });
    const notes: string[] = [];
    const pagerduty = kind === 'serve' ? pagerDutyWebhook(env, jarvis, kit.agent, logger, notes) : undefined;
    service = await startService({
      jarvis,
      agent: kit.agent,
      env,
      port: opts.port ?? env.PORT,
      host: opts.host,
      slack: kind === 'slack' ? 'required' : 'optional',
      metrics: kind === 'serve',
      pagerduty,
      logger,
    });
    const started = service;
    sink.deliver = (r) => started.report(r);
    for (const r of pending.splice(0)) await sink.deliver(r);
    process.stdout.write(`${banner(kind, service, env, jarvis, notes)}\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    process.stdout.write('Stopping: open questions are answered "no", running requests finish.\n');
  } finally {
    await service?.close();
    await jarvis.close();
    restoreWarnings();
  }
}

/**
 * The PagerDuty webhook and its incident responder, when PAGERDUTY_WEBHOOK_SECRETS is set; findings go
 * to Slack through `announce` and, when PAGERDUTY_API_TOKEN and PAGERDUTY_FROM_EMAIL are set, as notes.
 */
function pagerDutyWebhook(
  env: EnvSettings,
  jarvis: Jarvis,
  agent: Agent,
  logger: Logger,
  notes: string[],
): PagerDutyFactory | undefined {
  const secrets = webhookSecrets(env.PAGERDUTY_WEBHOOK_SECRETS);
  if (secrets.length === 0) return undefined;
  const client = pagerDutyClientFromEnv(env);
  if (client.reason) notes.push(client.reason);
  const { config, store, clock } = jarvis;
  return ({ announce }) => {
    const responder = new IncidentResponder({
      agent,
      config,
      store,
      clock,
      notes: client.client,
      announce,
      logger,
    });
    const webhook = createPagerDutyWebhook({
      secrets,
      store,
      clock,
      respond: (event) => responder.handle(event),
      maxEventAgeMs: config.pagerduty.maxEventAgeSeconds * 1000,
      logger,
    });
    return { handler: webhook, idle: () => webhook.idle() };
  };
}

function banner(
  kind: 'serve' | 'slack',
  service: Service,
  env: EnvSettings,
  jarvis: Jarvis,
  notes: readonly string[],
): string {
  const where =
    jarvis.mode === 'aws'
      ? `on AWS, configuration ${jarvis.config.source}`
      : `on the ${jarvis.sandbox ? 'embedded sandbox' : `sandbox at ${env.JARVIS_SANDBOX_URL ?? '?'}`}: simulated AWS and Kubernetes, not your real environments`;
  const lines = [`jarvis ${kind} ${where}`];
  if (service.slack?.mode === 'socket') lines.push('  Slack: Socket Mode (no public URL needed)');
  if (service.slack?.mode === 'http') lines.push(`  Slack: HTTP, request URL ${service.url}/slack/events`);
  if (service.metrics) lines.push(`  Metrics: ${service.url}/metrics`);
  if (kind === 'serve' && !service.disabled.some((d) => d.startsWith('PagerDuty'))) {
    lines.push(`  PagerDuty webhook: ${service.url}/webhooks/pagerduty`);
  }
  if (service.url) lines.push(`  Health: ${service.url}/healthz`);
  for (const off of service.disabled) lines.push(`  Off: ${off}`);
  for (const note of notes) lines.push(`  Note: ${note}`);
  lines.push(
    `  Planner: ${env.ANTHROPIC_API_KEY ? `Claude (${env.ANTHROPIC_MODEL}), offline grammar as fallback` : 'offline grammar (set ANTHROPIC_API_KEY for Claude)'}`,
  );
  lines.push('Ctrl-C stops it.');
  return lines.join('\n');
}
