import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createAgent } from '../../src/agent/factory.js';
import { OfflinePlanner } from '../../src/agent/offline.js';
import { systemPrompt } from '../../src/agent/prompt.js';
import { toolSpecs } from '../../src/agent/specs.js';
import { estimateTokens } from '../../src/agent/tokens.js';
import type { Interaction, Planner, PlannerTurn, PlanRequest } from '../../src/agent/types.js';
import { startJarvis } from '../../src/app.js';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { RELEASE_TOOLS, toolRegistry } from '../../src/tools/index.js';
import { defineTool, type Tool } from '../../src/tools/tool.js';
import { percentile, median, type Figure } from './stats.js';

/** A read tool that does nothing, so a turn's time is the loop's own (gate, audit, redaction, memory). */
const noop = defineTool({
  name: 'get_nothing',
  description: 'Returns a small fixed object.',
  risk: 'read',
  input: z.object({ env: z.string() }).strict(),
  summary: (input) => `nothing in ${input.env}`,
  target: (input) => ({ env: input.env, service: undefined }),
  run: () => Promise.resolve({ env: 'dev', ok: true, items: [1, 2, 3] }),
}) as unknown as Tool;

/** An LLM that answers at once: a tool call, then, once the result is back, a sentence. */
class InstantPlanner implements Planner {
  readonly name = 'instant';
  private n = 0;
  plan(request: PlanRequest): Promise<PlannerTurn> {
    const last = request.messages[request.messages.length - 1];
    if (last?.content.some((b) => b.type === 'tool_result')) {
      return Promise.resolve({ text: 'Nothing to report.', toolCalls: [], stop: 'end_turn' });
    }
    const call = { id: `toolu_${++this.n}`, name: 'get_nothing', input: { env: 'dev' } };
    return Promise.resolve({ text: '', toolCalls: [call], stop: 'tool_use' });
  }
}

const quiet: Interaction = {
  confirm: () => Promise.resolve(false),
  mfa: () => Promise.resolve({ ok: false, reason: 'invalid', message: 'none' }),
  progress: () => undefined,
};

/**
 * Agent overhead per turn with an instant LLM: one turn (plan → gate → tool → audit → plan) against the
 * floor of the same planner calls and tool run made directly, on a real store file.
 */
export async function benchAgentTurn(rounds = 2000): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-agent-'));
  const env = loadEnvSettings({ JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const jarvis = await startJarvis({ env, sandbox: true, storePath: join(dir, 'jarvis.db') });
  try {
    const planner = new InstantPlanner();
    const { agent } = createAgent(jarvis, { env, sandbox: true, planner, tools: [...RELEASE_TOOLS, noop] });
    const actor = { id: 'bench', role: 'viewer' as const, channel: 'cli' as const };
    const turns: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const result = await agent.turn(`bench:${i % 50}`, actor, 'anything new in dev?', quiet);
      turns.push(performance.now() - t0);
      if (result.calls[0]?.outcome !== 'ok') throw new Error(`bench turn failed: ${JSON.stringify(result)}`);

      const t1 = performance.now();
      const first = await planner.plan({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
        tools: [],
      });
      await noop.run({} as never, first.toolCalls[0]!.input as never);
      await planner.plan({
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: '{}' }] }],
        tools: [],
      });
      floors.push(performance.now() - t1);
    }
    const skip = Math.floor(rounds / 10); // warm-up
    const overhead = turns.slice(skip).map((t, i) => t - floors[i + skip]!);
    const p50 = median(overhead);
    const p99 = percentile(overhead, 0.99);
    return [
      {
        name: 'agent turn, instant LLM, one read tool: median',
        value: median(turns.slice(skip)),
        unit: 'ms',
      },
      {
        name: 'same planner + tool calls made directly (floor)',
        value: median(floors.slice(skip)),
        unit: 'ms',
      },
      { name: 'agent overhead per turn, median', value: p50, unit: 'ms', goal: '< 5', ok: p50 < 5 },
      { name: 'agent overhead per turn, p99', value: p99, unit: 'ms' },
    ];
  } finally {
    await jarvis.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The offline grammar: p99 of parsing the commands people type, against an empty-string baseline. */
export function benchGrammar(rounds = 20_000): Promise<Figure[]> {
  const config = loadConfig(SANDBOX_CONFIG_PATH);
  const planner = new OfflinePlanner({ config, tools: toolRegistry() });
  const lines = [
    'deploy 1.3.0 to prd using blue-green',
    'rollback prd to previous version',
    'rollback prd to 1.2.0',
    'promote 1.3.0 from tst to prd',
    'show deployment metrics for last 7 days',
    'show deployment history for prd',
    'status of prd',
    'diagnose checkout in prd',
    'help',
    'make me a sandwich',
  ];
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const line = lines[i % lines.length]!;
    const t0 = performance.now();
    planner.parse(line);
    times.push(performance.now() - t0);
  }
  const p99 = percentile(times.slice(1000), 0.99);
  return Promise.resolve([
    { name: 'offline grammar parse, median', value: median(times.slice(1000)) * 1000, unit: 'µs' },
    { name: 'offline grammar parse, p99', value: p99 * 1000, unit: 'µs', goal: '< 1000', ok: p99 < 1 },
  ]);
}

/**
 * The size of what every Claude request carries before the conversation: system prompt and tools. With
 * ANTHROPIC_API_KEY set, the token figure is the API's own count (`messages.countTokens`); without, the
 * estimate of src/agent/tokens.ts, and the figure says so.
 */
export async function benchPromptSize(): Promise<Figure[]> {
  const config = loadConfig(SANDBOX_CONFIG_PATH);
  const specs = toolSpecs(RELEASE_TOOLS).map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.inputSchema,
  }));
  const tools = JSON.stringify(specs);
  const system = systemPrompt(config);
  const env = loadEnvSettings();
  let tokens = estimateTokens(system) + estimateTokens(tools);
  let how = 'estimate: no ANTHROPIC_API_KEY';
  if (env.ANTHROPIC_API_KEY) {
    const client = new Anthropic({ apiKey: env.ANTHROPIC_API_KEY, maxRetries: 1, timeout: 15_000 });
    const counted = await client.messages
      .countTokens({
        model: env.ANTHROPIC_MODEL,
        system,
        tools: specs as Anthropic.Messages.Tool[],
        messages: [{ role: 'user', content: 'status of dev' }],
      })
      .catch((err: unknown) => err as Error);
    if (counted instanceof Error) how = `estimate: countTokens failed (${counted.message})`;
    else {
      tokens = counted.input_tokens;
      how = 'counted by the API';
    }
  }
  return [
    {
      name: 'system prompt + tools, bytes',
      value: Buffer.byteLength(system) + Buffer.byteLength(tools),
      unit: 'B',
    },
    {
      name: `system prompt + tools, tokens (${how})`,
      value: tokens,
      unit: 'tok',
      goal: '≤ 3000',
      ok: tokens <= 3000,
      note: `${RELEASE_TOOLS.length} tools`,
    },
  ];
}
