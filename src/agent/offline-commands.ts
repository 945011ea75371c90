import {
  badVersion,
  classify,
  one,
  serviceOf,
  unknownWord,
  usage,
  whichEnv,
  type Names,
  type Parsed,
} from './offline-grammar.js';
import type { Token } from './offline-lexer.js';

/**
 * The commands of the offline grammar, one function each. Each gets the words after its verb (or the
 * whole request, for the phrasings without one) and either places every word or refuses the command.
 */
export interface CommandArgs {
  tokens: readonly Token[];
  names: Names;
  /** The request as typed, for refusals that quote it. */
  line: string;
  /** The reason given after "because" (or a dash, a colon), as typed. */
  reason?: string | undefined;
}

type Call = (name: string, input: Record<string, unknown>) => Parsed;
const call: Call = (name, input) => ({ call: { name, input } });

/** Words that only say which release is meant: "undo the last deploy", "rollback to previous version". */
const RELEASE_WORDS = ['last', 'previous', 'prior', 'deploy', 'deployment', 'release', 'version', 'back'];

/** `deploy [service] <version> to <env> [service]`. */
export function deploy({ tokens, names, line }: CommandArgs): Parsed {
  const form = 'deploy <version> to <env> [service]';
  const slots = classify(tokens, names, { filler: ['version'], versions: true });
  const version = one(slots.versions, 'version');
  if ('text' in version) return version;
  const bad = version.value && badVersion(version.value.token.raw);
  if (bad) return bad;
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  if (!version.value) return usage(form, 'deploy 1.3.0 to dev');
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  if (!env.value) return usage(form, `deploy ${version.value.token.raw} to dev`);
  const service = serviceOf(slots);
  if ('text' in service) return service;
  return call('deploy_service', { env: env.value.env, version: version.value.token.raw, ...service.value });
}

/** `rollback <env> [service] [to <version>]`, `undo the last deploy in <env>`; the reason as typed. */
export function rollback({ tokens, names, line, reason }: CommandArgs): Parsed {
  const slots = classify(tokens, names, { filler: [...RELEASE_WORDS, 'good', 'known-good'], versions: true });
  const version = one(slots.versions, 'version');
  if ('text' in version) return version;
  const bad = version.value && badVersion(version.value.token.raw);
  if (bad) return bad;
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  if (!env.value) return usage('rollback <env> [service] [to <version>]', 'rollback prd');
  const service = serviceOf(slots);
  if ('text' in service) return service;
  return call('rollback_service', {
    env: env.value.env,
    ...service.value,
    ...(version.value ? { version: version.value.token.raw } : {}),
    ...(reason ? { reason } : {}),
  });
}

/** `promote <version> [from <env>] to <env> [service]`. */
export function promote({ tokens, names, line }: CommandArgs): Parsed {
  const form = 'promote <version> from <env> to <env>';
  const slots = classify(tokens, names, { filler: ['version'], versions: true });
  const version = one(slots.versions, 'version');
  if ('text' in version) return version;
  const bad = version.value && badVersion(version.value.token.raw);
  if (bad) return bad;
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const from = one(
    slots.envs.filter((e) => e.prep === 'from'),
    'environment',
  );
  const to = one(
    slots.envs.filter((e) => e.prep !== 'from'),
    'environment',
  );
  if ('text' in from) return from;
  if ('text' in to) return to;
  if (!version.value || !to.value) return usage(form, 'promote 1.3.0 from tst to prd');
  const v = version.value.token.raw;
  const target = to.value.env;
  // "promote 1.3.0 to prd": the source is the environment before the target.
  const source = from.value?.env ?? names.envs[names.envs.indexOf(target) - 1];
  if (!source) return { text: `${target} is the first environment; use "deploy ${v} to ${target}".` };
  const service = serviceOf(slots);
  if ('text' in service) return service;
  return call('promote_version', { version: v, from: source, to: target, ...service.value });
}

/** A read of one environment ("diagnose prd", "status of checkout in tst"): every word placed. */
export function read(tool: string, verb: string, filler: readonly string[]) {
  return ({ tokens, names, line }: CommandArgs): Parsed => {
    const slots = classify(tokens, names, { filler });
    const unknown = unknownWord(slots, names, line);
    if (unknown) return unknown;
    const env = one(slots.envs, 'environment');
    if ('text' in env) return env;
    if (!env.value) return whichEnv(names, verb);
    const service = serviceOf(slots);
    if ('text' in service) return service;
    return call(tool, { env: env.value.env, ...service.value });
  };
}

/** "diagnose prd", "investigate checkout in tst". */
export const diagnose = read('diagnose_service', 'diagnose', ['issues', 'problems', 'deployment']);

/** "is prd healthy?", "is checkout in prd ok": a diagnosis. */
export const healthy = read('diagnose_service', 'diagnose', [
  'is',
  'are',
  'healthy',
  'ok',
  'okay',
  'fine',
  'working',
  'up',
  'all',
  'things',
  'everything',
]);

/** Words that say a deployment went wrong: the question is about the last failed one. */
const FAILURE_WORDS = new Set(['failed', 'fails', 'failing', 'broke', 'broken']);

/** Words of "Deployment failed - how do I troubleshoot?" and its kin. */
const TROUBLESHOOT = [
  ...['deployment', 'deploy', 'release', 'rollout', 'failed', 'fails', 'failing', 'broke', 'broken'],
  ...['how', 'do', 'can', 'should', 'i', 'we', 'troubleshoot', 'debug', 'it', 'this', 'my', 'our', '-'],
  ...['what', 'went', 'wrong', 'why', 'did', 'is', "what's", 'with', 'happened', 'going'],
];

/**
 * The seed's "Deployment failed - how do I troubleshoot?": the last deployment that failed, rolled back or
 * was aborted — of the environment and service named, else the newest anywhere — diagnosed from its cause.
 */
export function troubleshoot({ tokens, names, line }: CommandArgs): Parsed {
  const slots = classify(tokens, names, { filler: TROUBLESHOOT });
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  const service = serviceOf(slots);
  if ('text' in service) return service;
  // "what is wrong with prd?" asks about prd as it is; "deployment failed" about the failed deployment.
  const failed = tokens.some((t) => FAILURE_WORDS.has(t.low));
  if (!failed && !env.value) return whichEnv(names, 'diagnose');
  return call('diagnose_service', {
    ...(env.value ? { env: env.value.env } : {}),
    ...service.value,
    ...(failed ? { deployment: 'last_failed' } : {}),
  });
}

/** "status of prd", "what's running in production?". */
export const status = read('get_status', 'status of', [
  ...['status', 'state', 'health', 'what', "what's", 'whats', 'is', 'running', 'live', 'deployed'],
]);

/** "show deployment history for prd", "last deployments in tst". */
export const history = read('get_deployment_history', 'history of', [
  ...['history', 'deployment', 'deployments', 'deploys', 'releases', 'rollouts', 'last', 'recent'],
]);

const UNIT_DAYS: Record<string, number> = { day: 1, days: 1, d: 1, week: 7, weeks: 7, w: 7 };

/** "show deployment metrics for last 7 days", "dora metrics for prd over the last 2 weeks". */
export function metrics({ tokens, names, line }: CommandArgs): Parsed {
  let days: number | undefined;
  const rest: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.low;
    const compact = /^(\d{1,3})(d|w)$/.exec(t);
    const unit = tokens[i + 1]?.low;
    if (compact) days = Number(compact[1]) * UNIT_DAYS[compact[2]!]!;
    else if (/^\d{1,3}$/.test(t) && unit && Object.hasOwn(UNIT_DAYS, unit)) {
      days = Number(t) * UNIT_DAYS[unit]!;
      i++;
    } else if (t === 'today') days = 1;
    else if ((t === 'week' || t === 'month' || t === 'day') && tokens[i - 1]?.low === 'last') {
      days = { week: 7, month: 30, day: 1 }[t];
    } else rest.push(tokens[i]!);
  }
  const slots = classify(rest, names, {
    filler: [
      ...['metrics', 'dora', 'figures', 'stats', 'statistics', 'deployment', 'deployments'],
      ...['last', 'past', 'the', 'all'],
    ],
  });
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const n = days ?? 7;
  if (n < 1 || n > 365) return { text: 'I can count from 1 to 365 days back.' };
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  const service = serviceOf(slots);
  if ('text' in service) return service;
  return call('get_deployment_metrics', {
    days: n,
    ...(env.value ? { env: env.value.env } : {}),
    ...service.value,
  });
}

/**
 * "emergency rollback all services in prd", "emergency rollback backend in prd" (a configured group),
 * "emergency rollback canaries in prd" (abort every rollout in progress there).
 */
export function emergency({ tokens, names, line, reason }: CommandArgs): Parsed {
  const form = 'emergency rollback all services in <env>';
  if (tokens[0]?.low !== 'rollback') return usage(form, 'emergency rollback all services in prd');
  const canaries = tokens.some((t) => t.low === 'canary' || t.low === 'canaries');
  const slots = classify(
    tokens.slice(1).filter((t) => t.low !== 'canary' && t.low !== 'canaries'),
    names,
    { filler: ['all', 'every', 'services', 'everything', 'in-flight', 'running'], groups: true },
  );
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  if (!env.value) return usage(form, 'emergency rollback all services in prd');
  const first = slots.services[0];
  if (first) {
    return {
      text: `An emergency rollback covers every service of ${env.value.env} (or a group); for ${first.service} alone say "rollback ${first.service} in ${env.value.env}".`,
    };
  }
  const group = one(slots.groups, 'group');
  if ('text' in group) return group;
  if (canaries && group.value)
    return { text: 'Canaries are aborted in the whole environment, not per group.' };
  return call('emergency_rollback', {
    env: env.value.env,
    ...(canaries ? { scope: 'canaries' } : {}),
    ...(group.value ? { group: group.value.group } : {}),
    ...(reason ? { reason } : {}),
  });
}

/** An ISO 8601 date or date and time ("2026-12-24", "2026-12-24T18:00Z", "2026-12-24 18:00"). */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `freeze <env> "reason" [until <ISO date/time>]`: the reason in quotes, as typed. */
export function freeze({ tokens, names, line }: CommandArgs, quoted: string | undefined): Parsed {
  const form = 'freeze <env> "reason" [until <ISO date/time>]';
  const example = `freeze ${names.envs[names.envs.length - 1] ?? 'prd'} "release weekend" until 2026-12-28T08:00Z`;
  const at = tokens.findIndex((t) => t.low === 'until');
  const head = at < 0 ? tokens : tokens.slice(0, at);
  const tail = at < 0 ? [] : tokens.slice(at + 1);
  const slots = classify(head, names, { filler: [] });
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  if (!env.value || quoted === undefined || quoted.trim() === '' || slots.services.length > 0) {
    return usage(form, example);
  }
  let until: string | undefined;
  if (at >= 0) {
    until = tail.map((t) => t.raw).join('T');
    if (tail.length === 0 || tail.length > 2 || !ISO.test(until) || Number.isNaN(Date.parse(until))) {
      return {
        text: `"${tail.map((t) => t.raw).join(' ')}" is not an ISO date or time; say e.g. "until 2026-12-28" or "until 2026-12-28T08:00Z". Nothing was done.`,
      };
    }
  }
  return call('freeze_environment', {
    environment: env.value.env,
    reason: quoted.trim(),
    ...(until ? { until } : {}),
  });
}

/** `unfreeze <env>`. */
export function unfreeze({ tokens, names, line }: CommandArgs): Parsed {
  const slots = classify(tokens, names, { filler: [] });
  const unknown = unknownWord(slots, names, line);
  if (unknown) return unknown;
  const env = one(slots.envs, 'environment');
  if ('text' in env) return env;
  if (!env.value || slots.services.length > 0) return usage('unfreeze <env>', 'unfreeze prd');
  return call('unfreeze_environment', { environment: env.value.env });
}
