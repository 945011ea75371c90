import {
  App,
  LogLevel,
  SocketModeReceiver,
  type Logger as BoltLogger,
  type Receiver,
  type webApi,
} from '@slack/bolt';
import type { LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import { redact } from '../../redact.js';
import type { ReplayKey } from '../../store/replay.js';
import type { Deployment, Store } from '../../store/store.js';
import type { Logger } from '../../logger.js';
import type { RequestHandler } from '../http-server.js';
import { WebSlackApi } from './api.js';
import { SlackChannel, type ChannelMetrics, type SlackChannelDeps, type TurnRunner } from './channel.js';
import { CONTROL_ACTIONS, type ControlAction } from './control-view.js';
import type { Click } from './decisions.js';
import { AckFirst } from './ack-first.js';
import { SlackRequestGuard } from './guard.js';
import { EventsReceiver } from './receiver.js';
import { socketReplayGuard } from './socket-replay.js';
import { ProgressTakeover } from './takeover.js';
import { ACTIONS, MFA_VIEW, type ButtonAction } from './views.js';

/** The Slack app's secrets and endpoint, from the environment (SLACK_*). */
export interface SlackCredentials {
  botToken: string;
  /** Needed over HTTP (request signatures); unused in Socket Mode. */
  signingSecret?: string | undefined;
  /** Set: Socket Mode (no public URL). */
  appToken?: string | undefined;
  /** Web API base URL; default Slack's. */
  apiUrl?: string | undefined;
}

export interface SlackAppOptions {
  credentials: SlackCredentials;
  agent: TurnRunner;
  config: LoadedConfig;
  deployments: SlackChannelDeps['deployments'];
  /**
   * The replay memory (the store): request signatures and event ids are claimed there for an hour, so a
   * signed request re-sent after a restart is answered 200 and not acted on; in Socket Mode, event ids.
   * Undefined: none (tests).
   */
  replay?: Pick<Store, 'claimOnce'> | undefined;
  metrics?: ChannelMetrics | undefined;
  /**
   * Where rollouts' progress messages are kept (the store): recorded when posted, read to finish the
   * message of a rollout adopted from another process. Undefined: not kept (tests).
   */
  progress?: Pick<Store, 'putProgressMessage' | 'progressMessage' | 'getReleaseState'> | undefined;
  /** Answers approval presses of questions another replica asked; undefined: refused as unknown. */
  approvals?: SlackChannelDeps['approvals'];
  /** Jarvis runs on the sandbox: the channel marks every answer as simulated. */
  sandbox: boolean;
  logger?: Logger | undefined;
}

export interface SlackApp {
  mode: 'http' | 'socket';
  channel: SlackChannel;
  /** The handler of `POST /slack/events` (HTTP mode; undefined in Socket Mode). */
  events: RequestHandler | undefined;
  /**
   * Shows the end of a rollout this process adopted from another on the progress message the other
   * posted (see ProgressTakeover). Resolves false when there was none to finish; never rejects.
   */
  finishAdopted(deployment: Deployment): Promise<boolean>;
  stop(): Promise<void>;
}

/** Path Slack posts events and interactions to in HTTP mode (the manifest's request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';

const ACTION_IDS = new Map<string, ButtonAction>(
  Object.entries(ACTIONS).map(([name, id]) => [id, name as ButtonAction]),
);
const CONTROL_IDS = new Map<string, ControlAction>(
  Object.entries(CONTROL_ACTIONS).map(([name, id]) => [id, name as ControlAction]),
);

/**
 * Starts the Bolt app: Socket Mode when an app token is given, else HTTP, whose handler the caller mounts
 * at {@link SLACK_EVENTS_PATH}. Bolt is transport only: every event becomes a call on {@link SlackChannel},
 * acknowledged before any work starts. Rejects when Slack refuses the bot token (`auth.test`).
 */
export async function startSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const { credentials, logger } = options;
  const log = boltLogger(logger);
  const clientOptions: webApi.WebClientOptions = {
    ...(credentials.apiUrl ? { slackApiUrl: withSlash(credentials.apiUrl) } : {}),
    // 429s come back to the caller, which honours Retry-After its own way (see WebSlackApi).
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 3000 },
    timeout: 10_000,
  };
  const socket = credentials.appToken !== undefined;
  let http: EventsReceiver | undefined;
  let receiver: Receiver;
  if (socket) {
    receiver = new SocketModeReceiver({
      appToken: credentials.appToken!,
      logger: log,
      installerOptions: { clientOptions },
    });
  } else {
    if (!credentials.signingSecret) throw new Error('SLACK_SIGNING_SECRET is needed over HTTP');
    http = new EventsReceiver({
      signingSecret: credentials.signingSecret,
      logger: log,
      // Every listener acks at once; this only answers requests no listener took.
      unhandledRequestTimeoutMillis: 2500,
      ...(options.replay ? { claim: claimer(options.replay) } : {}),
    });
    receiver = http;
  }
  const app = new App({
    token: credentials.botToken,
    receiver,
    clientOptions,
    logger: log,
    convoStore: false,
    deferInitialization: true,
  });
  await app.init();

  const acks = http ? new AckFirst() : undefined;
  const api = new WebSlackApi(app.client);
  const takeover = options.progress
    ? new ProgressTakeover({ api, store: options.progress, logger })
    : undefined;
  const channel = new SlackChannel({
    agent: options.agent,
    beforeWork: acks ? () => acks.settled() : undefined,
    api,
    config: options.config,
    deployments: options.deployments,
    progressMessages: options.progress,
    approvals: options.approvals,
    metrics: options.metrics,
    sandbox: options.sandbox,
    logger,
  });
  if (socket && options.replay) app.use(socketReplayGuard(claimer(options.replay), logger));
  listen(app, channel);
  app.error((error) => {
    logger?.warn({ err: error.message, code: error.code }, 'slack listener error');
    return Promise.resolve();
  });

  if (socket) await app.start();
  const guard = new SlackRequestGuard();
  const events: RequestHandler | undefined = http
    ? (req, res) => {
        acks?.track(res);
        const verdict = guard.check(req.headers);
        if (!verdict.ok) {
          logger?.warn({ reason: verdict.reason }, 'slack request refused');
          req.resume();
          res.writeHead(401).end();
          return;
        }
        http.handle(req, res);
      }
    : undefined;
  return {
    mode: socket ? 'socket' : 'http',
    channel,
    events,
    finishAdopted: (deployment) => takeover?.finish(deployment) ?? Promise.resolve(false),
    stop: async () => {
      await channel.close();
      if (socket) await app.stop();
    },
  };
}

/** Event, action and view listeners: translate, acknowledge, hand over. */
function listen(app: App, channel: SlackChannel): void {
  app.event('app_mention', ({ event, context }) => {
    if (!event.user) return Promise.resolve();
    channel.receive({
      channel: event.channel,
      channelType: undefined,
      user: event.user,
      text: event.text,
      ts: event.ts,
      threadTs: event.thread_ts,
      botUserId: context.botUserId,
      mention: true,
    });
    return Promise.resolve();
  });

  app.event('message', ({ event, context }) => {
    // Edits, joins, bot posts and other subtypes are not requests.
    if (event.subtype !== undefined || !('user' in event) || 'bot_id' in event) return Promise.resolve();
    channel.receive({
      channel: event.channel,
      channelType: event.channel_type,
      user: event.user,
      text: event.text ?? '',
      ts: event.ts,
      threadTs: event.thread_ts,
      botUserId: context.botUserId,
      mention: context.botUserId !== undefined && (event.text ?? '').includes(`<@${context.botUserId}>`),
    });
    return Promise.resolve();
  });

  app.action({ type: 'block_actions', action_id: /^jarvis_/ }, async ({ ack, body, action }) => {
    await ack();
    const control = CONTROL_IDS.get(action.action_id);
    if (control) {
      if (action.type !== 'button') return;
      const message = body.message as { ts?: string; thread_ts?: string } | undefined;
      // Not awaited: the command may wait for an MFA code, and the press has been acknowledged.
      void channel.control({
        action: control,
        value: action.value ?? '',
        user: body.user.id,
        channel: body.channel?.id,
        messageTs: message?.ts ?? (body.container as { message_ts?: string } | undefined)?.message_ts,
        threadTs: message?.thread_ts,
        triggerId: body.trigger_id,
      });
      return;
    }
    const name = ACTION_IDS.get(action.action_id);
    if (!name || action.type !== 'button') return;
    const click: Click = {
      action: name,
      id: action.value ?? '',
      user: body.user.id,
      channel: body.channel?.id,
      messageTs: body.message?.ts ?? (body.container as { message_ts?: string } | undefined)?.message_ts,
      triggerId: body.trigger_id,
    };
    await channel.press(click);
  });

  app.view(MFA_VIEW.callbackId, async ({ ack, body, view }) => {
    // The code is read here and handed to the verifier; it is never logged or stored.
    const code = view.state.values[MFA_VIEW.block]?.[MFA_VIEW.input]?.value ?? '';
    const answer = await channel.submitCode({
      id: view.private_metadata,
      user: body.user.id,
      code,
      team: body.team?.id ?? body.user.team_id,
    });
    await ack(answer.ok ? undefined : { response_action: 'errors', errors: answer.errors });
  });
}

/**
 * Bolt's logger interface over pino; Bolt's debug output stays at debug, and costs nothing below it.
 * Bolt and its Socket Mode client write whole payloads into some lines ("Received a message on the
 * WebSocket: {...}", ack data): those carry what people typed, MFA codes in a modal's state included, so
 * everything from the first `{` or `[` of a line is left out, and the rest is redacted.
 */
function boltLogger(logger: Logger | undefined): BoltLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]): string =>
    withoutPayload(
      parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : messageOf(p))).join(' '),
    );
  const at =
    (name: 'debug' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]): void => {
      if (logger?.isLevelEnabled(name)) logger[name]({ component: 'bolt' }, line(parts));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

function withoutPayload(text: string): string {
  const at = text.search(/[{[]/);
  return redact(at === -1 ? text : `${text.slice(0, at).trimEnd()} [payload left out]`);
}

/** How long a verified request's signature and event id are remembered: Slack's 5-minute window for
 * signatures, and its retries of an event (within minutes), with room to spare. Real time: Slack's. */
const REPLAY_MEMORY_MS = 3_600_000;

function claimer(store: Pick<Store, 'claimOnce'>): (keys: ReplayKey[]) => Promise<boolean> {
  return (keys) => {
    const now = Date.now();
    return store.claimOnce(keys, now + REPLAY_MEMORY_MS, now);
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
