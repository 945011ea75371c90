import type { Colour } from '../../platform/types.js';
import { COLOURS, plural } from './helpers.js';
import type { Facts } from './types.js';

/** `blue and green`, `blue only`: the colours for which something was read. */
function which(colours: readonly Colour[]): string {
  return colours.length === COLOURS.length ? 'both colours' : `${colours.join(', ')} only`;
}

/**
 * What the diagnosis actually read, in the words an SRE uses: the ALB weights, pods and their restarts,
 * targets, error rate and p99 per colour, warning events, sampled logs, the release history. A source
 * that failed is absent here (and named in `facts.unreadable`); one read for a single colour says so.
 */
export function checkedOf(facts: Facts): string[] {
  const out: string[] = [];
  const cs = COLOURS.map((c) => facts.colours[c]);
  if (facts.weights) out.push(`ALB weights (blue ${facts.weights.blue}, green ${facts.weights.green})`);
  const listed = cs.filter((c) => c.podsListed);
  if (listed.length > 0) {
    const pods = listed.reduce((n, c) => n + c.pods.length, 0);
    const restarts = listed.reduce((n, c) => n + c.pods.reduce((m, p) => m + p.restarts, 0), 0);
    out.push(
      `${plural(pods, 'pod')} and their restarts (${restarts}) of ${which(listed.map((c) => c.colour))}`,
    );
  }
  const targets = cs.filter((c) => c.targets !== undefined);
  if (targets.length > 0) {
    const all = targets.flatMap((c) => c.targets ?? []);
    const healthy = all.filter((t) => t.state === 'healthy').length;
    out.push(
      `${plural(all.length, 'ALB target')} (${healthy} healthy) of ${which(targets.map((c) => c.colour))}`,
    );
  }
  const figures = cs.filter((c) => c.figures !== undefined);
  if (figures.length > 0) {
    out.push(`error rate and p99 over ${facts.windowSeconds} s of ${which(figures.map((c) => c.colour))}`);
  }
  if (!facts.unreadable.some((u) => u.what === 'warning events')) {
    out.push(`${plural(facts.events.length, 'warning event')} of the service's objects`);
  }
  if (facts.nodes) out.push(`the conditions of ${plural(facts.nodes.length, 'node')}`);
  if (facts.scaling) {
    out.push(
      `${plural(facts.scaling.hpas.length, 'autoscaler')} and ${plural(facts.scaling.pdbs.length, 'disruption budget')}`,
    );
  }
  const logs = facts.logs.filter((l) => l.text !== undefined).length;
  if (logs > 0) out.push(plural(logs, 'log sampled', 'logs sampled'));
  if (facts.history.recent !== undefined) {
    out.push(`the release history (${plural(facts.history.recent.length, 'deployment')} recorded)`);
  }
  return out;
}
