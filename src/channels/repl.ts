import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import pc from 'picocolors';
import type { Agent, TurnResult } from '../agent/loop.js';
import type { Interaction } from '../agent/types.js';
import { messageOf } from '../errors.js';
import { withMfaSource } from '../policies/mfa-source.js';
import type { Actor, MfaOutcome, Requirements } from '../policies/types.js';
import type { RolloutEvent } from '../rollout/events.js';
import { FlowView } from '../rollout/flow.js';
import { LineInput } from './repl-io.js';

export interface ReplOptions {
  agent: Agent;
  actor: Actor;
  input: Readable;
  output: NodeJS.WritableStream;
  /** Colours, line editing and Ctrl-C handling: true on a real terminal. */
  terminal: boolean;
  /** Printed once at start (what Jarvis is connected to). */
  banner?: string;
  /** MFA attempts per action before giving up. */
  mfaAttempts?: number;
}

const PROMPT = 'jarvis> ';

/**
 * The terminal channel. It renders text, tables and live rollout progress, and it alone asks the person:
 * yes/no confirmations and TOTP codes (hidden, never in history, handed straight to the gate's verifier).
 * Ctrl-C cancels the question being asked; during a rollout a second Ctrl-C cancels the rollout, which
 * the engine ends safely (all traffic back on the stable colour).
 */
export class Repl {
  private readonly lines: LineInput;
  private readonly colour: ReturnType<typeof pc.createColors>;
  private question: AbortController | undefined;
  private turn: AbortController | undefined;
  private interruptedAt = 0;
  private streamed = false;
  /** The release being shown, per deployment, and whether a line is drawn in place now. */
  private readonly flows = new Map<number, FlowView>();
  private liveShown = false;

  constructor(private readonly opts: ReplOptions) {
    this.lines = new LineInput(opts.input, opts.output, opts.terminal);
    this.colour = pc.createColors(opts.terminal);
    this.lines.onInterrupt = () => this.interrupt();
  }

  /** Runs until `exit`, end of input or a double Ctrl-C at the prompt. */
  async run(): Promise<void> {
    if (this.opts.banner) this.print(this.colour.dim(this.opts.banner));
    this.print(`Hello ${this.opts.actor.id}. Type "help" for what I can do, "exit" to leave.`);
    for (;;) {
      const line = await this.lines.read(this.colour.bold(PROMPT));
      if (line === undefined || ['exit', 'quit'].includes(line.trim().toLowerCase())) break;
      if (line.trim() === '') continue;
      await this.ask(line);
    }
    this.lines.close();
  }

  /** Answers one request; resolves with the turn's result (undefined when it failed). */
  async ask(text: string): Promise<TurnResult | undefined> {
    this.turn = new AbortController();
    this.streamed = false;
    this.flows.clear();
    try {
      const result = await this.opts.agent.turn(
        `repl:${this.opts.actor.id}`,
        this.opts.actor,
        text,
        this.interaction(),
        this.turn.signal,
      );
      if (this.streamed) this.print('');
      else if (result.text) this.print(result.text);
      if (result.usage.length > 0) this.print(this.colour.dim(usageLine(result)));
      return result;
    } catch (err) {
      this.print(this.colour.red(`Error: ${messageOf(err)}`));
      return undefined;
    } finally {
      this.turn = undefined;
    }
  }

  private interaction(): Interaction {
    return {
      confirm: (summary, needs, question) => this.confirm(summary, needs, question),
      mfa: (summary, verify) => this.mfa(summary, verify),
      progress: (event) => this.progress(event),
      text: (delta) => {
        this.clearLive();
        this.streamed = true;
        this.opts.output.write(delta);
      },
    };
  }

  private async confirm(summary: string, needs: Requirements, question?: string): Promise<boolean> {
    this.clearLive();
    // A plan of several lines (current state, what will shift where) is shown as it is.
    if (summary.includes('\n')) this.print(summary);
    else this.print(`${this.colour.yellow('About to:')} ${summary}`);
    const required = [
      ...(needs.mfa ? ['MFA verification: your TOTP code is asked next'] : []),
      ...(needs.approval ? ['approval by another person'] : []),
    ];
    if (required.length > 0) this.print(`Requires:\n${required.map((r) => `  • ${r}`).join('\n')}`);
    const answer = await this.prompt(
      question
        ? `${question} (${this.colour.bold('yes')}/no): `
        : `Proceed? Type ${this.colour.bold('yes')} to confirm: `,
    );
    const yes = answer !== undefined && ['yes', 'y'].includes(answer.trim().toLowerCase());
    if (!yes) this.print(this.colour.dim('Not confirmed; nothing was changed.'));
    return yes;
  }

  private async mfa(summary: string, verify: (code: string) => Promise<MfaOutcome>): Promise<MfaOutcome> {
    const attempts = this.opts.mfaAttempts ?? 3;
    let outcome: MfaOutcome = { ok: false, reason: 'invalid', message: 'No code was given.' };
    for (let i = 0; i < attempts; i++) {
      const code = await this.prompt(`TOTP code for ${this.opts.actor.id} (hidden): `, true);
      if (code === undefined)
        return { ok: false, reason: 'invalid', message: 'Cancelled; no code was given.' };
      // Lockouts count per terminal host as well as per person.
      outcome = await withMfaSource(`terminal:${hostname()}`, () => verify(code.trim()));
      if (outcome.ok) {
        this.print(this.colour.green('Code accepted.'));
        return outcome;
      }
      this.print(this.colour.red(outcome.message));
      if (outcome.reason !== 'invalid') break;
    }
    return outcome;
  }

  private prompt(text: string, hidden = false): Promise<string | undefined> {
    this.question = new AbortController();
    return this.lines.read(text, { hidden, signal: this.question.signal }).finally(() => {
      this.question = undefined;
    });
  }

  /**
   * A release as it happens, in the seed's shape (src/rollout/flow.ts): lines that stay, and on a
   * terminal the line of the step in progress, redrawn in place as each analysis window comes in.
   */
  private progress(event: RolloutEvent): void {
    let flow = this.flows.get(event.deploymentId);
    if (!flow) {
      flow = new FlowView(this.opts.terminal);
      this.flows.set(event.deploymentId, flow);
    }
    const update = flow.push(event);
    if (update.lines.length > 0) {
      this.clearLive();
      for (const line of update.lines) this.print(this.paint(line));
    }
    if (this.opts.terminal && update.live !== undefined) {
      this.clearLive();
      if (update.live !== '') {
        this.opts.output.write(this.paint(update.live));
        this.liveShown = true;
      }
    }
  }

  /** Removes the line drawn in place, so that what is printed next starts on a clean line. */
  private clearLive(): void {
    if (!this.liveShown) return;
    this.opts.output.write('\r\x1b[2K');
    this.liveShown = false;
  }

  private paint(line: string): string {
    const c = this.colour;
    const mark = line.trimStart()[0];
    if (mark === '✓') return c.green(line);
    if (mark === '✗') return c.red(line);
    if (mark === '…' || mark === '⏸') return c.yellow(line);
    if (/^(Phase \d|Pre-|Current state|Starting|Rolling back)/.test(line)) return c.bold(line);
    return line;
  }

  /** Ctrl-C: cancel the question; during a turn, a second press within 3 s cancels the turn. */
  private interrupt(): void {
    if (this.question) {
      this.question.abort();
      return;
    }
    const now = Date.now();
    if (this.turn) {
      if (now - this.interruptedAt < 3000) {
        this.print(
          this.colour.yellow(
            'Cancelling: a rollout in progress puts all traffic back on the stable colour first.',
          ),
        );
        this.turn.abort(new Error(`cancelled by ${this.opts.actor.id}`));
      } else {
        this.print(this.colour.yellow('Press Ctrl-C again within 3 s to cancel what is running.'));
      }
      this.interruptedAt = now;
      return;
    }
    if (now - this.interruptedAt < 3000) {
      this.lines.close();
      return;
    }
    this.interruptedAt = now;
    this.print(this.colour.dim('\n(Press Ctrl-C again, type "exit" or press Ctrl-D to leave.)'));
    this.opts.output.write(this.colour.bold(PROMPT));
  }

  /** Prints a notice that did not come from a request (the reconciler's reports), dimmed. */
  notice(text: string): void {
    this.print(this.colour.yellow(text));
  }

  /** Stops reading input; an ongoing `run()` ends as at end of input. */
  close(): void {
    this.lines.close();
  }

  private print(text: string): void {
    this.clearLive();
    this.opts.output.write(`${text}\n`);
  }
}

/** Tokens of a turn, summed over its rounds: "tokens: 1234 in (1100 cached), 56 out, 2 requests". */
export function usageLine(result: TurnResult): string {
  const sum = (k: 'inputTokens' | 'cachedTokens' | 'outputTokens') =>
    result.usage.reduce((a, u) => a + u[k], 0);
  const n = result.usage.length;
  return `tokens: ${sum('inputTokens')} in (${sum('cachedTokens')} cached), ${sum('outputTokens')} out, ${n} request${n === 1 ? '' : 's'}`;
}
