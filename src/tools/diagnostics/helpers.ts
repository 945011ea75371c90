import type { ContainerSummary, EventSummary, PodSummary } from '../../platform/kube-types.js';
import type { Colour } from '../../platform/types.js';
import type { ColourFacts, Facts, LogSample, Severity } from './types.js';

/** Most evidence lines and quoted lines one finding carries; the rest is counted, not listed. */
export const MAX_EVIDENCE = 4;
export const MAX_QUOTED = 5;
/** Longest quoted line; logs can hold megabyte-long lines. */
export const MAX_LINE = 240;

export const COLOURS: readonly Colour[] = ['blue', 'green'];

/**
 * critical when the colour takes traffic (people are hit now), warning when it does not. A colour whose
 * traffic is unknown counts as taking it: a blind diagnosis must not play a failure down.
 */
export function impact(c: ColourFacts): Severity {
  return c.servesTraffic === false ? 'warning' : 'critical';
}

/**
 * Severity of a regression by a factor `excess` (how many times over its limit) on a colour: critical on
 * a colour taking most traffic, or far over the limit on a canary (a 10 % canary with 7× the p99 hurts
 * one user in ten badly); warning for a slight excess on a small share, and on the standby.
 */
export function regressionSeverity(c: ColourFacts, excess: number): Severity {
  if (c.servesTraffic === false) return 'warning';
  if (c.weight === undefined || c.weight >= 50) return 'critical';
  return excess >= 2 ? 'critical' : 'warning';
}

/** `checkout-green (1.3.1, standby)`: how a colour is named in findings. */
export function colourLabel(c: ColourFacts): string {
  const version = c.deployment?.version;
  const traffic =
    c.weight !== undefined && c.weight > 0 && c.weight < 100
      ? `${c.weight}% of traffic`
      : c.role !== 'unknown'
        ? c.role
        : c.servesTraffic === true
          ? 'weight unknown, serving traffic'
          : c.servesTraffic === false
            ? 'weight unknown, no traffic seen'
            : 'weight unknown';
  return `${c.deploymentName} (${version ? `${version}, ` : ''}${traffic})`;
}

/** Pods that exist for good (not being deleted). */
export function livePods(c: ColourFacts): PodSummary[] {
  return c.pods.filter((p) => !p.terminating);
}

/** The container a diagnosis is about: the configured one, else the first. */
export function mainContainer(pod: PodSummary, name: string): ContainerSummary | undefined {
  return pod.containers.find((c) => c.name === name) ?? pod.containers[0];
}

/** `n thing` / `n things`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Up to `max` lines, then one line saying how many were left out. */
export function capped(lines: readonly string[], max = MAX_EVIDENCE): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `… and ${lines.length - max} more`];
}

/** A line cut to MAX_LINE characters. */
export function clip(line: string, max = MAX_LINE): string {
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** The colour whose Deployment a pod or ReplicaSet name belongs to, by name prefix. */
export function colourOfObject(facts: Facts, name: string): Colour | undefined {
  for (const colour of COLOURS) {
    const dep = facts.colours[colour].deploymentName;
    if (name === dep || name.startsWith(`${dep}-`)) return colour;
  }
  return undefined;
}

/** Warning events of one colour's objects. */
export function eventsOf(facts: Facts, colour: Colour, reason?: string): EventSummary[] {
  return facts.events.filter(
    (e) =>
      (reason === undefined || e.reason === reason) &&
      colourOfObject(facts, e.involvedObject.name) === colour,
  );
}

/** The distinct messages of events, most frequent first, as quotable lines. */
export function eventLines(events: readonly EventSummary[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.message, (counts.get(e.message) ?? 0) + e.count);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_QUOTED)
    .map(([message, n]) => clip(n > 1 ? `${message} (×${n})` : message));
}

/** The sampled log of a pod, if one was read. */
export function logOf(facts: Facts, pod: string): LogSample | undefined {
  return facts.logs.find((l) => l.pod === pod && l.text !== undefined);
}

/** Lines that report an error: levels, panics, exceptions and stack-trace heads. */
export const ERROR_LINE =
  /\b(ERROR|FATAL|CRITICAL|SEVERE|PANIC|panic:|Traceback|Unhandled|Exception\b|[A-Z][a-zA-Z]+Error:)|\blevel=(error|fatal)\b|"level"\s*:\s*"(error|fatal)"/;

/** The error lines of a log text, clipped, at most `max`. */
export function errorLines(text: string, max = MAX_QUOTED): { lines: string[]; total: number } {
  const all = text.split('\n').filter((l) => ERROR_LINE.test(l));
  return { lines: all.slice(-max).map((l) => clip(l)), total: all.length };
}

/** kubectl commands that show more, exactly as people type them. */
export const kubectl = {
  describePod: (ns: string, pod: string): string => `kubectl -n ${ns} describe pod ${pod}`,
  logs: (ns: string, pod: string, container: string, previous: boolean): string =>
    `kubectl -n ${ns} logs ${pod} -c ${container}${previous ? ' --previous' : ''} --tail=100`,
  /** The colour's pods by its Deployment's selector; the Deployment itself when the selector is unknown. */
  pods: (ns: string, c: ColourFacts, extra = '-o wide'): string =>
    c.deployment?.selector
      ? `kubectl -n ${ns} get pods -l '${c.deployment.selector}' ${extra}`
      : `kubectl -n ${ns} describe deployment ${c.deploymentName}`,
  /** Error lines of the colour's pods; the Deployment's own pods by name when the selector is unknown. */
  errorLogs: (ns: string, c: ColourFacts): string =>
    `kubectl -n ${ns} logs ${c.deployment?.selector ? `-l '${c.deployment.selector}'` : `deployment/${c.deploymentName}`} --tail=200 --prefix | grep -iE 'error|exception|panic'`,
  podEvents: (ns: string, pod: string): string =>
    `kubectl -n ${ns} get events --field-selector involvedObject.name=${pod} --sort-by=.lastTimestamp`,
  describeDeployment: (ns: string, name: string): string => `kubectl -n ${ns} describe deployment ${name}`,
};

/** `a, b and c` for the first few names, `a, b, c and 47 more` beyond. */
export function names(list: readonly string[], max = 3): string {
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}
