import { envAlias, normalise } from './offline-words.js';

/** The words that control a running rollout, and the tool each one calls. */
export const CONTROL_VERBS: Readonly<Record<string, string>> = {
  abort: 'abort_rollout',
  stop: 'abort_rollout',
  cancel: 'abort_rollout',
  pause: 'pause_rollout',
  resume: 'resume_rollout',
};

/** The tools whose input takes a `reason`. */
const WITH_REASON = new Set(['abort_rollout', 'pause_rollout']);

/** Words that say nothing about which rollout: "stop the current deployment in prd". */
const FILLER = new Set(
  'the a an this that current currently running ongoing active rollout rollouts deploy deploys deployment deployments release releases it now right away immediately service env environment in on of for to from at'.split(
    ' ',
  ),
);

/** Where the reason starts: "because", a dash between spaces, or a colon. */
const REASON = /,?\s+because(?:\s+|$)|\s+[-–—]+\s+|:\s+/i;

export interface ControlWords {
  /** The configured environments, in promotion order. */
  envs: readonly string[];
  /** Every configured service. */
  services: readonly string[];
}

export type ControlParsed = { call: { name: string; input: Record<string, unknown> } } | { text: string };

/**
 * "abort prd", "stop the deploy of checkout in tst because p99 is spiking", "pause dev", "resume prd":
 * the call of abort_rollout, pause_rollout or resume_rollout, or the question or refusal to answer with.
 * Undefined when `text` does not start with one of {@link CONTROL_VERBS}. Never guesses: without an
 * environment it asks which rollout, and a word that is neither a known environment nor a known service
 * is refused with the valid names.
 */
export function parseControl(text: string, words: ControlWords): ControlParsed | undefined {
  const { command, reason } = splitReason(text);
  const line = normalise(command);
  const verb = line.split(' ')[0] ?? '';
  const tool = Object.hasOwn(CONTROL_VERBS, verb) ? CONTROL_VERBS[verb] : undefined;
  if (!tool) return undefined;
  const envs = new Set<string>();
  const services = new Set<string>();
  const unknown: string[] = [];
  for (const word of line.split(' ').slice(1)) {
    const env = words.envs.includes(word) ? word : envAlias(word);
    if (env !== undefined && words.envs.includes(env)) envs.add(env);
    else if (words.services.includes(word)) services.add(word);
    else if (!FILLER.has(word)) unknown.push(word);
  }
  const odd = unknown.find((w) => !/^[a-z0-9][a-z0-9._-]*$/.test(w));
  if (odd !== undefined) return { text: `I do not understand "${odd}" in "${line}"; nothing was done.` };
  const example = words.envs[words.envs.length - 1] ?? 'prd';
  const ask = `Which rollout? Say "${verb} <env> [service]", e.g. "${verb} ${example}". Environments: ${words.envs.join(', ')}.`;
  if (envs.size > 1) return { text: `One rollout at a time. ${ask}` };
  const env = [...envs][0];
  if (env === undefined) {
    if (unknown.length > 0) {
      return { text: `There is no environment "${unknown[0]}". Environments: ${words.envs.join(', ')}.` };
    }
    return { text: ask };
  }
  const version = unknown.find((w) => /^v?\d+(?:\.\d+)+/.test(w));
  if (version !== undefined) {
    return {
      text: `"${verb}" acts on the rollout running in ${env}, whatever its version; say "${verb} ${env} [service]".`,
    };
  }
  if (unknown.length > 0) {
    return { text: `There is no service "${unknown[0]}". Services: ${words.services.join(', ')}.` };
  }
  if (services.size > 1) {
    return { text: `One service at a time: say "${verb} <service> in ${env}".` };
  }
  const service = [...services][0];
  return {
    call: {
      name: tool,
      input: {
        env,
        ...(service ? { service } : {}),
        ...(reason && WITH_REASON.has(tool) ? { reason } : {}),
      },
    },
  };
}

/**
 * The command and the reason given after it, as typed (case kept): "abort prd because p99 is spiking",
 * "abort prd - p99 is spiking", "abort prd: p99 is spiking". Only what follows the verb is searched, so a
 * mention or a "jarvis:" before it is not taken for a reason.
 */
export function splitReason(text: string): { command: string; reason: string | undefined } {
  const clean = text.replace(/<@[A-Z0-9]+>:?/g, ' ');
  const verb = new RegExp(`\\b(?:${Object.keys(CONTROL_VERBS).join('|')})\\b`, 'i').exec(clean);
  const from = verb ? verb.index + verb[0].length : 0;
  const m = REASON.exec(clean.slice(from));
  if (!m) return { command: clean, reason: undefined };
  const reason = clean
    .slice(from + m.index + m[0].length)
    .trim()
    .replace(/[.!]+$/, '')
    .trim();
  return { command: clean.slice(0, from + m.index), reason: reason === '' ? undefined : reason };
}
