import { JarvisError } from '../errors.js';
import { otherColour, type Colour, type DeploymentState, type Weights } from '../platform/types.js';
import type {
  ColourRelease,
  ReleaseOutcome,
  ReleaseState,
  VerifiedFigures,
  VersionVerdict,
} from '../store/store.js';
import { allOn, stableColourOf } from './phases.js';

/**
 * The release state derived read-only from what the platform shows, for a service Jarvis never finished
 * a rollout of (first start on an existing ALB): the colour at 100% is live, every verdict unknown except
 * what the store's version verdicts already say. Throws CONFLICT when traffic is split.
 */
export function rebuildState(
  env: string,
  service: string,
  weights: Weights,
  states: Record<Colour, DeploymentState>,
  verdicts: readonly VersionVerdict[],
  now: number,
): ReleaseState {
  const live = stableColourOf(weights, `${env}/${service}`);
  return {
    env,
    service,
    live: colourFrom(live, states[live].version, verdicts),
    standby: colourFrom(otherColour(live), states[otherColour(live)].version, verdicts),
    updatedAt: now,
    source: 'rebuilt',
  };
}

/**
 * The recorded state checked against what the platform shows now. Where they agree, the record stands;
 * where a colour runs another version than recorded (changed outside Jarvis), or the live colour moved,
 * that colour's verdict comes from the version verdicts instead (unknown when there is none): Jarvis only
 * vouches for what it saw.
 */
export function reconcileState(
  recorded: ReleaseState | undefined,
  rebuilt: ReleaseState,
  verdicts: readonly VersionVerdict[],
): ReleaseState {
  if (!recorded) return rebuilt;
  const same = (a: ColourRelease, b: ColourRelease): boolean =>
    a.colour === b.colour && a.version === b.version;
  const live = same(recorded.live, rebuilt.live)
    ? recorded.live
    : colourFrom(rebuilt.live.colour, rebuilt.live.version, verdicts);
  const standby = same(recorded.standby, rebuilt.standby)
    ? recorded.standby
    : colourFrom(rebuilt.standby.colour, rebuilt.standby.version, verdicts);
  return { ...recorded, live, standby };
}

function colourFrom(
  colour: Colour,
  version: string | undefined,
  verdicts: readonly VersionVerdict[],
): ColourRelease {
  const known = version === undefined ? undefined : verdicts.find((v) => v.version === version);
  if (!known) return { colour, version, verdict: 'unknown' };
  const c: ColourRelease = { colour, version, verdict: known.verdict, at: known.at };
  if (known.reason !== undefined) c.reason = known.reason;
  return c;
}

/** Where a rollback goes: the version, and whether the idle colour must be prepared with it first. */
export interface RollbackTarget {
  version: string;
  colour: Colour;
  /** False when the standby already runs it: one weight write. */
  prepare: boolean;
  /** When it was last verified. */
  verifiedAt: number | undefined;
}

/**
 * The last known-good version other than the live one: the standby's when it is known good, else the
 * newest known-good verdict (prepared on the idle colour). Throws CONFLICT with the reason and what to do
 * when there is none.
 */
export function rollbackTarget(state: ReleaseState, verdicts: readonly VersionVerdict[]): RollbackTarget {
  const { live, standby } = state;
  if (standby.verdict === 'known_good' && standby.version !== undefined && standby.version !== live.version) {
    return { version: standby.version, colour: standby.colour, prepare: false, verifiedAt: standby.at };
  }
  const good = verdicts.find((v) => v.verdict === 'known_good' && v.version !== live.version);
  if (good) return { version: good.version, colour: standby.colour, prepare: true, verifiedAt: good.at };
  const why =
    standby.version === undefined
      ? `the standby ${standby.colour} runs no version`
      : `the standby ${standby.colour} runs ${standby.version}, ${standby.verdict === 'failed' ? `which failed${standby.reason ? ` (${standby.reason})` : ''}` : 'which Jarvis never verified'}`;
  throw new JarvisError(
    'CONFLICT',
    `No known-good version of ${state.service} in ${state.env} to roll back to: ${why}, and no other version was live and verified here. ` +
      `Name a version that succeeded in the previous environment ("rollback ${state.env} to <version>"), or deploy a fix.`,
    { resource: `${state.env}/${state.service}`, facts: { live, standby } },
  );
}

const known = (colour: Colour, version: string | undefined, at: number, reason: string): ColourRelease => ({
  colour,
  version,
  verdict: 'known_good',
  at,
  reason,
});

/** The state after a release of `version` on `fresh` succeeded; `stableVerified`: the old live passed too. */
export function afterRelease(
  before: ReleaseState,
  fresh: Colour,
  version: string,
  deploymentId: number,
  now: number,
  stableVerified: boolean,
  figures?: VerifiedFigures,
): ReleaseOutcome {
  const baseline = asBaseline(before, deploymentId, now, stableVerified);
  const old = baseline.colour;
  const verdicts: VersionVerdict[] = [
    {
      version,
      verdict: 'known_good',
      at: now,
      deploymentId,
      reason: `passed analysis (#${deploymentId})`,
      ...(figures ? { figures } : {}),
    },
    ...baseline.verdicts,
  ];
  return {
    state: {
      live: known(fresh, version, now, `passed analysis (#${deploymentId})`),
      standby: { ...old, colour: otherColour(fresh) },
      weights: allOn(fresh),
    },
    verdicts,
  };
}

/**
 * The state after a release of `version` on the idle colour did not go live: `failed` (prepare or
 * analysis failed: the idle colour now holds a build that must not be rolled back to), `unknown`
 * (aborted: not judged), or `restored` (the idle colour was put back as it was).
 */
export function afterNoRelease(
  before: ReleaseState,
  idle: Colour,
  version: string,
  deploymentId: number,
  now: number,
  judged: { verdict: 'failed'; reason: string } | { verdict: 'unknown' } | { verdict: 'restored' },
  stableVerified: boolean,
): ReleaseOutcome {
  const baseline = asBaseline(before, deploymentId, now, stableVerified);
  const live = baseline.colour;
  const verdicts: VersionVerdict[] = [];
  let standby: ColourRelease;
  if (judged.verdict === 'restored') {
    standby = before.standby;
  } else if (judged.verdict === 'failed') {
    standby = { colour: idle, version, verdict: 'failed', at: now, reason: judged.reason };
    verdicts.push({ version, verdict: 'failed', at: now, deploymentId, reason: judged.reason });
  } else {
    standby = { colour: idle, version, verdict: 'unknown' };
  }
  verdicts.push(...baseline.verdicts);
  return { state: { live, standby, weights: allOn(before.live.colour) }, verdicts };
}

/**
 * The live colour of `before` as a release leaves it: known good when it was measured within the
 * thresholds while it served as the baseline (`stableVerified`), with the verdict that records it.
 */
function asBaseline(
  before: ReleaseState,
  deploymentId: number,
  now: number,
  stableVerified: boolean,
): { colour: ColourRelease; verdicts: VersionVerdict[] } {
  if (!stableVerified) return { colour: before.live, verdicts: [] };
  const reason = `measured within thresholds as the baseline of #${deploymentId}`;
  const colour = known(before.live.colour, before.live.version, now, reason);
  const version = before.live.version;
  return {
    colour,
    verdicts:
      version === undefined ? [] : [{ version, verdict: 'known_good', at: now, deploymentId, reason }],
  };
}

/** The state after a rollback switched all traffic to `target` on `to`; the old live is marked failed. */
export function afterRollback(
  before: ReleaseState,
  to: Colour,
  target: string,
  verifiedAt: number,
  deploymentId: number,
  now: number,
  reason: string,
  rolledBack: number | undefined,
): ReleaseOutcome {
  const verdicts: VersionVerdict[] = [
    {
      version: target,
      verdict: 'known_good',
      at: verifiedAt,
      deploymentId,
      reason: `rolled back to (#${deploymentId})`,
    },
  ];
  if (before.live.version !== undefined && before.live.version !== target) {
    verdicts.push({ version: before.live.version, verdict: 'failed', at: now, deploymentId, reason });
  }
  return {
    state: {
      live: known(to, target, verifiedAt, `rolled back to (#${deploymentId})`),
      standby: { colour: otherColour(to), version: before.live.version, verdict: 'failed', at: now, reason },
      weights: allOn(to),
    },
    verdicts,
    ...(rolledBack === undefined ? {} : { rolledBack: { deploymentId: rolledBack, reason } }),
  };
}
