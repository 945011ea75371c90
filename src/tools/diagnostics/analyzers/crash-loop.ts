import type { PodSummary } from '../../../platform/kube-types.js';
import {
  capped,
  colourLabel,
  COLOURS,
  errorLines,
  impact,
  kubectl,
  livePods,
  logOf,
  mainContainer,
  plural,
} from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

/** A container that keeps exiting and being restarted, for a reason other than memory (see oom-killed). */
export function isCrashLooping(pod: PodSummary, container: string): boolean {
  const c = mainContainer(pod, container);
  if (!c || c.lastTermination?.reason === 'OOMKilled' || c.reason === 'OOMKilled') return false;
  if (c.reason === 'CrashLoopBackOff') return true;
  // Between two back-offs the container runs again: a failed last instance still tells.
  const failed = c.lastTermination !== undefined && c.lastTermination.exitCode !== 0;
  return failed && (!c.ready || c.restartCount >= 3);
}

/** CrashLoopBackOff: the last termination's reason and exit code, the restarts, and the crash's log. */
export const crashLoopAnalyzer: Analyzer = {
  name: 'crash-loop',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c)
        .filter((p) => isCrashLooping(p, facts.container))
        .sort((a, b) => b.restarts - a.restarts);
      const worst = pods[0];
      if (!worst) continue;
      const container = mainContainer(worst, facts.container)!;
      const last = container.lastTermination;
      const exit = last
        ? `exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`
        : 'no exit code recorded';
      const sample = pods.map((p) => p.name).find((name) => logOf(facts, name));
      const log = sample ? logOf(facts, sample) : undefined;
      const quoted = log?.text ? errorLines(log.text) : undefined;
      findings.push({
        analyzer: 'crash-loop',
        severity: impact(c),
        colour,
        finding: `${plural(pods.length, 'pod')} of ${colourLabel(c)} ${pods.length === 1 ? 'is' : 'are'} crash-looping: container ${container.name} ends with ${exit}.`,
        evidence: capped(
          pods.map((p) => {
            const k = mainContainer(p, facts.container)!;
            const l = k.lastTermination;
            return `${p.name}: ${k.reason ?? k.state}, ${plural(k.restartCount, 'restart')}${l ? `, last exit ${l.exitCode}${l.reason ? ` ${l.reason}` : ''}${l.finishedAt ? ` at ${l.finishedAt}` : ''}` : ''}`;
          }),
        ),
        ...(quoted && quoted.lines.length > 0 && log
          ? { quoted: { source: `log of ${log.pod}, previous instance`, lines: quoted.lines } }
          : {}),
        next: nextStep(
          facts,
          c,
          `Read why the previous instance of ${worst.name} ended.`,
          kubectl.logs(facts.namespace, worst.name, container.name, true),
        ),
      });
    }
    return findings;
  },
};
