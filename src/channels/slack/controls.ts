import type { TurnResult } from '../../agent/loop.js';
import type { Interaction } from '../../agent/types.js';
import type { LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { controlProblem } from '../../policies/controls.js';
import { roleOf } from '../../policies/rbac.js';
import { slackOrigin } from './origin.js';
import type { Actor } from '../../policies/types.js';
import type { Deployment } from '../../store/store.js';
import type { SlackApi } from './api.js';
import {
  CONTROL_LABELS as LABEL,
  parseControlValue,
  type ControlAction,
  type ControlTarget,
} from './control-view.js';
import type { Decisions, Where } from './decisions.js';
import { SlackInteraction } from './interaction.js';
import { answerView } from './answer-view.js';
import { escapeMrkdwn, mention } from './views.js';

/** The tool each button calls. */
export const CONTROL_TOOLS: Record<ControlAction, 'abort_rollout' | 'pause_rollout' | 'resume_rollout'> = {
  stop: 'abort_rollout',
  pause: 'pause_rollout',
  resume: 'resume_rollout',
};

const ICON: Record<ControlAction, string> = {
  stop: ':octagonal_sign:',
  pause: ':double_vertical_bar:',
  resume: ':arrow_forward:',
};

/** A press of a control button as Slack reported it. */
export interface ControlClick {
  action: ControlAction;
  /** The button's value (see controlValue in control-view.ts); untrusted. */
  value: string;
  user: string;
  channel: string | undefined;
  messageTs: string | undefined;
  /** The thread the progress message is in. */
  threadTs: string | undefined;
  triggerId: string | undefined;
}

/** One named tool call (see {@link RunCommand}). */
export interface CommandCall {
  name: string;
  input: Record<string, unknown>;
}

/**
 * Runs one named tool call for `actor` through the policy gate, the audit log and the tool, without a
 * planner (the agent's `command`). `pressed: true`: the person pressed a button naming exactly this call,
 * which counts as their confirmation; MFA, where the policy wants it, is still asked through `io`.
 */
export type RunCommand = (
  thread: string,
  actor: Actor,
  call: CommandCall,
  io: Interaction,
  opts?: { pressed?: boolean },
) => Promise<TurnResult>;

export interface RolloutControlsDeps {
  api: SlackApi;
  config: LoadedConfig;
  deployments: { getDeployment(id: number): Promise<Deployment | undefined> };
  /** Undefined: the agent cannot run a command, and presses are answered with that. */
  command: RunCommand | undefined;
  /** Where the command's questions (an MFA code to resume in prd) are asked, of the person who pressed. */
  decisions: Decisions;
  observe?: ((result: TurnResult) => void) | undefined;
  logger?: Logger | undefined;
}

/**
 * The Stop, Pause and Resume buttons of progress messages. A press is checked on the server: the
 * deployment it names must be running and match the button, and the person must have started it or be
 * allowed to write there (controlProblem); anyone else gets an ephemeral refusal and nothing happens.
 * An allowed press runs the tool through the agent's command, as pressed, and its outcome is posted in
 * the rollout's thread; the progress message itself stays with the turn that runs the rollout. A press
 * of a button whose earlier press is still being handled is turned away, so one press is one command.
 */
export class RolloutControls {
  /** `deploymentId:action` of presses being handled. */
  private readonly busy = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: RolloutControlsDeps) {}

  /** Handles a press; resolves when it has been answered. Never rejects. */
  press(click: ControlClick): Promise<void> {
    const target = parseControlValue(click.value);
    if (!target) return this.refuse(click, 'That button is not one of mine: nothing was done.');
    // Taken before anything is awaited, so a double click cannot slip in between.
    const key = `${target.deploymentId}:${click.action}`;
    const by = this.busy.get(key);
    if (by !== undefined) {
      return this.refuse(
        click,
        `*${LABEL[click.action]}* was already pressed by ${mention(by)} for deployment #${target.deploymentId} and is being handled.`,
      );
    }
    this.busy.set(key, click.user);
    const work = this.handle(click, target)
      .catch((err: unknown) => {
        this.deps.logger?.error({ err: messageOf(err), action: click.action }, 'rollout control failed');
      })
      .finally(() => {
        this.busy.delete(key);
        this.running.delete(work);
      });
    this.running.add(work);
    return work;
  }

  /** Resolves when no press is being handled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async handle(click: ControlClick, target: ControlTarget): Promise<void> {
    const label = LABEL[click.action];
    const threadTs = click.threadTs ?? click.messageTs;
    if (!click.channel || !threadTs) return;
    let deployment: Deployment | undefined;
    try {
      deployment = await this.deps.deployments.getDeployment(target.deploymentId);
    } catch (err) {
      return this.refuse(
        click,
        `I could not look up deployment #${target.deploymentId} just now (${escapeMrkdwn(messageOf(err))}): nothing was done. Press again in a moment.`,
      );
    }
    if (!deployment || deployment.env !== target.env || deployment.service !== target.service) {
      return this.refuse(click, 'I know of no such rollout as this button names: nothing was done.');
    }
    if (deployment.status !== 'RUNNING') {
      return this.refuse(
        click,
        `Deployment #${deployment.id} is already over (${deployment.status}): nothing was done.`,
      );
    }
    const { env, service } = deployment;
    const problem = controlProblem(
      this.deps.config,
      { env, service, requester: deployment.actor },
      click.user,
    );
    if (problem) {
      return this.refuse(
        click,
        `You cannot press *${label}* on this rollout: ${escapeMrkdwn(problem)} Only ${mention(deployment.actor)}, who started it, or someone allowed to write there can. Nothing was done.`,
      );
    }
    const command = this.deps.command;
    if (!command) {
      return this.refuse(click, `*${label}* is not available in this Jarvis: say it in the thread instead.`);
    }
    const where: Where = { channel: click.channel, threadTs };
    const actor: Actor = {
      id: click.user,
      role: roleOf(this.deps.config, click.user),
      channel: 'slack',
      origin: await slackOrigin(this.deps.api, click.channel),
    };
    const name = CONTROL_TOOLS[click.action];
    const reason = `${label} pressed in Slack by ${click.user}`;
    const call: CommandCall = {
      name,
      // The deployment the button belongs to: a rollout started since is not the one pressed on.
      // resume_rollout takes no reason.
      input: { env, service, deploymentId: deployment.id, ...(click.action === 'resume' ? {} : { reason }) },
    };
    let text: string;
    try {
      const io = withoutProgress(
        new SlackInteraction({
          api: this.deps.api,
          decisions: this.deps.decisions,
          config: this.deps.config,
          where,
          requester: actor,
          progressIntervalMs: this.deps.config.slack.progressIntervalMs,
          logger: this.deps.logger,
        }),
      );
      const result = await command(`slack:${where.channel}:${where.threadTs}`, actor, call, io, {
        pressed: true,
      });
      this.deps.observe?.(result);
      const ran = result.calls[0]?.outcome === 'ok';
      const head = ran
        ? `${ICON[click.action]} *${label}* pressed by ${mention(click.user)}`
        : `:warning: *${label}* pressed by ${mention(click.user)}, not done`;
      text = `${head}:\n${answerView(result.text).text}`;
    } catch (err) {
      text = `:x: *${label}* pressed by ${mention(click.user)}: I could not do it: ${escapeMrkdwn(messageOf(err))}`;
    }
    try {
      await this.deps.api.post({ ...where, text });
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err) }, 'could not post the outcome of a rollout control');
    }
  }

  private async refuse(click: ControlClick, text: string): Promise<void> {
    if (!click.channel) return;
    try {
      await this.deps.api.ephemeral(click.channel, click.user, text, click.threadTs);
    } catch (err) {
      this.deps.logger?.warn({ err: messageOf(err) }, 'could not post an ephemeral refusal');
    }
  }
}

/**
 * `io` without its progress: the turn that runs the rollout already shows it on its own message, which a
 * second message for the same rollout would only contradict.
 */
function withoutProgress(io: Interaction): Interaction {
  return {
    confirm: (summary, needs) => io.confirm(summary, needs),
    mfa: (summary, verify) => io.mfa(summary, verify),
    ...(io.approval ? { approval: io.approval.bind(io) } : {}),
    progress: () => undefined,
  };
}
