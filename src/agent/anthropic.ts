import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AnthropicError,
  AuthenticationError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message as ApiMessage,
  MessageParam,
  Tool as ApiTool,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { DEFAULT_FIRST_BYTE_MS, type EnvSettings } from '../config/env.js';
import { JarvisError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { redact } from '../redact.js';
import type {
  ContentBlock,
  Message,
  PlannerTurn,
  PlanRequest,
  Planner,
  ToolCall,
  ToolSpec,
  Usage,
} from './types.js';

const EPHEMERAL = { type: 'ephemeral' } as const;

/** How long a person waits for the model at most, before the offline planner answers instead. */
export interface AnthropicLimits {
  /** From sending the request (retries included) to the first streamed event of the answer. */
  firstByteMs: number;
  /** From sending the request to the end of the streamed answer of one round. */
  answerMs: number;
}

export const DEFAULT_LIMITS: AnthropicLimits = { firstByteMs: DEFAULT_FIRST_BYTE_MS, answerMs: 60_000 };

export interface AnthropicPlannerDeps {
  client: Anthropic;
  model: string;
  /** Most tokens the model may write per round (`agent.maxTokens`). */
  maxTokens: number;
  /** The system prompt ({@link systemPrompt}); sent as one cached block. */
  system: string;
  /** Default {@link DEFAULT_LIMITS}. */
  limits?: AnthropicLimits | undefined;
  /** Each request's id (Anthropic's `request-id`), outcome and usage are logged here. */
  logger?: Logger | undefined;
}

/** The planner's limits from the environment (ANTHROPIC_FIRST_BYTE_TIMEOUT_MS, ANTHROPIC_ANSWER_TIMEOUT_MS). */
export function limitsOf(env: EnvSettings): AnthropicLimits {
  return { firstByteMs: env.ANTHROPIC_FIRST_BYTE_TIMEOUT_MS, answerMs: env.ANTHROPIC_ANSWER_TIMEOUT_MS };
}

/**
 * The Anthropic client Jarvis uses: the key and base URL from the environment, two retries with the SDK's
 * backoff (429, 5xx, 529, connection errors), and a per-request timeout of the answer bound (the planner
 * also bounds the time to the first byte, retries included). Building it performs no request.
 */
export function createAnthropicClient(env: EnvSettings): Anthropic {
  return new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY ?? null,
    baseURL: env.ANTHROPIC_BASE_URL ?? null,
    maxRetries: 2,
    timeout: env.ANTHROPIC_ANSWER_TIMEOUT_MS,
  });
}

/**
 * Claude as a planner: one streamed Messages API request per round, with prompt caching on the system
 * block and the tool list (both are identical from one round to the next). Text deltas go to `onText` as
 * they arrive. Tools are never run here: tool_use blocks come back as tool calls for the loop and its gate.
 *
 * `plan()` resolves with whatever the model stopped on, including `max_tokens` and `refusal`; it rejects
 * only when the API could not answer, with a JarvisError: UNAVAILABLE (connection, timeout, 429, 5xx, 529,
 * a stream cut short, nothing streamed within `limits.firstByteMs`, the answer unfinished after
 * `limits.answerMs`: worth falling back to the offline planner), FORBIDDEN (the key was rejected: 401,
 * 403), UPSTREAM (the request was refused: 400, 404, naming the model and endpoint to check) or ABORTED
 * (the signal fired); only UNAVAILABLE is worth a fallback. Messages name the HTTP status and error type,
 * never the API key; `details.facts.requestId` holds Anthropic's request id when the API sent one.
 */
export class AnthropicPlanner implements Planner {
  readonly name = 'anthropic';

  constructor(private readonly deps: AnthropicPlannerDeps) {}

  async plan(request: PlanRequest): Promise<PlannerTurn> {
    const { client, model, maxTokens, system } = this.deps;
    const tools = toApiTools(request.tools);
    const params = {
      model,
      max_tokens: maxTokens,
      system: [{ type: 'text', text: system, cache_control: EPHEMERAL }] satisfies TextBlockParam[],
      ...(tools.length > 0 ? { tools } : {}),
      messages: request.messages.map(toApiMessage),
    };
    const limits = this.deps.limits ?? DEFAULT_LIMITS;
    const started = Date.now();
    // The person has waited since the planner was asked, the SDK's loading included.
    const waited = Math.max(0, started - (request.askedAt ?? started));
    // Our own bounds abort the request as a person's cancel would; `expired` tells them apart.
    const bounds = new AbortController();
    let expired: string | undefined;
    const expire = (why: string) => () => {
      expired = why;
      bounds.abort();
    };
    const firstByte = setTimeout(
      expire(`sent nothing for ${seconds(limits.firstByteMs)}`),
      Math.max(0, limits.firstByteMs - waited),
    );
    const whole = setTimeout(
      expire(`did not finish its answer within ${seconds(limits.answerMs)}`),
      Math.max(0, limits.answerMs - waited),
    );
    const signal = request.signal ? AbortSignal.any([request.signal, bounds.signal]) : bounds.signal;
    let requestId: string | null | undefined;
    let message: ApiMessage;
    try {
      const stream = client.messages.stream(params, { signal });
      stream.on('connect', () => (requestId = stream.request_id));
      stream.on('streamEvent', () => clearTimeout(firstByte));
      const onText = request.onText;
      if (onText) stream.on('text', (delta) => onText(delta));
      message = await stream.finalMessage();
      requestId = stream.request_id ?? requestId;
    } catch (err) {
      const id = requestId ?? (err instanceof APIError ? err.requestID : undefined) ?? undefined;
      const failure =
        expired && !request.signal?.aborted
          ? new JarvisError(
              'UNAVAILABLE',
              `The Anthropic API ${expired}.`,
              { upstream: 'timeout' },
              { cause: err },
            )
          : this.failure(err);
      if (id) failure.details.facts = { ...failure.details.facts, requestId: id };
      this.deps.logger?.warn(
        { requestId: id ?? null, model, ms: Date.now() - started, err: failure.message },
        'anthropic request failed',
      );
      throw failure;
    } finally {
      clearTimeout(firstByte);
      clearTimeout(whole);
    }
    const turn = toTurn(message);
    this.deps.logger?.info(
      {
        requestId: requestId ?? null,
        model,
        stop: turn.stop,
        ms: Date.now() - started,
        inputTokens: turn.usage?.inputTokens,
        cachedTokens: turn.usage?.cachedTokens,
        outputTokens: turn.usage?.outputTokens,
      },
      'anthropic answer',
    );
    return turn;
  }

  /** An SDK failure as a coded error whose message is safe to show and log. */
  private failure(err: unknown): JarvisError {
    const scrub = (text: string): string => {
      const key = this.deps.client.apiKey;
      return redact(key && key.length >= 8 ? text.split(key).join('[redacted]') : text);
    };
    if (err instanceof APIUserAbortError) {
      return new JarvisError(
        'ABORTED',
        'The request to the Anthropic API was cancelled.',
        {},
        { cause: err },
      );
    }
    if (err instanceof APIConnectionTimeoutError) {
      return new JarvisError(
        'UNAVAILABLE',
        'The Anthropic API did not answer in time (timeout).',
        { upstream: 'timeout' },
        { cause: err },
      );
    }
    if (err instanceof APIConnectionError) {
      return new JarvisError(
        'UNAVAILABLE',
        'The Anthropic API cannot be reached (connection error).',
        { upstream: 'connection' },
        { cause: err },
      );
    }
    if (err instanceof APIError) {
      const status = err.status === undefined ? 'stream error' : `HTTP ${err.status}`;
      const what = [status, err.type].filter(Boolean).join(' ');
      const detail = err.apiMessage ? `: ${scrub(err.apiMessage)}` : '';
      const retryable = err instanceof RateLimitError || err.status === undefined || err.status >= 500;
      if (retryable) {
        return new JarvisError(
          'UNAVAILABLE',
          `The Anthropic API failed (${what})${detail}.`,
          { upstream: String(err.status ?? err.type ?? 'error') },
          { cause: err },
        );
      }
      return this.refusal(err as unknown, String(err.status ?? err.type ?? 'error'), what, detail);
    }
    if (err instanceof AnthropicError) {
      // E.g. a stream that ended before the message was complete: the connection dropped mid-answer.
      return new JarvisError(
        'UNAVAILABLE',
        `The Anthropic API answer was cut short: ${scrub(err.message)}`,
        {},
        { cause: err },
      );
    }
    return new JarvisError(
      'UPSTREAM',
      `The Anthropic API call failed: ${scrub(messageOf(err))}`,
      {},
      { cause: err },
    );
  }
  /**
   * A request the API refused (4xx but 429): not an outage, so no fallback. The message says what was
   * refused and what to change: the key (401, 403), or the model or the endpoint (400, 404).
   */
  private refusal(err: unknown, status: string, what: string, detail: string): JarvisError {
    const upstream = { upstream: status };
    const offline = 'or unset it to use the offline planner';
    if (err instanceof AuthenticationError) {
      return new JarvisError(
        'FORBIDDEN',
        `ANTHROPIC_API_KEY was rejected (${what}${detail}). Set a valid key, ${offline}.`,
        upstream,
        { cause: err },
      );
    }
    if (err instanceof PermissionDeniedError) {
      return new JarvisError(
        'FORBIDDEN',
        `ANTHROPIC_API_KEY may not do this (${what}${detail}). Use a key with access to ${this.deps.model}, ${offline}.`,
        upstream,
        { cause: err },
      );
    }
    return new JarvisError(
      'UPSTREAM',
      `The Anthropic API refused the request (${what}${detail}). Check ANTHROPIC_MODEL (now ${this.deps.model}) and ANTHROPIC_BASE_URL, or unset ANTHROPIC_API_KEY to use the offline planner.`,
      upstream,
      { cause: err },
    );
  }
}

/** `15000` → `15 s`. */
function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Tools in the API's shape, the last one marked as the end of the cached prefix (system + tools). */
function toApiTools(specs: readonly ToolSpec[]): ApiTool[] {
  return specs.map((spec, i) => ({
    name: spec.name,
    description: spec.description,
    input_schema: { ...spec.inputSchema, type: 'object' },
    ...(i === specs.length - 1 ? { cache_control: EPHEMERAL } : {}),
  }));
}

/** Our blocks are the API's blocks; empty text blocks are dropped because the API rejects them. */
function toApiMessage(message: Message): MessageParam {
  const content: ContentBlockParam[] = [];
  for (const block of message.content) {
    const mapped = toApiBlock(block);
    if (mapped) content.push(mapped);
  }
  return { role: message.role, content };
}

function toApiBlock(block: ContentBlock): ContentBlockParam | undefined {
  switch (block.type) {
    case 'text':
      return block.text === '' ? undefined : { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.tool_use_id,
        content: block.content,
        ...(block.is_error ? { is_error: true } : {}),
      };
  }
}

function toTurn(message: ApiMessage): PlannerTurn {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use')
      toolCalls.push({ id: block.id, name: block.name, input: block.input });
  }
  const u = message.usage;
  const usage: Usage = {
    // Everything billed as input that was not read from the cache, including what was written to it.
    inputTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0),
    cachedTokens: u.cache_read_input_tokens ?? 0,
    outputTokens: u.output_tokens,
  };
  return { text: texts.join('\n\n'), toolCalls, usage, stop: message.stop_reason ?? 'end_turn' };
}
