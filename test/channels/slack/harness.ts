import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { parse, stringify } from 'yaml';
import { createAgent, type AgentKit } from '../../../src/agent/factory.js';
import type { Planner } from '../../../src/agent/types.js';
import { startJarvis, type Jarvis } from '../../../src/app.js';
import { SANDBOX_CONFIG_PATH } from '../../../src/config.js';
import { loadEnvSettings } from '../../../src/config/env.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import { startService, type Service } from '../../../src/service.js';
import {
  buttonOf,
  startFakeSlack,
  type FakeMessage,
  type FakeSlack,
  type SlackCall,
} from '../../helpers/fake-slack.js';
import { startFakeSocketMode, type FakeSocketMode } from '../../helpers/fake-socket-mode.js';
import {
  buttonPress,
  messageEvent,
  mfaSubmission,
  postSigned,
  type Sent,
  type SignOptions,
} from '../../helpers/slack-requests.js';

export const CI = 'C0JARVISCI';
export const OTHER = 'C0RANDOM01';
export const ALICE = 'U0ALICE01';
export const BOB = 'U0BOB0001';
export const VIEWER = 'U0VIEWER1';
export const SECRET = 'test-signing-secret-0123456789';
export const APP_TOKEN = 'xapp-1-A0JARVIS-1-test-app-token';

export interface SlackHarness {
  jarvis: Jarvis;
  kit: AgentKit;
  slack: FakeSlack;
  service: Service;
  logPath: string;
  /** POST /slack/events of the running service (HTTP mode). */
  eventsUrl: string;
  /** The fake Socket Mode endpoint the app is connected to (Socket Mode). */
  socket: FakeSocketMode | undefined;
  /** Sends a payload as Slack would: a signed POST (HTTP mode) or an envelope (Socket Mode). */
  send(payload: Record<string, unknown>, options?: SignOptions): Promise<Sent>;
  /** `user` writes `text` in `channel` (a new thread unless `thread`); returns the message's ts. */
  say(
    user: string,
    text: string,
    options?: { channel?: string; thread?: string; channelType?: string },
  ): Promise<string>;
  /** `user` presses `actionId` on the message of `call`. */
  press(user: string, call: SlackCall, actionId: string, triggerId?: string): Promise<Sent>;
  submitCode(user: string, privateMetadata: string, code: string): Promise<Sent>;
  /** A valid TOTP code of `user` right now (enrolled by the harness). */
  code(user: string): Promise<string>;
  /** A 6-digit code that is certainly wrong for `user` right now. */
  wrongCode(user: string): Promise<string>;
  /** The version serving all traffic of `service` in `env`, read from the sandbox's own state. */
  version(env: string, service: string): string | undefined;
  /** Every log line written so far. */
  logs(): string;
  /** A message posted in `thread` that carries the button `actionId`. */
  question(thread: string, actionId: string): Promise<SlackCall>;
  /**
   * The post or edit of a rollout's progress message in `thread` that shows it ended with `status`
   * (SUCCESS, ROLLED_BACK...): its plain text then starts `SUCCESS: `.
   */
  ended(thread: string, status: string): Promise<SlackCall>;
  /** Every message posted in `thread`, in the order they were posted, as Slack shows them now. */
  thread(thread: string): FakeMessage[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  timeScale?: number;
  /** Changes to the sandbox configuration (parsed YAML) before Jarvis starts. */
  configure?: (config: Record<string, unknown>) => void;
  /** Socket Mode (an app token, no signing secret) instead of HTTP. */
  socketMode?: boolean;
  /**
   * The mode the service is told Jarvis runs in; default the real one (the sandbox). `aws` shows how the
   * channel renders answers against AWS, the backend still being the sandbox.
   */
  mode?: Jarvis['mode'];
  /** The planner the agent uses; default the offline grammar (the sandbox has no API key). */
  planner?: (jarvis: Jarvis) => Planner;
}

let tsCounter = 0;

/** A fresh message ts, as Slack makes them (seconds.micro). */
export function nextTs(): string {
  tsCounter += 1;
  return `${1_800_000_000 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
}

/**
 * Jarvis on an in-process sandbox behind the real Bolt app (HTTP mode) and the real HTTP server of
 * `jarvis serve`, talking to a fake Slack Web API. ALICE and BOB are deployers, VIEWER a viewer; ALICE
 * and BOB are enrolled for MFA; 1.3.0 has succeeded in tst, so it may go to prd.
 */
export async function startSlackHarness(options: HarnessOptions = {}): Promise<SlackHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-slack-'));
  const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  config.access = {
    defaultRole: 'viewer',
    users: { [ALICE]: 'deployer', [BOB]: 'deployer', [VIEWER]: 'viewer' },
  };
  config.slack = {
    channels: ['jarvis-ci'],
    announceChannel: 'jarvis-ci',
    progressIntervalMs: 50,
    answerIntervalMs: 50,
  };
  options.configure?.(config);
  const configPath = join(dir, 'jarvis.config.yaml');
  writeFileSync(configPath, stringify(config));

  const socket = options.socketMode ? await startFakeSocketMode() : undefined;
  const slack = await startFakeSlack({
    channels: { [CI]: 'jarvis-ci', [OTHER]: 'random' },
    ...(socket ? { socketUrl: socket.url } : {}),
  });
  const env = loadEnvSettings({
    JARVIS_DATA_DIR: dir,
    JARVIS_CONFIG: configPath,
    LOG_LEVEL: 'debug',
    JARVIS_MFA_KEY: randomBytes(32).toString('base64'),
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    ...(socket ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SECRET }),
    SLACK_API_URL: slack.url,
  });
  const logPath = join(dir, 'jarvis.log');
  const logger: Logger = createLogger('debug', logPath);
  const jarvis = await startJarvis({
    env,
    sandbox: true,
    timeScale: options.timeScale ?? 400,
    storePath: join(dir, 'jarvis.db'),
    logger,
  });
  const kit = createAgent(jarvis, {
    env,
    sandbox: true,
    logger,
    ...(options.planner ? { planner: options.planner(jarvis) } : {}),
  });
  const secrets = new Map<string, string>();
  for (const user of [ALICE, BOB]) {
    const { uri } = await kit.mfa!.enroll(user);
    secrets.set(user, new URL(uri).searchParams.get('secret')!);
  }
  const now = jarvis.clock.now();
  const seeded = await jarvis.store.startDeployment({
    env: 'tst',
    service: 'checkout',
    version: '1.3.0',
    colour: 'green',
    strategy: 'blue-green',
    actor: 'seed',
    startedAt: now - 60_000,
  });
  await jarvis.store.finishDeployment(seeded.id, 'SUCCESS', undefined, now - 30_000);

  const service = await startService({
    jarvis: options.mode ? { ...jarvis, mode: options.mode } : jarvis,
    agent: kit.agent,
    env,
    port: 0,
    host: '127.0.0.1',
    slack: 'required',
    metrics: true,
    logger,
  });
  const eventsUrl = `${service.url}/slack/events`;
  await socket?.connected();
  const send = async (payload: Record<string, unknown>, signOptions?: SignOptions): Promise<Sent> => {
    if (!socket) return postSigned(eventsUrl, SECRET, payload, signOptions);
    const ack = await socket.deliver(payload);
    return { status: 200, body: ack.payload === undefined ? '' : JSON.stringify(ack.payload) };
  };

  return {
    jarvis,
    kit,
    slack,
    service,
    logPath,
    eventsUrl,
    socket,
    send,
    async say(user, text, where = {}) {
      const ts = nextTs();
      const sent = await send(
        messageEvent({
          channel: where.channel ?? CI,
          user,
          text,
          ts,
          ...(where.thread ? { thread: where.thread } : {}),
          ...(where.channelType ? { channelType: where.channelType } : {}),
        }),
      );
      if (sent.status !== 200) throw new Error(`event refused: ${sent.status}`);
      return ts;
    },
    press(user, call, actionId, triggerId) {
      const button = buttonOf(call, actionId);
      if (!button) throw new Error(`no ${actionId} button in that message`);
      const posted = slack.messages.get(tsOf(slack, call));
      return send(
        buttonPress({
          user,
          channel: posted?.channel ?? String(call.params.channel),
          messageTs: tsOf(slack, call),
          ...(posted?.threadTs ? { threadTs: posted.threadTs } : {}),
          actionId,
          value: button.value,
          ...(triggerId ? { triggerId } : {}),
        }),
      );
    },
    submitCode: (user, privateMetadata, code) => send(mfaSubmission({ user, privateMetadata, code })),
    code: (user) => generate({ secret: secrets.get(user)! }),
    async wrongCode(user) {
      const secret = secrets.get(user)!;
      const at = Math.floor(Date.now() / 1000);
      const valid = new Set(
        await Promise.all([-1, 0, 1].map((s) => generate({ secret, epoch: at + s * 30 }))),
      );
      // Far from the valid codes, so it cannot be one of them by accident.
      for (let n = Number([...valid][0]) + 314_159; ; n++) {
        const candidate = String(n % 1_000_000).padStart(6, '0');
        if (!valid.has(candidate)) return candidate;
      }
    },
    version(env, service) {
      const world = jarvis.sandbox!.world;
      world.reconcileControllers();
      const route = world.route(env, service)!;
      const forward = world.forwardOf(route.routeArn);
      const live = forward.find((g) => (g.Weight ?? 0) === 100)?.TargetGroupArn;
      const image = live ? world.podsBehind(live)[0]?.image : undefined;
      return image?.split(':').pop();
    },
    logs: () => {
      logger.flush();
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    question: (thread, actionId) =>
      slack.waitFor(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.params.thread_ts === thread &&
          buttonOf(c, actionId) !== undefined,
      ),
    ended: (thread, status) =>
      slack.waitFor((c) => {
        if (!String(c.params.text).startsWith(`${status}: `)) return false;
        if (c.method === 'chat.postMessage') return c.params.thread_ts === thread;
        return c.method === 'chat.update' && slack.messages.get(String(c.params.ts))?.threadTs === thread;
      }, 30_000),
    thread: (thread) =>
      slack
        .callsOf('chat.postMessage')
        .filter((c) => c.params.thread_ts === thread && typeof c.response?.ts === 'string')
        .map((c) => slack.messages.get(String(c.response!.ts))!),
    close: async () => {
      await service.close();
      await socket?.close();
      await jarvis.close();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ts of the message a recorded chat.postMessage created. */
export function tsOf(_slack: FakeSlack, call: SlackCall): string {
  const ts = call.response?.ts;
  if (typeof ts !== 'string') throw new Error('that call created no message');
  return ts;
}
