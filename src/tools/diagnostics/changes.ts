import type { Colour, Weights } from '../../platform/types.js';
import type { Store } from '../../store/store.js';
import { COLOURS } from './helpers.js';
import type { Facts } from './types.js';

/** "What changed": the first thing an on-call engineer asks. */
export interface Changes {
  weights: Weights | null;
  colours: Record<Colour, { role: string; weight: number; version: string | null; ready: string }>;
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

/** The recent deployments of the service, the rollout running now, and the current split of traffic. */
export async function changesOf(store: Store, facts: Facts): Promise<Changes> {
  const [recent, running] = await Promise.all([
    store.listDeployments({ env: facts.env, service: facts.service, limit: RECENT }),
    store.runningDeployments(),
  ]);
  const live = running.find((d) => d.env === facts.env && d.service === facts.service);
  const colour = (c: Colour): Changes['colours'][Colour] => {
    const f = facts.colours[c];
    const d = f.deployment;
    return {
      role: f.role,
      weight: f.weight,
      version: d?.version ?? null,
      ready: d ? `${d.readyReplicas}/${d.replicas}` : 'unknown',
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
