import type { Clock } from '../clock.js';
import type { AgentSettings, LoadedConfig } from '../config.js';
import { isJarvisError, messageOf, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Actor, Decision, MfaOutcome } from '../policies/types.js';
import { redact, redactDeep } from '../redact.js';
import type { Store } from '../store/store.js';
import { toolError, type Tool, type ToolContext } from '../tools/tool.js';
import { AnswerText, sentence } from './answer.js';
import { approveCall, stillApproved, type ApprovalDeps } from './approvals.js';
import type { ConversationMemory } from './memory.js';
import { renderCall } from './render-call.js';
import { frameToolOutput, toolResultBudget } from './tool-output.js';
import { PlannerBudget } from './turn-budget.js';
import type { ContentBlock, Interaction, Message, Planner, ToolCall, ToolSpec, Usage } from './types.js';

/** The gate as the loop uses it (PolicyGate implements it). */
export interface Gate {
  decide(actor: Actor, tool: Tool, input: unknown): Promise<Decision>;
}

/** MFA as the loop uses it (MfaService implements it); undefined when no key is configured. */
export interface MfaVerifier {
  verify(user: string, code: string, env: string): Promise<MfaOutcome>;
}

export interface AgentDeps {
  config: LoadedConfig;
  tools: ReadonlyMap<string, Tool>;
  specs: readonly ToolSpec[];
  gate: Gate;
  mfa: MfaVerifier | undefined;
  planner: Planner;
  /** Used when `planner` fails (the LLM provider is down); the offline grammar. */
  fallback: Planner;
  memory: ConversationMemory;
  store: Store;
  clock: Clock;
  /** Everything a tool needs except who it runs for and where progress goes. */
  toolContext: Omit<ToolContext, 'actor' | 'onEvent' | 'signal'>;
  logger?: Logger;
  /** Wall time in ms (default `Date.now`) that approvals expire in, as the gate measures freezes in. */
  wallNow?: () => number;
  /** Called as a turn begins: starts loading what its tools will need (Platform.warm), without waiting. */
  warm?: () => void;
}

/** What happened to one tool call in a turn. */
export interface CallRecord {
  tool: string;
  input: unknown;
  decision: Decision['kind'] | 'invalid' | 'unknown';
  outcome: 'ok' | 'error' | 'denied' | 'declined' | 'mfa-failed' | 'invalid';
  /** The tool ran (`ok`) but what it was asked for did not happen: a rollout that failed or rolled back. */
  failed?: true;
  /**
   * Why it did not run: the code of the rule that refused it (FROZEN, NOT_PROMOTED...), or what stopped it
   * (DECLINED, MFA_FAILED, NOT_APPROVED...). Undefined when it ran.
   */
  code?: ErrorCode;
  /**
   * What the tool returned, as data (its typed output, secrets redacted but not bounded): what channels
   * render and `jarvis ask --json` prints. Undefined when it did not run.
   */
  output?: unknown;
  /** Why it did not run or failed: the code, message and valid options the model also got. */
  error?: { code: string; message: string; options?: string[] };
}

export interface TurnResult {
  text: string;
  calls: CallRecord[];
  usage: Usage[];
  /** The planner that produced the answer ('anthropic', 'offline'). */
  planner: string;
  /** Set when the main planner failed and the fallback answered. */
  fallbackReason?: string;
  /** The planner answered without acting: it refused the request or did not understand it. */
  refused?: true;
  /**
   * The planner could not be used for a reason that is not an outage (a rejected key, a refused request):
   * no fallback; the text says what to fix. `jarvis ask` exits 1.
   */
  plannerError?: { code: string; message: string };
}

/**
 * One loop for every channel and both planners: ask the planner, run each tool call through the gate and
 * the tool, hand back bounded and redacted results, and ask again, up to `agent.maxIterations`.
 * A failing or unknown tool comes back to the model as an error result, never as a crash.
 */
export class Agent {
  private readonly settings: AgentSettings;
  private readonly wallNow: () => number;
  private readonly approvalDeps: ApprovalDeps;

  constructor(private readonly deps: AgentDeps) {
    this.settings = deps.config.agent;
    this.wallNow = deps.wallNow ?? Date.now;
    this.approvalDeps = { config: deps.config, store: deps.store, wallNow: this.wallNow };
  }

  async turn(
    thread: string,
    actor: Actor,
    text: string,
    io: Interaction,
    signal?: AbortSignal,
  ): Promise<TurnResult> {
    this.deps.warm?.();
    const messages = this.deps.memory.get(thread);
    // A person may paste a log with a credential in it: the model gets it redacted like any tool output.
    messages.push({ role: 'user', content: [{ type: 'text', text: redact(text) }] });
    const result: TurnResult = { text: '', calls: [], usage: [], planner: this.deps.planner.name };
    let planner = this.deps.planner;
    // The model's time over the whole turn is bounded too; the offline planner has no such bound.
    const budget = new PlannerBudget(this.settings.turnSeconds * 1000);
    const answer = new AnswerText(io.text ? (delta) => io.text?.(delta) : undefined);
    for (let round = 0; round < this.settings.maxIterations; round++) {
      answer.nextRound();
      let turn;
      try {
        const request = {
          messages,
          tools: this.deps.specs,
          ...(io.text ? { onText: answer.delta } : {}),
          ...(signal ? { signal } : {}),
        };
        turn = await (planner === this.deps.fallback ? planner.plan(request) : budget.plan(planner, request));
      } catch (err) {
        if (planner === this.deps.fallback || signal?.aborted) throw err;
        if (!isJarvisError(err, 'UNAVAILABLE')) {
          // Only an outage is worth the offline planner: a rejected key or a refused request would fail
          // the same way on every turn, silently, so the person is told what it is and what to fix.
          const code = isJarvisError(err) ? err.code : 'UPSTREAM';
          result.plannerError = { code, message: redact(messageOf(err)) };
          this.deps.logger?.warn({ planner: planner.name, code, err: messageOf(err) }, 'planner refused');
          answer.notice(`The language model could not be used (${code}): ${result.plannerError.message}`);
          break;
        }
        result.fallbackReason = messageOf(err);
        this.deps.logger?.warn(
          { planner: planner.name, err: result.fallbackReason },
          'planner failed; falling back',
        );
        planner = this.deps.fallback;
        result.planner = planner.name;
        answer.notice(
          `(The language model is unavailable: ${sentence(result.fallbackReason)} Answering with the offline planner.)`,
        );
        turn = await planner.plan({
          messages: forFallback(messages),
          tools: this.deps.specs,
          ...(signal ? { signal } : {}),
        });
      }
      if (turn.usage) result.usage.push(turn.usage);
      const content: ContentBlock[] = [];
      if (turn.text) content.push({ type: 'text', text: turn.text });
      for (const call of turn.toolCalls)
        content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
      if (content.length > 0) messages.push({ role: 'assistant', content });
      answer.add(turn.text);
      if (turn.refused) result.refused = true;
      if (turn.toolCalls.length === 0) break;
      const results: ContentBlock[] = [];
      // One call at a time: writes never overlap, and a confirmation is asked for one action at a time.
      for (const call of turn.toolCalls) {
        const { block, record } = await this.runCall(call, actor, io, signal);
        results.push(block);
        result.calls.push(record);
        // Each result is shown as it comes, from the tool's own data, whichever planner asked for it.
        answer.shown(renderCall(record, this.deps.tools.get(call.name)));
      }
      messages.push({ role: 'user', content: results });
      if (round === this.settings.maxIterations - 1) {
        answer.notice(
          `(Stopped after ${this.settings.maxIterations} rounds of tool calls without a final answer.)`,
        );
      }
    }
    this.deps.memory.trim(messages);
    result.text = answer.text();
    return result;
  }

  /**
   * Runs one named tool call for `actor` through the policy gate, the audit log and the tool, without a
   * planner: what a button names. `pressed`: the person pressed a button naming exactly this action, which
   * counts as their confirmation (MFA, where the policy wants it, is still asked through `io`). The text is
   * the tool's own rendering of its result, or the refusal.
   */
  async command(
    thread: string,
    actor: Actor,
    call: { name: string; input: Record<string, unknown> },
    io: Interaction,
    opts: { pressed?: boolean; signal?: AbortSignal } = {},
  ): Promise<TurnResult> {
    const id = `command_${thread}_${Date.now().toString(36)}`;
    const { record } = await this.runCall({ id, ...call }, actor, io, opts.signal, {
      pressed: opts.pressed === true,
    });
    const text = renderCall(record, this.deps.tools.get(call.name));
    return { text, calls: [record], usage: [], planner: 'command' };
  }

  private async runCall(
    call: ToolCall,
    actor: Actor,
    io: Interaction,
    signal: AbortSignal | undefined,
    opts: { pressed?: boolean } = {},
  ): Promise<{ block: ContentBlock; record: CallRecord }> {
    const tool = this.deps.tools.get(call.name);
    const fail = (
      record: CallRecord,
      code: ErrorCode,
      message: string,
      extra: { options?: string[]; rule?: string } = {},
    ) => ({
      block: this.result(
        call,
        { error: { code, message, ...extra }, call: { tool: call.name, input: call.input } },
        true,
      ),
      record: {
        ...record,
        code: record.code ?? code,
        error: { code, message: redact(message), ...(extra.options ? { options: extra.options } : {}) },
      },
    });
    if (!tool) {
      const names = [...this.deps.tools.keys()];
      await this.audit(actor, call.name, 'no such tool', { kind: 'unknown' }, 'invalid', {
        code: 'UNKNOWN_TOOL',
      });
      return fail(
        { tool: call.name, input: call.input, decision: 'unknown', outcome: 'invalid' },
        'UNKNOWN_TOOL',
        `There is no tool "${call.name}".`,
        { options: names },
      );
    }
    const parsed = tool.input.safeParse(call.input);
    if (!parsed.success) {
      const error = toolError(call.name, call.input, parsed.error);
      // Refused before the gate, but audited like its refusals: a model claiming MFA or approval in a
      // field the schema does not have is exactly what an auditor looks for.
      await this.audit(actor, tool.name, 'input refused by the schema', { kind: 'invalid' }, 'invalid', {
        code: 'INVALID_INPUT',
        message: redact(error.error.message),
      });
      return fail(
        { tool: call.name, input: call.input, decision: 'invalid', outcome: 'invalid' },
        'INVALID_INPUT',
        error.error.message,
      );
    }
    const input = parsed.data;
    const decision = await this.deps.gate.decide(actor, tool, input);
    let summary = safeSummary(tool, input, this.deps.config);
    let question: string | undefined;
    const record: CallRecord = { tool: call.name, input, decision: decision.kind, outcome: 'ok' };
    const ctx: ToolContext = {
      ...this.deps.toolContext,
      actor: actor.id,
      onEvent: (e) => io.progress(e),
      ...(signal ? { signal } : {}),
    };
    // A write whose effect depends on the current state says exactly what it will do before it is
    // confirmed, and does exactly that: the plan goes to the tool with the confirmation.
    if (decision.kind === 'ask' && tool.plan) {
      try {
        const planned = await tool.plan(ctx, input);
        summary = planned.summary;
        ctx.plan = planned.plan;
        decision.summary = planned.summary;
        question = planned.question;
      } catch (err) {
        return this.failed(call, input, err, actor, tool.name, summary, decision, record, 'refused');
      }
    }
    const approval = await approveCall(this.approvalDeps, decision, tool, input, actor, io, ctx.plan);
    const refusal =
      approval.refusal ??
      (await this.obtain(decision, tool, input, actor, io, opts.pressed === true, question));
    const after =
      refusal || !approval.hash
        ? undefined
        : await stillApproved(this.approvalDeps, decision, tool, input, ctx, actor, approval.hash);
    const refused = refusal ?? (after && 'code' in after ? after : undefined);
    const people = {
      requester: actor.id,
      ...(after && 'approvers' in after ? { approvers: after.approvers } : {}),
      ...(decision.kind === 'ask' && decision.breakGlass ? { breakGlass: decision.breakGlass } : {}),
    };
    await this.audit(
      actor,
      tool.name,
      summary,
      decision,
      refused ? refused.outcome : 'approved',
      refused
        ? {
            ...people,
            code: refused.code,
            ...(decision.kind === 'deny' ? { rule: decision.code } : {}),
            reason: refused.message,
          }
        : people,
    );
    if (refused) {
      const rule = decision.kind === 'deny' ? { rule: decision.code } : {};
      return fail(
        {
          ...record,
          outcome: refused.outcome,
          code: decision.kind === 'deny' ? decision.code : refused.code,
        },
        refused.code,
        refused.message,
        rule,
      );
    }
    try {
      const output = await tool.run(ctx, input);
      await this.audit(actor, tool.name, summary, decision, 'ok', { ...people, ...outcomeDetail(output) });
      const failed = tool.succeeded?.(output) === false ? { failed: true as const } : {};
      return {
        block: this.result(call, output, false),
        record: { ...record, ...failed, output: redactDeep(output) },
      };
    } catch (err) {
      return this.failed(call, input, err, actor, tool.name, summary, decision, record, 'error');
    }
  }

  /** A tool call that threw (or whose plan did), audited with `outcome` and handed back as an error. */
  private async failed(
    call: ToolCall,
    input: unknown,
    err: unknown,
    actor: Actor,
    tool: string,
    summary: string,
    decision: Decision,
    record: CallRecord,
    outcome: 'refused' | 'error',
  ): Promise<{ block: ContentBlock; record: CallRecord }> {
    const error = toolError(call.name, input, err);
    const message = redact(error.error.message);
    await this.audit(actor, tool, summary, decision, outcome, { code: error.error.code, message });
    const options = error.error.options ? { options: error.error.options.map(String) } : {};
    return {
      block: this.result(call, error, true),
      record: {
        ...record,
        outcome: 'error',
        code: error.error.code,
        error: { code: error.error.code, message, ...options },
      },
    };
  }

  /** Gets what the decision asks for from the person (approvals aside); undefined when the call may run. */
  private async obtain(
    decision: Decision,
    tool: Tool,
    input: unknown,
    actor: Actor,
    io: Interaction,
    pressed: boolean,
    question: string | undefined,
  ): Promise<{ outcome: CallRecord['outcome']; code: ErrorCode; message: string } | undefined> {
    if (decision.kind === 'allow') return undefined;
    if (decision.kind === 'deny')
      return {
        outcome: 'denied',
        code: 'DENIED',
        message: `The policy refused this call: ${decision.reason}`,
      };
    const { needs, summary } = decision;
    // A button naming exactly this action, pressed by the person, is their confirmation.
    if (needs.confirm && !pressed && !(await io.confirm(summary, needs, question))) {
      return {
        outcome: 'declined',
        code: 'DECLINED',
        message: 'The person did not confirm this action; nothing was changed.',
      };
    }
    if (needs.mfa) {
      const env = tool.target(input as never, this.deps.config).env ?? '';
      const mfa = this.deps.mfa;
      if (!mfa)
        return {
          outcome: 'denied',
          code: 'MFA_UNAVAILABLE',
          message: 'This action needs MFA, but MFA is not configured (JARVIS_MFA_KEY).',
        };
      const outcome = await io.mfa(summary, (code) => mfa.verify(actor.id, code, env));
      if (!outcome.ok)
        return {
          outcome: 'mfa-failed',
          code: 'MFA_FAILED',
          message: `MFA was not passed: ${outcome.message} Nothing was changed.`,
        };
    }
    return undefined;
  }

  /**
   * A tool result for the model: redacted, bounded by its share of the model's context window (summarised
   * into valid JSON when larger), escaped so it cannot close its frame, and marked as untrusted data.
   */
  private result(call: ToolCall, output: unknown, isError: boolean): ContentBlock {
    return {
      type: 'tool_result',
      tool_use_id: call.id,
      content: frameToolOutput(call.name, output, toolResultBudget(this.settings)),
      ...(isError ? { is_error: true } : {}),
    };
  }

  private async audit(
    actor: Actor,
    tool: string,
    summary: string,
    decision: Decision | { kind: 'invalid' | 'unknown' },
    outcome: string,
    detail: Record<string, unknown> | undefined,
  ): Promise<void> {
    const decided =
      decision.kind === 'ask'
        ? `ask:${Object.entries(decision.needs)
            .filter(([, v]) => v)
            .map(([k]) => k)
            .concat(decision.breakGlass ? ['break-glass'] : [])
            .join('+')}`
        : decision.kind;
    try {
      await this.deps.store.appendAudit({
        at: this.deps.clock.now(),
        actor: actor.id,
        channel: actor.channel,
        tool,
        inputSummary: redact(summary),
        decision: decided,
        outcome,
        detail: detail && redactDeep(detail),
      });
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err), tool }, 'audit write failed');
    }
  }
}

function safeSummary(tool: Tool, input: unknown, config: LoadedConfig): string {
  try {
    return tool.summary(input as never, config);
  } catch {
    return `${tool.name} ${JSON.stringify(input)}`;
  }
}

/** What the audit log keeps of a tool's output: its status and ids, not the whole result. */
function outcomeDetail(output: unknown): Record<string, unknown> | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const o = output as Record<string, unknown>;
  const keep = ['deploymentId', 'status', 'version', 'env', 'service', 'reason'];
  const detail = Object.fromEntries(keep.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  return Object.keys(detail).length > 0 ? detail : undefined;
}

/**
 * What the fallback planner sees: the person's last request, not a half-finished model exchange. When
 * tools already ran for that request in this turn, the exchange since the request is kept, so the
 * offline planner reports their results instead of planning the request again: a write must not run
 * (or be asked for) twice because the API failed after it.
 */
function forFallback(messages: readonly Message[]): Message[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === 'user' && m.content.every((b) => b.type === 'text')) {
      return i === messages.length - 1 ? [m] : messages.slice(i);
    }
  }
  return [...messages];
}
