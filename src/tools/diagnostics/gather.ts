import { serviceOf, type LoadedConfig } from '../../config.js';
import { messageOf } from '../../errors.js';
import type { EventSummary } from '../../platform/kube-types.js';
import type { MetricsProvider } from '../../platform/metrics/provider.js';
import type { Colour, ServiceRoute, Weights } from '../../platform/types.js';
import type { PlatformReader } from '../../rollout/ports.js';
import type { RolloutService } from '../../rollout/service.js';
import type { Store } from '../../store/store.js';
import { serviceFor } from '../tool.js';
import { baselineFor, verifiedBaseline } from './baseline.js';
import { Deadline, DeadlinePassed } from './deadline.js';
import { COLOURS } from './helpers.js';
import { sampleLogs } from './sample-logs.js';
import { reasonOf, sourceOf, type SourceName, type Unreadable } from './sources.js';
import type { ColourFacts, Facts, History } from './types.js';

/** Pods listed per page, and at most per colour: a namespace of thousands stays a few requests. */
const POD_PAGE = 500;
const MAX_PODS = 10_000;
/** Warning events read from the namespace (most recent first after sorting). */
const EVENT_PAGE = 500;
const MAX_EVENTS = 2_000;
/** Deployments of the service read from the store, newest first. */
const RECENT_DEPLOYMENTS = 10;
/** The metrics window both colours are compared over. */
export const WINDOW_SECONDS = 120;
/**
 * Real milliseconds the reads of one diagnosis share, per kind of source: a throttled ELBv2 (whose SDK
 * would retry for 8-13 s) cannot stretch the answer past 2.5 s. Kubernetes gets longer, since listing
 * thousands of pods legitimately takes a few seconds, and its adapter bounds its own retries.
 */
export const GATHER_BUDGET_MS = 2_500;
export const KUBE_BUDGET_MS = 10_000;

export interface GatherDeps {
  config: LoadedConfig;
  rollouts: RolloutService;
  metrics: MetricsProvider;
  store: Store;
  now: number;
  /** Overrides GATHER_BUDGET_MS. */
  budgetMs?: number;
  /** Overrides KUBE_BUDGET_MS. */
  kubeBudgetMs?: number;
}

type Attempt = <T>(source: SourceName, what: string, fn: () => Promise<T>) => Promise<T | undefined>;

/**
 * Reads everything the analyzers need about one service, concurrently and read-only: weights, both
 * colours' Deployments, pods (paged, by the Deployments' selectors), target health and figures, the
 * namespace's warning events (by field selector), the logs of a few of the worst pods, and the service's
 * releases from the store. Every read shares one time budget. A source that fails or does not answer in
 * time becomes a gap in the facts (by source and reason), never an exception.
 */
export async function gatherFacts(deps: GatherDeps, env: string, service: string): Promise<Facts> {
  const route = deps.rollouts.route(env, service);
  const reader = deps.rollouts.reader(env);
  const gaps: string[] = [];
  const unreadable: Unreadable[] = [];
  const deadline = new Deadline(deps.budgetMs ?? GATHER_BUDGET_MS);
  const kubeDeadline = new Deadline(deps.kubeBudgetMs ?? KUBE_BUDGET_MS);
  const attempt: Attempt = async (source, what, fn) => {
    try {
      return await (source === 'Kubernetes API' ? kubeDeadline : deadline).bound(fn());
    } catch (err) {
      const from = err instanceof DeadlinePassed ? source : sourceOf(err, source);
      gaps.push(`${what}: ${messageOf(err)}`);
      unreadable.push({ source: from, what, reason: reasonOf(err) });
      return undefined;
    }
  };
  try {
    const listNodes = reader.nodes?.bind(reader);
    const listScaling = reader.scalingPolicies?.bind(reader);
    const [weights, blue, green, events, history, nodes, scaling] = await Promise.all([
      attempt('ELBv2 API', 'ALB weights', () => reader.readWeights(route)),
      gatherColour(deps, route, 'blue', reader, attempt),
      gatherColour(deps, route, 'green', reader, attempt),
      attempt('Kubernetes API', 'warning events', () =>
        reader.events(route.namespace, { type: 'Warning', pageSize: EVENT_PAGE, max: MAX_EVENTS }),
      ),
      historyOf(deps.store, env, service, attempt),
      listNodes ? attempt('Kubernetes API', 'nodes', listNodes) : undefined,
      listScaling
        ? attempt('Kubernetes API', 'autoscalers and disruption budgets', () => listScaling(route.namespace))
        : undefined,
    ]);
    const colours: Record<Colour, ColourFacts> = { blue, green };
    for (const c of COLOURS) applyTraffic(colours[c], weights, history.release?.live.colour);
    const facts: Facts = {
      env,
      service,
      defaultService: isDefault(deps.config, env, service),
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
      unreadable,
      history,
      nodes,
      scaling,
    };
    // The baseline is an extra comparison: not worth a read once a slow source has spent the budget.
    const baseline = deadline.passed ? undefined : baselineFor(facts);
    const [logs, figures] = await Promise.all([
      sampleLogs(facts, reader, (call) => kubeDeadline.bound(call)),
      baseline
        ? attempt('metrics', `baseline metrics of ${baseline.label}`, () =>
            deps.metrics.window({
              env,
              service,
              colour: baseline.colour,
              targetGroupArn: route.targetGroups[baseline.colour],
              windowSeconds: WINDOW_SECONDS,
              endsAt: baseline.endsAt,
            }),
          )
        : undefined,
    ]);
    facts.logs = logs;
    if (baseline) facts.baseline = { ...baseline, figures };
    // No usable past window from the metrics source: the figures its release was verified with.
    const usable = (facts.baseline?.figures?.requests ?? 0) >= Math.max(1, facts.analysis.minRequests);
    if (!usable) facts.baseline = verifiedBaseline(facts) ?? facts.baseline;
    return facts;
  } finally {
    deadline.done();
    kubeDeadline.done();
  }
}

function isDefault(config: LoadedConfig, env: string, service: string): boolean {
  try {
    return serviceFor(config, env, undefined) === service;
  } catch {
    return false;
  }
}

async function historyOf(store: Store, env: string, service: string, attempt: Attempt): Promise<History> {
  const [recent, release, verdicts] = await Promise.all([
    attempt('store', 'recorded deployments', () =>
      store.listDeployments({ env, service, limit: RECENT_DEPLOYMENTS }),
    ),
    attempt('store', 'release state', () => store.getReleaseState(env, service)),
    attempt('store', 'version verdicts', () => store.versionVerdicts(env, service)),
  ]);
  const newest = recent?.[0];
  const journal = newest
    ? await attempt('store', `journal of deployment #${newest.id}`, () => store.journal(newest.id))
    : [];
  return {
    recent,
    running: recent?.find((d) => d.status === 'RUNNING'),
    release: release ?? undefined,
    verdicts: verdicts ?? [],
    journal: journal ?? [],
  };
}

async function gatherColour(
  deps: GatherDeps,
  route: ServiceRoute,
  colour: Colour,
  reader: PlatformReader,
  attempt: Attempt,
): Promise<ColourFacts> {
  const name = route.deployments[colour];
  const arn = route.targetGroups[colour];
  // The pods are listed as soon as the Deployment's selector is known, whatever ELBv2 is doing.
  const withPods = async () => {
    const deployment = await attempt('Kubernetes API', `Deployment ${name}`, () =>
      reader.getDeployment(route.namespace, name, route.container),
    );
    const listed = deployment?.selector
      ? await attempt('Kubernetes API', `pods of ${name}`, () =>
          reader.listPods(route.namespace, deployment.selector, { pageSize: POD_PAGE, max: MAX_PODS }),
        )
      : undefined;
    return { deployment, listed };
  };
  const [{ deployment, listed }, targets, figures] = await Promise.all([
    withPods(),
    attempt('ELBv2 API', `target health of ${colour}`, () => reader.targetHealth(arn)),
    attempt('metrics', `metrics of ${colour} (${deps.metrics.name})`, () =>
      deps.metrics.window({
        env: route.env,
        service: route.service,
        colour,
        targetGroupArn: arn,
        windowSeconds: WINDOW_SECONDS,
      }),
    ),
  ]);
  return {
    colour,
    weight: undefined,
    role: 'unknown',
    servesTraffic: undefined,
    targetGroupArn: arn,
    deploymentName: name,
    deployment,
    pods: listed?.pods ?? [],
    podsListed: listed !== undefined,
    podsTruncated: listed?.truncated ?? false,
    targets,
    figures,
  };
}

/**
 * Weight, role and whether users reach the colour. Unreadable weights stay unknown: the requests the
 * metrics counted then tell whether it serves traffic, else the live colour recorded by the last release.
 */
function applyTraffic(c: ColourFacts, weights: Weights | undefined, recordedLive: Colour | undefined): void {
  if (weights) {
    c.weight = weights[c.colour];
    // In a split, the colour with the larger share is the stable one the canary is measured against.
    const other = weights[c.colour === 'blue' ? 'green' : 'blue'];
    c.role = c.weight === 0 ? 'standby' : c.weight > other ? 'stable' : 'canary';
    c.servesTraffic = c.weight > 0;
    return;
  }
  c.weight = undefined;
  c.role = 'unknown';
  if (c.figures) c.servesTraffic = c.figures.requests > 0;
  else if (recordedLive) c.servesTraffic = recordedLive === c.colour;
  else c.servesTraffic = undefined;
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
