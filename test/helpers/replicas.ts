import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';
import { lockKey } from '../../src/store/store.js';
import { holderProcess } from '../../src/rollout/lease.js';
import { buttonOf, startFakeSlack, type FakeSlack, type SlackCall } from './fake-slack.js';
import { startFakePagerDuty, type FakePagerDuty } from './fake-pagerduty.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { buttonPress, messageEvent, postSigned } from './slack-requests.js';

export const SLACK_SECRET = 'replicas-signing-secret';
export const PD_SECRET = 'replicas-pd-secret';
export const CI = 'C0JARVISCI';
/** 32 bytes in base64: every replica must seal and open MFA seeds with one key. */
const MFA_KEY = Buffer.alloc(32, 7).toString('base64');

/** One `jarvis serve` of several sharing a PostgreSQL store and a sandbox. */
export interface Replica {
  name: string;
  proc: ServeProcess;
  url: string;
  pid: number;
  /** Sends a Slack message event to this replica; resolves with its ts (the thread). */
  say(user: string, text: string): Promise<string>;
  /** Presses `actionId` on the message a recorded call created, through this replica. */
  press(user: string, call: SlackCall, actionId: string): Promise<number>;
}

/** The world several replicas share: one PostgreSQL server, one sandbox, one Slack, one PagerDuty. */
export interface ReplicaWorld {
  pg: PostgresServer;
  databaseUrl: string;
  sandbox: Sandbox;
  slack: FakeSlack;
  pd: FakePagerDuty;
  /** A store of the test's own on the shared database, to read what the replicas wrote. */
  store: PostgresStore;
  start(name: string): Promise<Replica>;
  /** The weights of `env/service` on the sandbox ALB, by colour. */
  weights(env: string, service: string): { blue: number; green: number };
  /** The pid holding the lock of `env/service`, or undefined when it is free. */
  holderPid(env: string, service: string): Promise<number | undefined>;
  close(): Promise<void>;
}

let nextTs = 1_900_000_000;

export interface ReplicaWorldOptions {
  /** Edits the sandbox's configuration (parsed YAML) that the sandbox and every replica then use. */
  configure?: (config: Record<string, unknown>) => void;
}

/**
 * Starts PostgreSQL, a sandbox at `timeScale` in this process, a fake Slack and a fake PagerDuty; replicas
 * started from it run `jarvis serve` in sandbox mode on that sandbox with JARVIS_DATABASE_URL, each with
 * a data directory of its own (nothing is shared through files).
 */
export async function startReplicaWorld(
  timeScale: number,
  options: ReplicaWorldOptions = {},
): Promise<ReplicaWorld> {
  const dirs: string[] = [];
  let config;
  if (options.configure) {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-config-'));
    dirs.push(dir);
    const yaml = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
    options.configure(yaml);
    const path = join(dir, 'jarvis.config.yaml');
    writeFileSync(path, stringify(yaml));
    config = loadConfig(path);
  }
  const pg = await startPostgres();
  const databaseUrl = await pg.newDatabase();
  const sandbox = await startSandbox({ timeScale, ...(config ? { config } : {}) });
  const slack = await startFakeSlack({ channels: { [CI]: 'jarvis-ci' } });
  const pd = await startFakePagerDuty();
  const store = await openPostgresStore({ url: databaseUrl });
  const procs: ServeProcess[] = [];
  const routeWeights = (env: string, service: string) => {
    const world = sandbox.world;
    world.reconcileControllers();
    const route = world.route(env, service)!;
    const byArn = new Map(world.forwardOf(route.routeArn).map((g) => [g.TargetGroupArn, g.Weight]));
    return { blue: byArn.get(route.blue) ?? 0, green: byArn.get(route.green) ?? 0 };
  };
  return {
    pg,
    databaseUrl,
    sandbox,
    slack,
    pd,
    store,
    async start(name) {
      const dir = mkdtempSync(join(tmpdir(), `jarvis-${name}-`));
      dirs.push(dir);
      const proc = startServe({
        ...sandbox.settings(),
        JARVIS_DATABASE_URL: databaseUrl,
        JARVIS_DATA_DIR: dir,
        JARVIS_MFA_KEY: MFA_KEY,
        LOG_LEVEL: 'info',
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-replicas-test',
        SLACK_SIGNING_SECRET: SLACK_SECRET,
        SLACK_API_URL: slack.url,
        PAGERDUTY_WEBHOOK_SECRETS: PD_SECRET,
        PAGERDUTY_API_TOKEN: pd.token,
        PAGERDUTY_FROM_EMAIL: pd.from,
        PAGERDUTY_API_URL: pd.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      procs.push(proc);
      const url = await proc.ready;
      const events = `${url}/slack/events`;
      return {
        name,
        proc,
        url,
        pid: proc.child.pid!,
        async say(user, text) {
          const ts = `${++nextTs}.000100`;
          const sent = await postSigned(events, SLACK_SECRET, messageEvent({ channel: CI, user, text, ts }));
          if (sent.status !== 200) throw new Error(`${name} refused the event: ${sent.status}`);
          return ts;
        },
        async press(user, call, actionId) {
          const button = buttonOf(call, actionId);
          if (!button) throw new Error(`no ${actionId} button in that message`);
          const ts = String(call.response?.ts);
          const thread = slack.messages.get(ts)?.threadTs;
          const sent = await postSigned(
            events,
            SLACK_SECRET,
            buttonPress({
              user,
              channel: CI,
              messageTs: ts,
              ...(thread ? { threadTs: thread } : {}),
              actionId,
              value: button.value,
            }),
          );
          return sent.status;
        },
      };
    },
    weights: routeWeights,
    async holderPid(env, service) {
      const lock = await store.getLock(lockKey(env, service));
      return lock && holderProcess(lock.holder)?.pid;
    },
    async close() {
      for (const p of procs) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGCONT');
          await p.stop();
        }
      }
      await store.close();
      await pd.close();
      await slack.close();
      await sandbox.close();
      await pg.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` every 50 ms until `done` holds of its value; rejects after `timeoutMs`. */
export async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
