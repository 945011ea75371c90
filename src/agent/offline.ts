import type { LoadedConfig } from '../config.js';
import type { Tool } from '../tools/tool.js';
import { CONTROL_VERBS, parseControl } from './offline-control.js';
import { renderResults } from './offline-render.js';
import { alias, envAlias, normalise } from './offline-words.js';
import type { Message, PlannerTurn, PlanRequest, Planner, ToolCall } from './types.js';

export interface OfflinePlannerDeps {
  config: LoadedConfig;
  /** The registered tools; a command whose tool is not registered is answered with the reason. */
  tools: ReadonlyMap<string, Tool>;
}

/** What one parsed command asks for: a tool call, or text (help, a question back). */
type Parsed = { call: { name: string; input: Record<string, unknown> } } | { text: string };

const VERSION = String.raw`(v?\d+(?:\.\d+){1,3}(?:-[a-z0-9._-]+)?)`;
const DAYS = /\b(?:last|past)\s+(\d{1,3})\s*(day|days|d|week|weeks|w)\b/;

/**
 * The deterministic grammar of the commands people type, used when no Anthropic key is set and as the
 * fallback when the API fails (ChatOps must work during an LLM outage). It reads the person's last
 * message and answers with one tool call, or with text: help, or a list of what it understands when it
 * does not understand (never a guess). After the tool has run, it renders the result readably through
 * the tool's own `render` and ends the turn.
 *
 * Environment and service names are the configured ones; a request naming an unknown environment is
 * answered with the valid ones rather than passed on.
 */
export class OfflinePlanner implements Planner {
  readonly name = 'offline';
  private readonly envs: readonly string[];
  private readonly services: readonly string[];

  constructor(private readonly deps: OfflinePlannerDeps) {
    this.envs = deps.config.order;
    this.services = [
      ...new Set(Object.values(deps.config.environments).flatMap((e) => Object.keys(e.services))),
    ];
  }

  plan(request: PlanRequest): Promise<PlannerTurn> {
    const last = request.messages[request.messages.length - 1];
    if (last && hasToolResults(last)) {
      return Promise.resolve({
        text: renderResults(request.messages, this.deps.tools),
        toolCalls: [],
        stop: 'end_turn',
      });
    }
    const text = last ? lastText(last) : '';
    const parsed = this.parse(text);
    if ('text' in parsed) return Promise.resolve({ text: parsed.text, toolCalls: [], stop: 'end_turn' });
    const { name, input } = parsed.call;
    if (!this.deps.tools.has(name)) {
      return Promise.resolve({
        text: `I understood "${text.trim()}", but the ${name} tool is not available here.`,
        toolCalls: [],
        stop: 'end_turn',
      });
    }
    const call: ToolCall = { id: `offline_${nextId++}`, name, input };
    return Promise.resolve({ text: '', toolCalls: [call], stop: 'tool_use' });
  }

  /** The command in `text`; exported through the planner for tests and the bench. */
  parse(text: string): Parsed {
    const line = normalise(text);
    if (line === '' || /^(help|\?|what can you do|commands)$/.test(line)) return { text: this.help() };
    const verb = line.split(' ')[0]!;
    if (Object.hasOwn(CONTROL_VERBS, verb)) {
      const control = parseControl(text, { envs: this.envs, services: this.services });
      if (control) return control;
    }
    switch (verb) {
      case 'deploy':
      case 'release':
      case 'ship':
        return this.deploy(line);
      case 'rollback':
      case 'revert':
        return this.rollback(text);
      case 'promote':
        return this.promote(line);
      case 'diagnose':
      case 'debug':
      case 'investigate':
        return this.withEnv(line, 'diagnose_service', (env, service) => ({ env, ...service }));
      default:
        break;
    }
    if (/\b(metrics|dora|figures|stats|statistics)\b/.test(line)) return this.metrics(line);
    if (/\bhistory\b|\b(last|recent) (deployments|deploys|releases)\b/.test(line)) {
      return this.withEnv(line, 'get_deployment_history', (env, service) => ({ env, ...service }));
    }
    if (/\b(status|state|health)\b|^what(?:'s| is) (?:running|live|deployed)\b/.test(line)) {
      return this.withEnv(line, 'get_status', (env, service) => ({ env, ...service }));
    }
    return { text: `I did not understand "${text.trim()}".\n\n${this.help()}` };
  }

  private deploy(line: string): Parsed {
    const m = new RegExp(`^\\w+ (?:([a-z0-9-]+) )?${VERSION}(?: (?:to|in|on|into) ([a-z0-9-]+))?`).exec(line);
    if (!m) return this.usage('deploy <version> to <env> [service]', 'deploy 1.3.0 to prd');
    const [, maybeService, version, envWord] = m;
    const env = alias(envWord) ?? this.findEnv(line);
    if (!env) return this.usage('deploy <version> to <env> [service]', `deploy ${version} to dev`);
    const problem = this.checkEnv(env);
    if (problem) return problem;
    const service = this.service(line, maybeService);
    if ('text' in service) return service;
    return { call: { name: 'deploy_service', input: { env, version, ...service.value } } };
  }

  /** `rollback prd [service] [to 1.2.0] [because <reason>]`; the reason is kept as typed. */
  private rollback(text: string): Parsed {
    const because = /\s+because\s+(.+)$/i.exec(text);
    const reason = because?.[1]?.trim().replace(/[.!]+$/, '');
    const line = normalise(because ? text.slice(0, because.index) : text);
    const env = this.findEnv(line);
    if (!env) return this.usage('rollback <env> [to <version>]', 'rollback prd to previous version');
    const problem = this.checkEnv(env);
    if (problem) return problem;
    const service = this.service(line);
    if ('text' in service) return service;
    const to = new RegExp(`\\bto (?:version )?${VERSION}\\b`).exec(line);
    return {
      call: {
        name: 'rollback_service',
        input: { env, ...service.value, ...(to ? { version: to[1] } : {}), ...(reason ? { reason } : {}) },
      },
    };
  }

  private promote(line: string): Parsed {
    const m = new RegExp(`\\b${VERSION}\\b`).exec(line);
    const from = alias(/\bfrom ([a-z0-9-]+)/.exec(line)?.[1]);
    const to = alias(/\bto ([a-z0-9-]+)/.exec(line)?.[1]);
    if (!m || !to)
      return this.usage('promote <version> from <env> to <env>', 'promote 1.3.0 from tst to prd');
    const target = this.checkEnv(to);
    if (target) return target;
    // "promote 1.3.0 to prd": the source is the environment before the target.
    const source = from ?? this.envs[this.envs.indexOf(to) - 1];
    if (!source) return { text: `${to} is the first environment; use "deploy ${m[1]} to ${to}".` };
    const problem = this.checkEnv(source);
    if (problem) return problem;
    const service = this.service(line.replace(/\b(from|to) [a-z0-9-]+/g, ''));
    if ('text' in service) return service;
    return {
      call: { name: 'promote_version', input: { version: m[1], from: source, to, ...service.value } },
    };
  }

  private metrics(line: string): Parsed {
    const m = DAYS.exec(line);
    let days = 7;
    if (m) days = Number(m[1]) * (m[2]!.startsWith('w') ? 7 : 1);
    if (/\b(today|last day)\b/.test(line)) days = 1;
    if (!m && /\blast week\b/.test(line)) days = 7;
    if (!m && /\blast month\b/.test(line)) days = 30;
    if (days < 1 || days > 365) return { text: 'I can count from 1 to 365 days back.' };
    const env = this.findEnv(line, { strict: true });
    const service = this.service(line);
    if ('text' in service) return service;
    return {
      call: { name: 'get_deployment_metrics', input: { days, ...(env ? { env } : {}), ...service.value } },
    };
  }

  private withEnv(
    line: string,
    tool: string,
    input: (env: string, service: { service?: string }) => Record<string, unknown>,
  ): Parsed {
    const env = this.findEnv(line);
    if (!env) {
      return { text: `Which environment? One of ${this.envs.join(', ')}; e.g. "${line.split(' ')[0]} prd".` };
    }
    const service = this.service(line);
    if ('text' in service) return service;
    return { call: { name: tool, input: input(env, service.value) } };
  }

  /** The configured environment named in `line`, or a word that stands where one should. */
  private findEnv(line: string, opts: { strict?: boolean } = {}): string | undefined {
    const words = line.split(' ');
    const known = words.find((w) => this.envs.includes(w));
    if (known) return known;
    const aliased = words.map(envAlias).find((e) => e !== undefined && this.envs.includes(e));
    if (aliased) return aliased;
    if (opts.strict) return undefined;
    return alias(/\b(?:to|in|on|of|for|from) ([a-z0-9-]+)\s*$/.exec(line)?.[1]);
  }

  private checkEnv(env: string): Parsed | undefined {
    if (this.envs.includes(env)) return undefined;
    return { text: `There is no environment "${env}". Environments: ${this.envs.join(', ')}.` };
  }

  /** The service named in `line` (or `candidate`); none: the tool uses the default service. */
  private service(line: string, candidate?: string): { value: { service?: string } } | { text: string } {
    if (candidate && this.services.includes(candidate)) return { value: { service: candidate } };
    if (candidate && !['to', 'version'].includes(candidate)) {
      return { text: `There is no service "${candidate}". Services: ${this.services.join(', ')}.` };
    }
    const named = line.split(' ').find((w) => this.services.includes(w));
    return { value: named ? { service: named } : {} };
  }

  private usage(form: string, example: string): Parsed {
    return { text: `Say it as "${form}", for example "${example}".` };
  }

  private help(): string {
    const envs = this.envs.join(', ');
    return [
      `I run blue/green releases on ${envs} (in that order) and answer questions about them:`,
      '  deploy 1.3.0 to dev                  blue/green deploy, traffic shifted step by step',
      '  promote 1.3.0 from tst to prd        the next environment, once it succeeded upstream',
      '  rollback prd                         all traffic back to the previous version',
      '  rollback prd to 1.2.0                prepare 1.2.0, then switch to it',
      '  status of prd                        weights, versions and target health',
      '  show deployment history for prd      the last deployments, newest first',
      '  show deployment metrics for last 7 days   DORA figures per environment',
      '  diagnose prd                         findings about pods, events, targets and logs',
      '  abort prd because p99 is spiking     stop a rollout: all traffic back on the stable colour',
      '  pause prd / resume prd               hold a rollout at its step (analysis goes on), continue it',
      `Add a service name to pick one (${this.services.join(', ')}); writes ask you to confirm first.`,
    ].join('\n');
  }
}

let nextId = 1;

function hasToolResults(message: Message): boolean {
  return message.role === 'user' && message.content.some((b) => b.type === 'tool_result');
}

function lastText(message: Message): string {
  return message.content
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}
