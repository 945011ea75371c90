import type { AnalysisSettings } from '../config.js';
import type { ColourFigures } from '../platform/metrics/provider.js';
import { percent, type Verdict } from './events.js';

/**
 * The verdict on one window. Fails when the new colour's error rate is over the threshold, or its p99 is
 * over `maxLatencyRatio` times the baseline; gives no verdict ("insufficient") below the minimum request
 * count, so that a quiet window holds the rollout instead of passing it.
 *
 * @param baselineP99Ms used when the stable colour served too little in this window to compare with
 *   (at 100% it serves nothing): the stable colour's p99 measured last, before the shift.
 */
export function judge(
  fresh: ColourFigures,
  stable: ColourFigures | undefined,
  baselineP99Ms: number | undefined,
  settings: AnalysisSettings,
): Verdict {
  const stableP99 = stable && stable.requests >= settings.minRequests ? stable.p99Ms : undefined;
  const baseline = stableP99 ?? baselineP99Ms;
  const base = { newColour: fresh, stableColour: stable, baselineP99Ms: baseline };
  if (fresh.requests < settings.minRequests) {
    return {
      ...base,
      outcome: 'insufficient',
      reasons: [`${fresh.requests} requests, fewer than the ${settings.minRequests} needed for a verdict`],
    };
  }
  const reasons: string[] = [];
  if (fresh.errorRate > settings.maxErrorRate) {
    reasons.push(
      `error rate ${percent(fresh.errorRate)} over the ${percent(settings.maxErrorRate)} threshold`,
    );
  }
  if (
    baseline !== undefined &&
    fresh.p99Ms !== undefined &&
    fresh.p99Ms > baseline * settings.maxLatencyRatio
  ) {
    reasons.push(
      `p99 ${Math.round(fresh.p99Ms)}ms over ${settings.maxLatencyRatio}x the stable colour's ${Math.round(baseline)}ms`,
    );
  }
  return { ...base, outcome: reasons.length > 0 ? 'fail' : 'pass', reasons };
}
