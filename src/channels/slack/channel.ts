import type { TurnResult } from '../../agent/loop.js';
import type { Interaction, StoredQuestions } from '../../agent/types.js';
import type { LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { roleOf } from '../../policies/rbac.js';
import { slackOrigin } from './origin.js';
import type { Actor } from '../../policies/types.js';
import type { RolloutEvent } from '../../rollout/events.js';
import type { Deployment, ProgressMessageStore } from '../../store/store.js';
import { toolRegistry } from '../../tools/index.js';
import type { Tool } from '../../tools/tool.js';
import type { SlackApi } from './api.js';
import { RolloutControls, type CommandCall, type ControlClick } from './controls.js';
import { Decisions, type Click, type SubmitAnswer, type Where } from './decisions.js';
import { SlackInteraction } from './interaction.js';
import { outcomeFooter, slackResults } from './outcome.js';
import { TurnSlots } from './slots.js';
import type { ProgressState } from './progress-state.js';
import { finishedLine } from './progress-view.js';
import { escapeMrkdwn, mention } from './views.js';

/** A person's message as the transport hands it over. */
export interface InboundMessage {
  channel: string;
  /** `im` for a direct message; `channel`, `group`, `mpim` otherwise; undefined when not given. */
  channelType: string | undefined;
  user: string;
  text: string;
  ts: string;
  /** The thread it was posted in; undefined for a top-level message (which starts a thread). */
  threadTs: string | undefined;
  /** Jarvis's own user id, whose mention is removed from the text. */
  botUserId: string | undefined;
  /** It came as an `app_mention` event. */
  mention: boolean;
}

/** The agent as the channel uses it (Agent implements it). */
export interface TurnRunner {
  turn(
    thread: string,
    actor: Actor,
    text: string,
    io: Interaction,
    signal?: AbortSignal,
  ): Promise<TurnResult>;
  /** One named tool call without a planner, for the Stop, Pause and Resume buttons (see RunCommand). */
  command?(
    thread: string,
    actor: Actor,
    call: CommandCall,
    io: Interaction,
    opts?: { pressed?: boolean },
  ): Promise<TurnResult>;
}

/** What the channel reports for the `/metrics` endpoint (JarvisMetrics implements it). */
export interface ChannelMetrics {
  observeTurn(result: TurnResult): void;
  observeEvent(event: RolloutEvent): void;
  observeFinished(state: ProgressState, strategy: Deployment['strategy'] | undefined): void;
}

export interface SlackChannelDeps {
  agent: TurnRunner;
  api: SlackApi;
  config: LoadedConfig;
  /** Looks up a deployment's record (its strategy tells a rollback from a release). */
  deployments: { getDeployment(id: number): Promise<Deployment | undefined> };
  metrics?: ChannelMetrics | undefined;
  /** Jarvis runs on the sandbox: every answer then opens with a context line saying it is simulated. */
  sandbox: boolean;
  /** Where rollouts' progress messages are kept, for a replica that adopts one; undefined: nowhere. */
  progressMessages?: Pick<ProgressMessageStore, 'putProgressMessage'> | undefined;
  /** Answers approval presses of questions another replica asked (see Decisions); undefined: none. */
  approvals?: StoredQuestions | undefined;
  /** Resolves when work may start (the transport lets a burst of requests be acknowledged first). */
  beforeWork?: (() => Promise<void>) | undefined;
  /** The tools whose results answers show, for their narrow forms; default every registered tool. */
  tools?: ReadonlyMap<string, Tool> | undefined;
  logger?: Logger | undefined;
}

/** Requests waiting in one thread beyond which new ones are turned away. */
const MAX_QUEUED = 3;
/** Messages remembered to drop duplicates (a mention arrives as `message` and `app_mention`, and retries). */
const SEEN_LIMIT = 10_000;
const CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;

/**
 * Jarvis in Slack: one conversation per thread, turns in one thread one after the other and threads in
 * parallel, answers in the thread. Listens in the configured channels and in direct messages; a mention
 * elsewhere gets a pointer. Rollbacks are also announced in the announce channel. The transport (Bolt)
 * calls `receive`, `press` and `submitCode` and must not wait for `receive`: the work runs in the
 * background after Slack has been answered.
 */
export class SlackChannel {
  readonly decisions: Decisions;
  private readonly threads = new Map<string, { tail: Promise<void>; queued: number }>();
  private readonly seen = new Set<string>();
  private readonly names: ReadonlySet<string>;
  private readonly ids: ReadonlySet<string>;
  /** Channel ids learnt from names, so announcements go to an id. */
  private readonly idsByName = new Map<string, string>();
  private closed = false;
  private readonly slots: TurnSlots;
  private readonly controls: RolloutControls;
  private readonly tools: ReadonlyMap<string, Tool>;

  constructor(private readonly deps: SlackChannelDeps) {
    const slack = deps.config.slack;
    this.tools = deps.tools ?? toolRegistry();
    this.slots = new TurnSlots(slack.maxConcurrentTurns);
    this.decisions = new Decisions({
      api: deps.api,
      ttlMs: slack.buttonTtlSeconds * 1000,
      logger: deps.logger,
      stored: deps.approvals,
    });
    const listed = slack.channels.map(bare);
    this.ids = new Set(listed.filter((c) => CHANNEL_ID.test(c)));
    this.names = new Set(listed.filter((c) => !CHANNEL_ID.test(c)));
    this.controls = this.rolloutControls();
  }

  /** Queues a person's message; returns at once. Duplicates and Jarvis's own messages are dropped. */
  receive(message: InboundMessage): void {
    if (this.closed || message.user === message.botUserId) return;
    const key = `${message.channel}:${message.ts}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);

    const where: Where = { channel: message.channel, threadTs: message.threadTs ?? message.ts };
    const thread = `slack:${where.channel}:${where.threadTs}`;
    void this.acknowledge(message);
    const queue = this.threads.get(thread) ?? { tail: Promise.resolve(), queued: 0 };
    if (queue.queued >= MAX_QUEUED) {
      void this.reply(
        where,
        'I am still busy with earlier requests in this thread; ask again once they are done.',
      );
      return;
    }
    queue.queued += 1;
    queue.tail = queue.tail
      // After the current I/O, and after Slack's other requests to this process have been acknowledged.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.deps.beforeWork?.())
      .then(() => this.slots.acquire())
      .then(() => this.handle(message, where, thread).finally(() => this.slots.release()))
      .catch((err: unknown) => this.deps.logger?.error({ err: messageOf(err), thread }, 'slack turn failed'))
      .finally(() => {
        queue.queued -= 1;
        if (queue.queued === 0 && this.threads.get(thread) === queue) this.threads.delete(thread);
      });
    this.threads.set(thread, queue);
  }

  /** A button press (see Decisions.press). */
  press(click: Click): Promise<void> {
    return this.decisions.press(click);
  }

  /**
   * A press of Stop, Pause or Resume on a progress message (see RolloutControls). It is handled at once,
   * beside the turn that runs the rollout, and holds no turn slot: stopping must not wait for a turn.
   */
  control(click: ControlClick): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.controls.press(click);
  }

  /** A code submitted in the MFA modal (see Decisions.submitCode). */
  submitCode(submission: {
    id: string;
    user: string;
    code: string;
    team?: string | undefined;
  }): Promise<SubmitAnswer> {
    return this.decisions.submitCode(submission);
  }

  /** Posts `text` (mrkdwn, already escaped where it holds data) to the announce channel. */
  async announce(text: string): Promise<void> {
    const target = bare(this.deps.config.slack.announceChannel);
    const channel = CHANNEL_ID.test(target) ? target : (this.idsByName.get(target) ?? `#${target}`);
    await this.deps.api.post({ channel, text });
  }

  /** Posts plain text (escaped here: it may hold tool output) to the announce channel. */
  announceText(text: string): Promise<void> {
    return this.announce(escapeMrkdwn(text));
  }

  /** Resolves when no turn is queued or running. */
  async idle(): Promise<void> {
    while (this.threads.size > 0) await Promise.all([...this.threads.values()].map((q) => q.tail));
  }

  /** Stops taking messages, answers open questions with "no" and waits for running turns. */
  async close(): Promise<void> {
    this.closed = true;
    this.decisions.close();
    await this.idle();
    await this.controls.idle();
  }

  private rolloutControls(): RolloutControls {
    const { agent, metrics } = this.deps;
    return new RolloutControls({
      api: this.deps.api,
      config: this.deps.config,
      deployments: this.deps.deployments,
      decisions: this.decisions,
      command: agent.command ? (...args) => agent.command!(...args) : undefined,
      observe: metrics ? (result) => metrics.observeTurn(result) : undefined,
      logger: this.deps.logger,
    });
  }

  private async handle(message: InboundMessage, where: Where, thread: string): Promise<void> {
    if (!(await this.listensIn(message))) {
      if (message.mention) {
        const places = [...this.names].map((n) => `#${n}`).concat([...this.ids].map((id) => `<#${id}>`));
        await this.reply(
          where,
          `I take requests in ${places.join(', ')}${this.deps.config.slack.directMessages ? ' and in direct messages' : ''}.`,
        );
      }
      return;
    }
    const actor: Actor = {
      id: message.user,
      role: roleOf(this.deps.config, message.user),
      channel: 'slack',
      origin: await slackOrigin(this.deps.api, message.channel, message.channelType),
    };
    const io = new SlackInteraction({
      api: this.deps.api,
      decisions: this.decisions,
      config: this.deps.config,
      where,
      requester: actor,
      progressIntervalMs: this.deps.config.slack.progressIntervalMs,
      answerIntervalMs: this.deps.config.slack.answerIntervalMs,
      sandbox: this.deps.sandbox,
      onEvent: this.deps.metrics ? (e) => this.deps.metrics?.observeEvent(e) : undefined,
      onFinished: (state) => this.finished(state, where, actor),
      onProgressPosted: this.deps.progressMessages
        ? (id, location) => this.deps.progressMessages!.putProgressMessage(id, location, Date.now())
        : undefined,
      whileWaiting: (wait) => this.slots.whileWaiting(wait),
      logger: this.deps.logger,
    });
    try {
      const result = await this.deps.agent.turn(
        thread,
        actor,
        cleanText(message.text, message.botUserId),
        io,
      );
      this.deps.metrics?.observeTurn(result);
      // The end of each rollout is on its progress message before the outcome is completed under it.
      await io.settled();
      await io.finish({
        text: result.text,
        fit: (text) => slackResults(text, result.calls, this.tools),
        footer: outcomeFooter(this.deps.config, result.calls),
      });
    } catch (err) {
      await io.settled();
      await io.fail(`:x: I could not finish that: ${messageOf(err)}`);
    }
  }

  /**
   * Counts a finished rollout; a rollback or an abort is also announced: by the turn's outcome message
   * itself when the thread is in the announce channel (resolves true: it is also sent to the channel),
   * else by a post there. The thread gets no message of its own: the progress message shows the end.
   */
  private async finished(state: ProgressState, where: Where, actor: Actor): Promise<boolean> {
    const deployment = await this.deps.deployments.getDeployment(state.deploymentId).catch(() => undefined);
    this.deps.metrics?.observeFinished(state, deployment?.strategy);
    const status = state.finished?.status;
    const rollback = status === 'ROLLED_BACK' || status === 'ABORTED' || deployment?.strategy === 'rollback';
    if (!rollback) return false;
    if (await this.isAnnounceChannel(where.channel)) return true;
    const line = finishedLine(state);
    await this.announce(`${line}\nDeployment #${state.deploymentId}, asked for by ${mention(actor.id)}.`);
    return false;
  }

  private async reply(where: Where, text: string): Promise<void> {
    try {
      await this.deps.api.post({ ...where, text });
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err), channel: where.channel }, 'could not post a reply');
    }
  }

  /**
   * Marks a request Jarvis takes with :eyes: at once, before the turn starts (it may wait behind others
   * in its thread, or for the model): the person sees it was heard.
   */
  private async acknowledge(message: InboundMessage): Promise<void> {
    try {
      if (await this.listensIn(message)) await this.deps.api.react(message.channel, message.ts, ACK_REACTION);
    } catch (err) {
      this.deps.logger?.warn(
        { err: messageOf(err), channel: message.channel },
        'could not acknowledge a request',
      );
    }
  }

  private async listensIn(message: InboundMessage): Promise<boolean> {
    const dms = this.deps.config.slack.directMessages;
    if (message.channelType === 'im') return dms;
    if (this.ids.has(message.channel)) return true;
    const info = await this.deps.api.conversation(message.channel);
    if (info?.isIm) return dms;
    if (info?.name === undefined) return false;
    this.idsByName.set(info.name, message.channel);
    return this.names.has(info.name);
  }

  private async isAnnounceChannel(channel: string): Promise<boolean> {
    const target = bare(this.deps.config.slack.announceChannel);
    if (CHANNEL_ID.test(target)) return target === channel;
    return (await this.deps.api.conversation(channel))?.name === target;
  }
}

/** The reaction that acknowledges a request. */
export const ACK_REACTION = 'eyes';

function bare(channel: string): string {
  return channel.startsWith('#') ? channel.slice(1) : channel;
}

/** The request without Jarvis's mention and with Slack's escapes undone. */
export function cleanText(text: string, botUserId: string | undefined): string {
  const withoutMention = botUserId ? text.split(`<@${botUserId}>`).join(' ') : text;
  return withoutMention
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
