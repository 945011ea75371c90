import { messageOf } from '../../errors.js';
import type { PodSummary } from '../../platform/kube-types.js';
import type { Colour } from '../../platform/types.js';
import type { PlatformReader } from '../../rollout/ports.js';
import { isCrashLooping } from './analyzers/crash-loop.js';
import { isOomKilled } from './analyzers/oom-killed.js';
import { COLOURS, mainContainer } from './helpers.js';
import type { Facts, LogSample } from './types.js';

/** Logs of a few of the worst pods, never of all of them. */
const MAX_LOG_SAMPLES = 3;
const LOG_LINES = 100;
const LOG_BYTES = 16 * 1024;

/**
 * The pods whose logs say most: crash-looping and OOM-killed ones (their previous instance), then
 * running pods that are not ready, then one ready pod of each colour taking traffic with too many errors.
 * At most MAX_LOG_SAMPLES, one per colour and kind first so that both colours get a voice.
 */
function pickSamples(facts: Facts): Array<{ pod: PodSummary; colour: Colour; previous: boolean }> {
  const picks: Array<{ pod: PodSummary; colour: Colour; previous: boolean; rank: number }> = [];
  for (const colour of COLOURS) {
    const c = facts.colours[colour];
    const live = c.pods.filter((p) => !p.terminating && p.node !== undefined);
    const kinds: Array<[number, boolean, PodSummary | undefined]> = [
      [0, true, live.find((p) => isCrashLooping(p, facts.container))],
      [1, true, live.find((p) => isOomKilled(p, facts.container))],
      [
        2,
        false,
        live.find(
          (p) => !p.ready && p.phase === 'Running' && mainContainer(p, facts.container)?.state === 'running',
        ),
      ],
    ];
    const limit = facts.analysis.maxErrorRate;
    if (c.servesTraffic !== false && (c.figures?.errorRate ?? 0) > limit)
      kinds.push([3, false, live.find((p) => p.ready)]);
    for (const [rank, previous, pod] of kinds) if (pod) picks.push({ pod, colour, previous, rank });
  }
  picks.sort((a, b) => a.rank - b.rank);
  const seen = new Set<string>();
  return picks.filter((p) => !seen.has(p.pod.name) && seen.add(p.pod.name)).slice(0, MAX_LOG_SAMPLES);
}

/**
 * The bounded tails of the picked pods' logs; a log that cannot be read is kept with its error. Each
 * read goes through `bounded`, which gives up on it when the diagnosis's time budget is spent.
 */
export async function sampleLogs(
  facts: Facts,
  reader: PlatformReader,
  bounded: <T>(call: Promise<T>) => Promise<T>,
): Promise<LogSample[]> {
  return Promise.all(
    pickSamples(facts).map(async ({ pod, colour, previous }): Promise<LogSample> => {
      const container = mainContainer(pod, facts.container)?.name ?? facts.container;
      const base = { pod: pod.name, colour, container, previous };
      try {
        const text = await bounded(
          reader.podLogs(facts.namespace, pod.name, {
            container,
            tailLines: LOG_LINES,
            limitBytes: LOG_BYTES,
            previous,
          }),
        );
        return { ...base, text };
      } catch (err) {
        return { ...base, error: messageOf(err) };
      }
    }),
  );
}
