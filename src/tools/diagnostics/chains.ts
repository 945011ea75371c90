import type { Finding } from './types.js';

/** Findings that are consequences of a pod-level cause on the same colour. */
const SYMPTOMS = new Set(['pods-not-ready', 'target-health', 'progress-deadline']);

/**
 * Ends every chain of findings in a cause. A symptom (pods not ready, unhealthy targets, a stalled
 * rollout) of a colour on which a cause was found (a crash, a missing image, no room to schedule...) gets
 * that cause's next step, named, instead of a pointer to "the other findings". Unhealthy targets with
 * no cause but not-ready pods get the not-ready pods' step. Returns new findings; the input is untouched.
 */
export function endChainsInCauses(findings: readonly Finding[]): Finding[] {
  const causeOf = (f: Finding): Finding | undefined =>
    findings.find(
      (c) =>
        c.colour === f.colour &&
        !SYMPTOMS.has(c.analyzer) &&
        c.analyzer !== 'log-errors' &&
        c.analyzer !== 'colour-metrics' &&
        c.analyzer !== 'rollback-target',
    ) ??
    (f.analyzer === 'target-health'
      ? findings.find((c) => c.colour === f.colour && c.analyzer === 'pods-not-ready')
      : undefined);
  return findings.map((f) => {
    if (!SYMPTOMS.has(f.analyzer)) return f;
    // Targets unhealthy behind Ready pods: the health check itself is the cause.
    if (f.next.command.startsWith('aws elbv2 describe-target-groups')) return f;
    const cause = causeOf(f);
    if (!cause) return f;
    return {
      ...f,
      next: {
        ...cause.next,
        step: `Caused by: ${cause.finding} ${cause.next.step}`,
      },
    };
  });
}
