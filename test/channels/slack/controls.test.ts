import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { CallRecord, TurnResult } from '../../../src/agent/loop.js';
import type { Interaction } from '../../../src/agent/types.js';
import { startSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../src/channels/slack/app.js';
import type { TurnRunner } from '../../../src/channels/slack/channel.js';
import type { CommandCall } from '../../../src/channels/slack/controls.js';
import { startHttpServer, type HttpServer } from '../../../src/channels/http-server.js';
import { parseConfig, SANDBOX_CONFIG_PATH } from '../../../src/config.js';
import type { Actor } from '../../../src/policies/types.js';
import type { Deployment } from '../../../src/store/store.js';
import { buttonOf, startFakeSlack, type FakeSlack, type SlackCall } from '../../helpers/fake-slack.js';
import { buttonPress, messageEvent, mfaSubmission, postSigned } from '../../helpers/slack-requests.js';
import { ALICE, BOB, CI, nextTs, SECRET, VIEWER } from './harness.js';

interface Recorded {
  thread: string;
  actor: Actor;
  call: CommandCall;
  opts: { pressed?: boolean } | undefined;
}

interface OpenTurn {
  io: Interaction;
  finish(): void;
}

/**
 * The agent as the channel sees it: a turn stands for a running rollout (the test sends its events
 * through the turn's Interaction and ends it), and `command` records each call it is asked to run.
 */
class FakeAgent implements TurnRunner {
  readonly commands: Recorded[] = [];
  readonly open: OpenTurn[] = [];
  /** Set: commands wait for `release()`. */
  hold = false;
  /** Set: a command asks for an MFA code through its Interaction before it answers. */
  askMfa = false;
  private readonly held: Array<() => void> = [];
  private readonly waiters: Array<() => void> = [];

  turn(_thread: string, _actor: Actor, _text: string, io: Interaction): Promise<TurnResult> {
    return new Promise((resolve) => {
      this.open.push({ io, finish: () => resolve(result('Rollout done.', [])) });
      this.notify();
    });
  }

  async command(
    thread: string,
    actor: Actor,
    call: CommandCall,
    io: Interaction,
    opts?: { pressed?: boolean },
  ): Promise<TurnResult> {
    this.commands.push({ thread, actor, call, opts });
    this.notify();
    // What a tool reports through the command's Interaction must not become a second progress message.
    io.progress({ ...rollout(0), kind: 'phase', phase: 'resume', message: 'from the command' });
    if (this.askMfa) {
      const outcome = await io.mfa(`${call.name} ${String(call.input.env)}`, () =>
        Promise.resolve({ ok: true }),
      );
      if (!outcome.ok) return result('MFA was not passed.', [record(call, 'mfa-failed')]);
    }
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    return result(`${call.name} done for ${String(call.input.env)}.`, [record(call, 'ok')]);
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  /** Resolves once `count` turns have started / commands have been asked for. */
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

function result(text: string, calls: CallRecord[]): TurnResult {
  return { text, calls, usage: [], planner: 'fake' };
}

function record(call: CommandCall, outcome: CallRecord['outcome']): CallRecord {
  return { tool: call.name, input: call.input, decision: 'allow', outcome };
}

let nextDeployment = 100;
const rollout = (id: number) => ({ env: 'prd', service: 'checkout', deploymentId: id }) as const;

describe('Stop and Pause/Resume on the progress message', () => {
  let slack: FakeSlack;
  let app: SlackApp;
  let server: HttpServer;
  const agent = new FakeAgent();
  const deployments = new Map<number, Deployment>();

  beforeAll(async () => {
    const yaml = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
    yaml.access = {
      defaultRole: 'viewer',
      users: { [ALICE]: 'deployer', [BOB]: 'deployer', [VIEWER]: 'viewer' },
    };
    yaml.slack = { channels: ['jarvis-ci'], announceChannel: 'jarvis-ci', progressIntervalMs: 0 };
    const config = parseConfig(stringify(yaml), 'controls test');
    slack = await startFakeSlack({ channels: { [CI]: 'jarvis-ci' } });
    app = await startSlackApp({
      credentials: { botToken: 'xoxb-test-token', signingSecret: SECRET, apiUrl: slack.url },
      agent,
      config,
      deployments: { getDeployment: (id) => Promise.resolve(deployments.get(id)) },
      sandbox: false,
    });
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      routes: [{ method: 'POST', path: SLACK_EVENTS_PATH, handler: app.events! }],
    });
  });
  afterAll(async () => {
    for (const turn of agent.open) turn.finish();
    agent.release();
    await app.stop();
    await server.close();
    await slack.close();
  });

  const send = (payload: Record<string, unknown>) =>
    postSigned(`${server.url}${SLACK_EVENTS_PATH}`, SECRET, payload);

  /** ALICE starts a rollout of checkout in prd: its turn, its record and its first progress message. */
  async function start(): Promise<{ id: number; thread: string; turn: OpenTurn; progress: SlackCall }> {
    const id = nextDeployment++;
    deployments.set(id, {
      id,
      env: 'prd',
      service: 'checkout',
      version: '1.3.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: ALICE,
      startedAt: Date.now(),
      status: 'RUNNING',
    });
    const thread = nextTs();
    const opened = agent.open.length;
    await send(messageEvent({ channel: CI, user: ALICE, text: 'deploy 1.3.0 to prd', ts: thread }));
    await agent.until(() => agent.open.length > opened);
    const turn = agent.open[opened]!;
    turn.io.progress({ ...rollout(id), kind: 'phase', phase: 'prepare', message: 'preparing green' });
    const progress = await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        buttonOf(c, 'jarvis_stop') !== undefined,
    );
    return { id, thread, turn, progress };
  }

  const shown = (call: SlackCall) => slack.messages.get(String(call.response?.ts))!;

  const press = (user: string, progress: SlackCall, actionId: string, thread: string) => {
    const button = buttonOf(shown(progress), actionId);
    if (!button) throw new Error(`no ${actionId} button on the progress message`);
    return send(
      buttonPress({
        user,
        channel: CI,
        messageTs: String(progress.response?.ts),
        threadTs: thread,
        actionId,
        value: button.value,
      }),
    );
  };

  const ephemeralTo = (user: string, text: string) =>
    slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' && c.params.user === user && String(c.params.text).includes(text),
    );

  const posted = (thread: string, text: string) =>
    slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        String(c.params.text).includes(text),
    );

  async function end(id: number, thread: string, turn: OpenTurn): Promise<void> {
    deployments.set(id, { ...deployments.get(id)!, status: 'ABORTED' });
    turn.io.progress({
      ...rollout(id),
      kind: 'finished',
      status: 'ABORTED',
      reason: 'Stop pressed',
      durationMs: 1000,
      version: '1.3.0',
    });
    turn.finish();
    await posted(thread, 'Rollout done.');
    await app.channel.idle();
  }

  it('shows Stop (not styled as danger) and Pause while running, and no buttons once finished', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    const stop = (
      shown(progress).blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>
    )
      .find((b) => b.type === 'actions')
      ?.elements?.find((e) => e.action_id === 'jarvis_stop');

    // Act
    await end(id, thread, turn);

    // Assert
    expect(stop).toMatchObject({ text: { text: 'Stop' } });
    expect(stop).not.toHaveProperty('style');
    expect(JSON.parse(String(stop?.value))).toEqual({ deploymentId: id, env: 'prd', service: 'checkout' });
    expect(buttonOf(progress, 'jarvis_pause')).toBeDefined();
    expect(buttonOf(progress, 'jarvis_resume')).toBeUndefined();
    const final = shown(progress);
    expect(final.text).toBe('ABORTED: prd/checkout 1.3.0');
    expect(final.blocks.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
  });

  it('turns Pause into Resume on a pause event, and back on a resume event', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    const ts = String(progress.response?.ts);
    const edited = (actionId: string, after: number) =>
      slack.waitFor(
        (c) =>
          c.method === 'chat.update' &&
          c.params.ts === ts &&
          slack.calls.indexOf(c) > after &&
          buttonOf(c, actionId) !== undefined,
      );

    // Act
    turn.io.progress({ ...rollout(id), kind: 'phase', phase: 'pause', message: 'paused by U0ALICE01' });
    const paused = await edited('jarvis_resume', slack.calls.indexOf(progress));
    turn.io.progress({ ...rollout(id), kind: 'phase', phase: 'resume', message: 'resumed' });
    const resumed = await edited('jarvis_pause', slack.calls.indexOf(paused));

    // Assert
    expect(buttonOf(paused, 'jarvis_pause')).toBeUndefined();
    expect(buttonOf(paused, 'jarvis_stop')).toBeDefined();
    expect(JSON.stringify(paused.params.blocks)).toContain('phase *prepare* · *paused*');
    expect(buttonOf(resumed, 'jarvis_resume')).toBeUndefined();
    expect(JSON.stringify(resumed.params.blocks)).not.toContain('*paused*');
    await end(id, thread, turn);
  });

  it.each([
    ['Stop', 'jarvis_stop', ALICE, { name: 'abort_rollout', reason: 'Stop pressed in Slack by U0ALICE01' }],
    ['Pause', 'jarvis_pause', BOB, { name: 'pause_rollout', reason: 'Pause pressed in Slack by U0BOB0001' }],
  ])(
    'runs %s pressed by an allowed person as the exact command, as pressed',
    async (label, actionId, user, want) => {
      // Arrange
      const { id, thread, turn, progress } = await start();
      const before = agent.commands.length;

      // Act
      await press(user, progress, actionId, thread);
      const outcome = await posted(thread, `*${label}* pressed by <@${user}>`);

      // Assert
      expect(agent.commands.slice(before)).toEqual([
        {
          thread: `slack:${CI}:${thread}`,
          actor: {
            id: user,
            role: 'deployer',
            channel: 'slack',
            origin: { kind: 'slack', channel: CI, name: 'jarvis-ci' },
          },
          call: {
            name: want.name,
            input: { env: 'prd', service: 'checkout', deploymentId: id, reason: want.reason },
          },
          opts: { pressed: true },
        },
      ]);
      expect(String(outcome.params.text)).toContain(`${want.name} done for prd.`);
      // The command's own progress went nowhere: the rollout keeps its one message.
      const messages = slack
        .callsOf('chat.postMessage')
        .filter((c) => c.params.thread_ts === thread && buttonOf(c, 'jarvis_stop') !== undefined);
      expect(messages).toEqual([progress]);
      await end(id, thread, turn);
    },
  );

  it('refuses a viewer ephemerally and runs nothing', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    const before = agent.commands.length;

    // Act
    await press(VIEWER, progress, 'jarvis_stop', thread);
    const refusal = await ephemeralTo(VIEWER, 'You cannot press *Stop*');

    // Assert
    expect(String(refusal.params.text)).toContain('Only <@U0ALICE01>, who started it');
    expect(refusal.params.thread_ts).toBe(thread);
    expect(agent.commands.length).toBe(before);
    await end(id, thread, turn);
  });

  it('runs one command for a double press', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    const before = agent.commands.length;
    agent.hold = true;

    // Act
    await press(ALICE, progress, 'jarvis_stop', thread);
    await agent.until(() => agent.commands.length > before);
    await press(ALICE, progress, 'jarvis_stop', thread);
    await ephemeralTo(ALICE, `*Stop* was already pressed by <@U0ALICE01> for deployment #${id}`);
    agent.hold = false;
    agent.release();
    await posted(thread, '*Stop* pressed by <@U0ALICE01>');

    // Assert
    expect(agent.commands.length - before).toBe(1);
    await end(id, thread, turn);
  });

  it('does nothing for a button of a rollout that is already over', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    deployments.set(id, { ...deployments.get(id)!, status: 'SUCCESS' });
    const before = agent.commands.length;

    // Act
    await press(BOB, progress, 'jarvis_stop', thread);
    await ephemeralTo(BOB, `Deployment #${id} is already over (SUCCESS)`);

    // Assert
    expect(agent.commands.length).toBe(before);
    await end(id, thread, turn);
  });

  it('asks the person who pressed Resume for their MFA code in the rollout thread', async () => {
    // Arrange
    const { id, thread, turn, progress } = await start();
    turn.io.progress({ ...rollout(id), kind: 'phase', phase: 'pause', message: 'paused' });
    await slack.waitFor(
      (c) =>
        c.method === 'chat.update' &&
        c.params.ts === progress.response?.ts &&
        buttonOf(c, 'jarvis_resume') !== undefined,
    );
    agent.askMfa = true;

    // Act
    await press(BOB, progress, 'jarvis_resume', thread);
    const prompt = await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        buttonOf(c, 'jarvis_mfa') !== undefined,
    );
    await send(
      mfaSubmission({ user: BOB, privateMetadata: buttonOf(prompt, 'jarvis_mfa')!.value, code: '123456' }),
    );
    const outcome = await posted(thread, '*Resume* pressed by <@U0BOB0001>');
    agent.askMfa = false;

    // Assert
    expect(JSON.stringify(prompt.params.blocks)).toContain('<@U0BOB0001>, this change needs your MFA code');
    expect(agent.commands.at(-1)?.call).toEqual({
      name: 'resume_rollout',
      input: { env: 'prd', service: 'checkout', deploymentId: id },
    });
    expect(String(outcome.params.text)).toContain('resume_rollout done for prd.');
    await end(id, thread, turn);
  });
});
