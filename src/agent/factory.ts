import type { Jarvis } from '../app.js';
import type { EnvSettings } from '../config/env.js';
import type { Logger } from '../logger.js';
import { PolicyGate } from '../policies/gate.js';
import { loadMfaKey, MfaService } from '../policies/mfa.js';
import { RELEASE_TOOLS, toolRegistry } from '../tools/index.js';
import type { Tool } from '../tools/tool.js';
import { Agent } from './loop.js';
import { ConversationMemory } from './memory.js';
import { OfflinePlanner } from './offline.js';
import { systemPrompt } from './prompt.js';
import { toolSpecs } from './specs.js';
import { PlannerOnDemand } from './planner-on-demand.js';
import type { Planner } from './types.js';

export interface AgentOptions {
  env: EnvSettings;
  /** Jarvis runs on the sandbox: the MFA key may then live in the data directory (see loadMfaKey). */
  sandbox: boolean;
  logger?: Logger;
  /** Use this planner instead of the one the environment chooses (Claude with a key, else offline). */
  planner?: Planner;
  /** The tools offered; default every registered tool. */
  tools?: readonly Tool[];
}

/** The agent and the parts channels also need. */
export interface AgentKit {
  agent: Agent;
  tools: ReadonlyMap<string, Tool>;
  /** Undefined when no MFA key is available: prd writes are then refused with the reason. */
  mfa: MfaService | undefined;
  /** The main planner: Claude when ANTHROPIC_API_KEY is set, else the offline grammar. */
  planner: Planner;
  /** The offline grammar, also the fallback when the Anthropic API fails. */
  offline: OfflinePlanner;
}

/**
 * Wires the agent loop once for every channel: tools (duplicate names fail here), their specs, the
 * policy gate, MFA, the planners and the conversation memory. Performs no request.
 */
export function createAgent(jarvis: Jarvis, options: AgentOptions): AgentKit {
  const { config, store, clock, rollouts, platform } = jarvis;
  const list = options.tools ?? RELEASE_TOOLS;
  const tools = toolRegistry(list);
  const specs = toolSpecs(list);
  const key = loadMfaKey(options.env, { sandbox: options.sandbox });
  const mfa = key
    ? new MfaService({
        store,
        key,
        tolerance: { past: config.mfa.pastSteps, future: config.mfa.futureSteps },
      })
    : undefined;
  const offline = new OfflinePlanner({ config, tools });
  const planner =
    options.planner ??
    (options.env.ANTHROPIC_API_KEY
      ? new PlannerOnDemand('anthropic', async () => {
          const { AnthropicPlanner, createAnthropicClient, limitsOf } = await import('./anthropic.js');
          return new AnthropicPlanner({
            client: createAnthropicClient(options.env),
            model: options.env.ANTHROPIC_MODEL,
            maxTokens: config.agent.maxTokens,
            system: systemPrompt(config),
            limits: limitsOf(options.env),
            logger: options.logger,
          });
        })
      : offline);
  const agent = new Agent({
    config,
    tools,
    specs,
    gate: new PolicyGate({ config, store, clock }),
    mfa,
    planner,
    fallback: offline,
    memory: new ConversationMemory(config.agent.historyMessages),
    store,
    clock,
    toolContext: { config, rollouts, store, metrics: platform.metrics, clock },
    warm: () => platform.warm(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { agent, tools, mfa, planner, offline };
}
