import type { LoadedConfig } from '../config.js';
import type { Tool } from '../tools/tool.js';
import * as commands from './offline-commands.js';
import { CONTROL_VERBS, parseControl } from './offline-control.js';
import { PREPOSITIONS, VERBS, type Names, type Parsed } from './offline-grammar.js';
import { invisibleCharacter, nearest, tokenize, withoutMentions, type Token } from './offline-lexer.js';
import type { Message, PlannerTurn, PlanRequest, Planner, ToolCall } from './types.js';

export type { Parsed } from './offline-grammar.js';

export interface OfflinePlannerDeps {
  config: LoadedConfig;
  /** The registered tools; a command whose tool is not registered is answered with the reason. */
  tools: ReadonlyMap<string, Tool>;
}

/**
 * The words of the grammar a near miss is measured against (besides the configured names), the commands
 * first: of two equally near words, the first wins ("staus" is "status", not "stats").
 */
const VOCABULARY = [
  ...VERBS,
  ...['status', 'state', 'health', 'history', 'metrics', 'dora', 'stats', 'deployment', 'deployments'],
  ...['healthy', 'troubleshoot', 'running', 'services', 'canaries', 'version', 'previous', 'last'],
  ...['help', 'until', 'because', 'what', 'show', 'from', 'into', 'days', 'weeks', 'today'],
];

/** Leading words that ask to see something: "show me", "list", "give me". */
const SHOW = new Set(['show', 'get', 'list', 'give', 'display', 'tell']);
const HELP = /^(?:help|\?|commands|what can you do)$/;
const BECAUSE = /,?\s+because(?:\s+([\s\S]*))?$/i;

/**
 * The deterministic grammar of the commands people type, used when no Anthropic key is set and as the
 * fallback when the API is unavailable (ChatOps must work during an LLM outage). It never guesses: every
 * word of a command is placed (a verb, a configured environment or service, a clean image tag, a word of
 * the command) or the command is refused, with the valid names, or with one line naming the command it
 * is a near miss of ("Did you mean `status of dev`?"). After the tool has run it ends the turn: the loop
 * has shown the result, rendered from the tool's own data.
 */
export class OfflinePlanner implements Planner {
  readonly name = 'offline';
  private readonly names: Names;

  constructor(private readonly deps: OfflinePlannerDeps) {
    const groups = deps.config.groups;
    this.names = {
      envs: deps.config.order,
      services: [...new Set(Object.values(deps.config.environments).flatMap((e) => Object.keys(e.services)))],
      groups: Object.keys(groups),
    };
  }

  plan(request: PlanRequest): Promise<PlannerTurn> {
    const last = request.messages[request.messages.length - 1];
    if (last && hasToolResults(last)) {
      // The loop has shown each result from the tool's own data; there is nothing to add.
      return Promise.resolve({ text: '', toolCalls: [], stop: 'end_turn' });
    }
    const text = last ? lastText(last) : '';
    const parsed = this.parse(text);
    if ('text' in parsed) {
      const refused = parsed.help ? {} : { refused: true as const };
      return Promise.resolve({ text: parsed.text, toolCalls: [], stop: 'end_turn', ...refused });
    }
    const { name, input } = parsed.call;
    if (!this.deps.tools.has(name)) {
      return Promise.resolve({
        text: `I understood "${text.trim()}", but the ${name} tool is not available here.`,
        toolCalls: [],
        stop: 'end_turn',
        refused: true,
      });
    }
    const call: ToolCall = { id: `offline_${nextId++}`, name, input };
    return Promise.resolve({ text: '', toolCalls: [call], stop: 'tool_use' });
  }

  /** The command in `text`, or the text to answer with; exported through the planner for tests. */
  parse(text: string): Parsed {
    const invisible = invisibleCharacter(text);
    if (invisible) {
      return {
        text: `The request contains an invisible character (${invisible}: a control, bidi or zero-width character); type it again without it. Nothing was done.`,
      };
    }
    const parsed = this.command(text);
    if ('call' in parsed || parsed.help) return parsed;
    const suggestion = this.nearMiss(text);
    if (!suggestion) return parsed;
    const line = `Did you mean \`${suggestion}\`?`;
    return { text: parsed.text.startsWith('I did not understand') ? line : `${parsed.text} ${line}` };
  }

  private command(text: string): Parsed {
    const clean = withoutMentions(text);
    const tokens = words(clean);
    const line = tokens.map((t) => t.raw).join(' ');
    const first = tokens[0]?.low ?? '';
    if (tokens.length === 0 || HELP.test(tokens.map((t) => t.low).join(' '))) {
      return { text: this.help(), help: true };
    }
    if (Object.hasOwn(CONTROL_VERBS, first)) {
      const control = parseControl(clean, { envs: this.names.envs, services: this.names.services });
      if (control) return control;
    }
    const because = BECAUSE.exec(clean);
    const reason = because?.[1]?.trim().replace(/[.!]+$/, '') || undefined;
    const head = because ? words(clean.slice(0, because.index)) : tokens;
    const args = { tokens: head.slice(1), names: this.names, line };
    const all = { ...args, tokens: head };
    switch (first) {
      case 'deploy':
      case 'release':
      case 'ship':
        return commands.deploy({ ...args, tokens: tokens.slice(1) });
      case 'rollback':
      case 'revert':
      case 'undo':
        return commands.rollback({ ...args, reason });
      case 'promote':
        return commands.promote({ ...args, tokens: tokens.slice(1) });
      case 'diagnose':
      case 'debug':
      case 'investigate':
        return commands.diagnose(args);
      case 'emergency':
        return commands.emergency({ ...args, reason });
      case 'freeze':
        return commands.freeze(
          { ...args, tokens: words(clean.replace(QUOTED, ' ')).slice(1) },
          QUOTED.exec(clean)?.[1],
        );
      case 'unfreeze':
        return commands.unfreeze({ ...args, tokens: tokens.slice(1) });
      default:
        break;
    }
    const has = (...w: string[]) => tokens.some((t) => w.includes(t.low));
    if (has('troubleshoot') || (has('failed', 'wrong') && has('how', 'why', 'what'))) {
      return commands.troubleshoot({ ...all, tokens });
    }
    if ((first === 'is' || first === 'are') && has('healthy', 'ok', 'okay', 'fine', 'working', 'up')) {
      return commands.healthy({ ...all, tokens });
    }
    if (has('metrics', 'dora', 'figures', 'stats', 'statistics')) return commands.metrics({ ...all, tokens });
    if (has('history') || (has('last', 'recent') && has('deployments', 'deploys', 'releases'))) {
      return commands.history({ ...all, tokens });
    }
    if (
      has('status', 'state', 'health') ||
      (has("what's", 'what', 'whats') && has('running', 'live', 'deployed'))
    ) {
      return commands.status({ ...all, tokens });
    }
    return { text: `I did not understand "${text.trim()}".\n\n${this.help()}` };
  }

  /**
   * The command `text` is a near miss of: each word that is neither a word of the grammar nor a
   * configured name replaced by the one it is closest to, when the result is a command. Undefined when
   * there is no such command.
   */
  private nearMiss(text: string): string | undefined {
    const tokens = words(withoutMentions(text));
    const known = new Set<string>([
      ...this.names.envs,
      ...this.names.services,
      ...this.names.groups,
      ...VOCABULARY,
      ...PREPOSITIONS,
    ]);
    const candidates = [...known].filter((w) => w.length >= 3);
    let changed = false;
    const fixed = tokens.map((t) => {
      if (known.has(t.low) || !/^[a-z][a-z0-9-]*$/.test(t.low)) return t.raw;
      const near = nearest(t.low, candidates);
      if (near) changed = true;
      return near ?? t.raw;
    });
    if (!changed) return undefined;
    const suggestion = fixed.join(' ');
    return 'call' in this.command(suggestion) ? suggestion : undefined;
  }

  private help(): string {
    const envs = this.names.envs.join(', ');
    return [
      `I run blue/green releases on ${envs} (in that order) and answer questions about them:`,
      '  deploy 1.3.0 to dev                  blue/green deploy, traffic shifted step by step',
      '  promote 1.3.0 from tst to prd        the next environment, once it succeeded upstream',
      '  rollback prd                         all traffic back to the last known-good version',
      '  rollback prd to 1.2.0                prepare 1.2.0, then switch to it',
      '  emergency rollback all services in prd   every service back to its known-good version',
      '  status of prd                        weights, versions and target health',
      '  show deployment history for prd      the last deployments, newest first',
      '  show deployment metrics for last 7 days   DORA figures per environment',
      '  diagnose prd (or: is prd healthy?)   findings about pods, events, targets and logs',
      '  abort prd because p99 is spiking     stop a rollout: all traffic back on the stable colour',
      '  pause prd / resume prd               hold a rollout at its step (analysis goes on), continue it',
      '  freeze prd "reason" [until <date>]   refuse writes to prd until unfrozen (unfreeze prd)',
      `Add a service name to pick one (${this.names.services.join(', ')}); writes ask you to confirm first.`,
    ].join('\n');
  }
}

/** A quoted reason: "…" or “…”. */
const QUOTED = /["“”]([^"“”]*)["“”]/;

/** The tokens of a request: "roll back" read as "rollback", a leading "show me" dropped. */
function words(text: string): Token[] {
  const tokens = tokenize(text);
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.low === 'roll' && tokens[i + 1]?.low === 'back') {
      out.push({ raw: 'rollback', low: 'rollback' });
      i++;
    } else out.push(t);
  }
  if (out[0] && SHOW.has(out[0].low)) out.splice(0, out[1]?.low === 'me' ? 2 : 1);
  return out;
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
