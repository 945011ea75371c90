import type { ColourFigures } from '../../platform/metrics/provider.js';
import { otherColour, type Colour } from '../../platform/types.js';
import { COLOURS } from './helpers.js';
import { recentRelease } from './timeline.js';
import type { Facts } from './types.js';

/** How far back the only live colour is compared with itself when no release moved traffic lately. */
export const OWN_HISTORY_MS = 30 * 60 * 1000;

/** What the only live colour is measured against when the other colour has no traffic. */
export interface Baseline {
  /** The colour judged against it. */
  for: Colour;
  /** Whose figures these are, and when: `blue before the shift to 10 % of deployment #12`. */
  label: string;
  colour: Colour;
  /** The end of the baseline window (clock ms). */
  endsAt: number;
  /** Undefined until read (or when the metrics source could not answer). */
  figures?: ColourFigures | undefined;
}

/**
 * The baseline to read when one colour serves all traffic and the other none (a finished release, no
 * canary to compare with): the figures of the colour that was live before the newest release's first
 * traffic change, over the window ending at that change; without a recent release, the live colour's
 * own figures half an hour earlier. Undefined when both colours take traffic or the traffic is unknown.
 */
export function baselineFor(facts: Facts): Baseline | undefined {
  const live = COLOURS.filter((c) => facts.colours[c].servesTraffic === true);
  if (live.length !== 1 || facts.colours[otherColour(live[0]!)].servesTraffic !== false) return undefined;
  const colour = live[0]!;
  const d = recentRelease(facts);
  const change = facts.history.journal.find((e) => e.state === 'shift' || e.state === 'switch');
  if (d && change && d.colour === colour) {
    const before = d.previousColour ?? otherColour(colour);
    const what =
      change.state === 'shift' && typeof change.data.step === 'number'
        ? `the shift to ${change.data.step} %`
        : 'the switch';
    return {
      for: colour,
      colour: before,
      endsAt: change.at,
      label: `${before} before ${what} of deployment #${d.id}`,
    };
  }
  if (d) return undefined;
  return {
    for: colour,
    colour,
    endsAt: facts.now - OWN_HISTORY_MS,
    label: `${colour} itself 30 min earlier`,
  };
}

/**
 * The baseline kept in the store: what the only live colour's version measured while it was verified
 * (its known-good verdict's figures). Read when the metrics source has no usable past window for it (a
 * short retention, a restarted source, a colour live for less than the history reaches).
 */
export function verifiedBaseline(facts: Facts): Baseline | undefined {
  const live = COLOURS.filter((c) => facts.colours[c].servesTraffic === true);
  if (live.length !== 1) return undefined;
  const colour = live[0]!;
  const version = facts.colours[colour].deployment?.version;
  const verdict = facts.history.verdicts.find((v) => v.version === version && v.verdict === 'known_good');
  if (!version || !verdict?.figures) return undefined;
  const f = verdict.figures;
  return {
    for: colour,
    colour,
    endsAt: verdict.at,
    label: `${version} when it was verified${verdict.deploymentId ? ` (deployment #${verdict.deploymentId})` : ''}`,
    figures: { requests: f.requests, errors: f.errors, errorRate: f.errorRate, p99Ms: f.p99Ms },
  };
}
