import { IMAGE_TAG, type Token } from './offline-lexer.js';
import { envAlias } from './offline-words.js';

/** The configured names the grammar accepts, and nothing else. */
export interface Names {
  /** Environments, in promotion order. */
  envs: readonly string[];
  services: readonly string[];
  /** Named groups of services (config `groups`), for an emergency rollback. */
  groups: readonly string[];
}

/** What one parsed command asks for: a tool call, or text (help, a question back, a refusal). */
export type Parsed =
  | { call: { name: string; input: Record<string, unknown> } }
  /** `help`: the text answers the request (help); otherwise nothing was done. */
  | { text: string; help?: true };

/** Words that place the next one: "to prd", "from tst", "of checkout". */
export const PREPOSITIONS = new Set(['to', 'into', 'in', 'on', 'of', 'for', 'from', 'at', 'over']);

/** Words every command may carry without changing its meaning. */
const COMMON = ['the', 'a', 'an', 'service', 'env', 'environment', 'now', 'current', 'currently'];

/** The verbs of every command, so that a second command in one message is named as such. */
export const VERBS = new Set([
  'deploy',
  'release',
  'ship',
  'rollback',
  'revert',
  'undo',
  'promote',
  'diagnose',
  'debug',
  'investigate',
  'abort',
  'stop',
  'cancel',
  'pause',
  'resume',
  'freeze',
  'unfreeze',
  'emergency',
]);

interface Slot {
  token: Token;
  /** The preposition just before it, if any. */
  prep: string | undefined;
}

/** Every word of a command placed: environments, services, versions, and what could not be placed. */
export interface Slots {
  envs: Array<Slot & { env: string }>;
  services: Array<Slot & { service: string }>;
  groups: Array<Slot & { group: string }>;
  versions: Slot[];
  /** The grammar words of the command that were typed (filler included). */
  words: Set<string>;
  unknown: Slot[];
}

/**
 * Places each token: a preposition, a configured environment (or its common name), a service, a group,
 * one of `filler`, or (when `versions`) a version: a token that starts with a digit (or "v" and a digit),
 * or the one after "version".
 * Whatever is left is unknown, and the command is refused with it.
 */
export function classify(
  tokens: readonly Token[],
  names: Names,
  opts: { filler: readonly string[]; versions?: boolean; groups?: boolean },
): Slots {
  const filler = new Set([...COMMON, ...opts.filler]);
  const slots: Slots = { envs: [], services: [], groups: [], versions: [], words: new Set(), unknown: [] };
  let prep: string | undefined;
  for (const token of tokens) {
    const w = token.low;
    const env = names.envs.includes(w) ? w : envAlias(w);
    const slot = { token, prep };
    prep = undefined;
    if (PREPOSITIONS.has(w)) prep = w;
    else if (env !== undefined && names.envs.includes(env)) slots.envs.push({ ...slot, env });
    else if (names.services.includes(w)) slots.services.push({ ...slot, service: w });
    else if (opts.groups && names.groups.includes(w)) slots.groups.push({ ...slot, group: w });
    else if (opts.versions && (/^v?\d/.test(w) || slot.prep === 'version')) slots.versions.push(slot);
    else if (filler.has(w)) {
      slots.words.add(w);
      if (w === 'version') prep = 'version';
    } else slots.unknown.push(slot);
  }
  return slots;
}

/**
 * The refusal of the first word that could not be placed: a second command, a word that is neither a
 * known environment nor a known service (with the valid ones), or a word that is not a name at all.
 */
export function unknownWord(slots: Slots, names: Names, line: string): Parsed | undefined {
  const first = slots.unknown[0];
  if (!first) return undefined;
  const w = first.token.low;
  const envs = `Environments: ${names.envs.join(', ')}.`;
  const services = `Services: ${names.services.join(', ')}.`;
  if (VERBS.has(w)) return { text: `One command at a time: "${line}" holds a second one ("${w}").` };
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(w)) {
    return { text: `I do not understand "${first.token.raw}" in "${line}"; nothing was done.` };
  }
  const envSlot = first.prep === 'to' || first.prep === 'into' || first.prep === 'from';
  if (envSlot || (slots.envs.length === 0 && first.prep !== undefined)) {
    return { text: `There is no environment "${w}". ${envs}` };
  }
  if (slots.envs.length > 0) return { text: `There is no service "${w}". ${services}` };
  return { text: `There is no environment or service "${w}". ${envs} ${services}` };
}

/** The refusal of a version that is not a clean image tag; undefined when it is one. */
export function badVersion(raw: string): Parsed | undefined {
  if (IMAGE_TAG.test(raw)) return undefined;
  return {
    text: `"${raw}" is not a valid version: an image tag is letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"). Nothing was done.`,
  };
}

/** The one environment, service or version a command names, or the refusal of two of them. */
export function one<T extends Slot>(
  found: readonly T[],
  what: 'environment' | 'service' | 'version' | 'group',
): { value: T | undefined } | { text: string } {
  if (found.length > 1) {
    const named = found.map((f) => `"${f.token.low}"`).join(' and ');
    return { text: `One ${what} at a time: the request names ${named}.` };
  }
  return { value: found[0] };
}

/** `{ service }` when one is named, `{}` when none (the tool's default), or the refusal of several. */
export function serviceOf(slots: Slots): { value: { service?: string } } | { text: string } {
  const s = one(slots.services, 'service');
  if ('text' in s) return s;
  return { value: s.value ? { service: s.value.service } : {} };
}

export function usage(form: string, example: string): Parsed {
  return { text: `Say it as "${form}", for example "${example}".` };
}

export function whichEnv(names: Names, verb: string): Parsed {
  const last = names.envs[names.envs.length - 1] ?? 'prd';
  return { text: `Which environment? One of ${names.envs.join(', ')}; e.g. "${verb} ${last}".` };
}
