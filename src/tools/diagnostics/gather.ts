import { serviceOf, type LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import type { EventSummary, PodSummary } from '../../platform/kube-types.js';
import type { MetricsProvider } from '../../platform/metrics/provider.js';
import type { Colour, ServiceRoute, Weights } from '../../platform/types.js';
import type { PlatformReader } from '../../rollout/ports.js';
import type { RolloutService } from '../../rollout/service.js';
import { isCrashLooping } from './analyzers/crash-loop.js';
import { isOomKilled } from './analyzers/oom-killed.js';
import { COLOURS, mainContainer } from './helpers.js';
import type { ColourFacts, Facts, LogSample } from './types.js';

/** Pods listed per page, and at most per colour: a namespace of thousands stays a few requests. */
const POD_PAGE = 500;
const MAX_PODS = 10_000;
/** Warning events read from the namespace (most recent first after sorting). */
const EVENT_PAGE = 500;
const MAX_EVENTS = 2_000;
/** Logs of a few of the worst pods, never of all of them. */
const MAX_LOG_SAMPLES = 3;
const LOG_LINES = 100;
const LOG_BYTES = 16 * 1024;
/** The metrics window both colours are compared over. */
export const WINDOW_SECONDS = 120;

export interface GatherDeps {
  config: LoadedConfig;
  rollouts: RolloutService;
  metrics: MetricsProvider;
  now: number;
}

/**
 * Reads everything the analyzers need about one service, concurrently and read-only: weights, both
 * colours' Deployments, pods (paged, by the Deployments' selectors), target health and figures, the
 * namespace's warning events (by field selector), and the logs of a few of the worst pods. A source
 * that fails becomes a gap in the facts, never an exception: a diagnosis with partial data still helps.
 */
export async function gatherFacts(deps: GatherDeps, env: string, service: string): Promise<Facts> {
  const route = deps.rollouts.route(env, service);
  const reader = deps.rollouts.reader(env);
  const gaps: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      gaps.push(`${what}: ${messageOf(err)}`);
      return undefined;
    }
  };
  const [weights, blue, green, events] = await Promise.all([
    attempt('ALB weights', () => reader.readWeights(route)),
    gatherColour(deps, route, 'blue', reader, attempt),
    gatherColour(deps, route, 'green', reader, attempt),
    attempt('warning events', () =>
      reader.events(route.namespace, { type: 'Warning', pageSize: EVENT_PAGE, max: MAX_EVENTS }),
    ),
  ]);
  const colours: Record<Colour, ColourFacts> = { blue, green };
  for (const c of COLOURS) applyWeights(colours[c], weights);
  const facts: Facts = {
    env,
    service,
    namespace: route.namespace,
    container: route.container,
    now: deps.now,
    weights,
    colours,
    events: relevantEvents(events?.events ?? [], colours),
    eventsTruncated: events?.truncated ?? false,
    logs: [],
    analysis: serviceOf(deps.config, env, service).analysis,
    windowSeconds: WINDOW_SECONDS,
    gaps,
  };
  facts.logs = await sampleLogs(facts, reader);
  return facts;
}

type Attempt = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

async function gatherColour(
  deps: GatherDeps,
  route: ServiceRoute,
  colour: Colour,
  reader: PlatformReader,
  attempt: Attempt,
): Promise<ColourFacts> {
  const name = route.deployments[colour];
  const arn = route.targetGroups[colour];
  const [deployment, targets, figures] = await Promise.all([
    attempt(`Deployment ${name}`, () => reader.getDeployment(route.namespace, name, route.container)),
    attempt(`target health of ${colour}`, () => reader.targetHealth(arn)),
    attempt(`metrics of ${colour} (${deps.metrics.name})`, () =>
      deps.metrics.window({
        env: route.env,
        service: route.service,
        colour,
        targetGroupArn: arn,
        windowSeconds: WINDOW_SECONDS,
      }),
    ),
  ]);
  const listed = deployment?.selector
    ? await attempt(`pods of ${name}`, () =>
        reader.listPods(route.namespace, deployment.selector, { pageSize: POD_PAGE, max: MAX_PODS }),
      )
    : undefined;
  return {
    colour,
    weight: 0,
    role: 'standby',
    targetGroupArn: arn,
    deploymentName: name,
    deployment,
    pods: listed?.pods ?? [],
    podsTruncated: listed?.truncated ?? false,
    targets,
    figures,
  };
}

function applyWeights(c: ColourFacts, weights: Weights | undefined): void {
  c.weight = weights?.[c.colour] ?? 0;
  c.role = c.weight >= 100 ? 'stable' : c.weight === 0 ? 'standby' : 'canary';
}

/** The events about either colour's pods, ReplicaSets and Deployment; the rest of the namespace is noise. */
function relevantEvents(
  events: readonly EventSummary[],
  colours: Record<Colour, ColourFacts>,
): EventSummary[] {
  const prefixes = COLOURS.map((c) => colours[c].deploymentName);
  const pods = new Set(COLOURS.flatMap((c) => colours[c].pods.map((p) => p.name)));
  return events.filter((e) => {
    const name = e.involvedObject.name;
    return pods.has(name) || prefixes.some((p) => name === p || name.startsWith(`${p}-`));
  });
}

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
    if (c.weight > 0 && (c.figures?.errorRate ?? 0) > limit)
      kinds.push([3, false, live.find((p) => p.ready)]);
    for (const [rank, previous, pod] of kinds) if (pod) picks.push({ pod, colour, previous, rank });
  }
  picks.sort((a, b) => a.rank - b.rank);
  const seen = new Set<string>();
  return picks.filter((p) => !seen.has(p.pod.name) && seen.add(p.pod.name)).slice(0, MAX_LOG_SAMPLES);
}

async function sampleLogs(facts: Facts, reader: PlatformReader): Promise<LogSample[]> {
  return Promise.all(
    pickSamples(facts).map(async ({ pod, colour, previous }): Promise<LogSample> => {
      const container = mainContainer(pod, facts.container)?.name ?? facts.container;
      const base = { pod: pod.name, colour, container, previous };
      try {
        const text = await reader.podLogs(facts.namespace, pod.name, {
          container,
          tailLines: LOG_LINES,
          limitBytes: LOG_BYTES,
          previous,
        });
        return { ...base, text };
      } catch (err) {
        return { ...base, error: messageOf(err) };
      }
    }),
  );
}
