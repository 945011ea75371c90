import type { Colour, Weights } from '../../platform/types.js';
import { COLOURS, livePods, mainContainer } from './helpers.js';
import type { ColourFacts, Facts } from './types.js';

/** "What changed": the first thing an on-call engineer asks. */
export interface Changes {
  weights: Weights | null;
  colours: Record<Colour, { role: string; weight: number | null; version: string | null; ready: string }>;
  /** The colour kept for an instant rollback (weight 0), when there is one. */
  standby: Colour | null;
  rolloutInProgress: {
    deploymentId: number;
    version: string;
    colour: Colour;
    actor: string;
    startedAt: string;
  } | null;
  lastDeployments: Array<{
    id: number;
    version: string;
    colour: Colour;
    strategy: string;
    status: string;
    actor: string;
    startedAt: string;
    reason: string | null;
  }>;
}

const RECENT = 3;

/**
 * `3/3 ready`, or `0/3 ready on 1.3.1, 3 pods of an older version ready` when the ready pods run
 * another image than the Deployment's (its rollout is stuck): counted from the pods when they were
 * listed, else from the Deployment's status; `unknown` when neither could be read.
 */
function readyOf(f: ColourFacts, container: string): string {
  const d = f.deployment;
  if (!d) return 'unknown';
  if (!f.podsListed) return `${d.readyReplicas}/${d.replicas} ready`;
  const ready = livePods(f).filter((p) => p.ready);
  const current = ready.filter((p) => mainContainer(p, container)?.image === d.image).length;
  const old = ready.length - current;
  return old === 0
    ? `${current}/${d.replicas} ready`
    : `${current}/${d.replicas} ready on ${d.version ?? d.image}, ${old} pod${old === 1 ? '' : 's'} of an older version ready`;
}

/** The recent deployments of the service, the rollout running now, and the current split of traffic. */
export function changesOf(facts: Facts): Changes {
  const recent = (facts.history.recent ?? []).slice(0, RECENT);
  const live = facts.history.running;
  const colour = (c: Colour): Changes['colours'][Colour] => {
    const f = facts.colours[c];
    const d = f.deployment;
    return {
      role: f.role,
      weight: f.weight ?? null,
      version: d?.version ?? null,
      ready: readyOf(f, facts.container),
    };
  };
  return {
    weights: facts.weights ?? null,
    colours: { blue: colour('blue'), green: colour('green') },
    standby: facts.weights ? (COLOURS.find((c) => facts.colours[c].weight === 0) ?? null) : null,
    rolloutInProgress: live
      ? {
          deploymentId: live.id,
          version: live.version,
          colour: live.colour,
          actor: live.actor,
          startedAt: new Date(live.startedAt).toISOString(),
        }
      : null,
    lastDeployments: recent.map((d) => ({
      id: d.id,
      version: d.version,
      colour: d.colour,
      strategy: d.strategy,
      status: d.status,
      actor: d.actor,
      startedAt: new Date(d.startedAt).toISOString(),
      reason: d.reason ?? null,
    })),
  };
}
