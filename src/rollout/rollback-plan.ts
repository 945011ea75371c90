import { JarvisError } from '../errors.js';
import { rollbackVersionCheck } from '../policies/release.js';
import { otherColour, type Colour } from '../platform/types.js';
import type { ReleaseState, ReleaseVerdict } from '../store/store.js';
import { currentState, resolve, runningOf, type Internals } from './internals.js';
import { capital, type ColourView } from './events.js';
import { colourLines } from './flow.js';
import { rollbackTarget } from './release-state.js';

/** Exactly what a rollback will do, computed read-only before the person confirms it. */
export type RollbackPlan =
  | {
      kind: 'abort';
      env: string;
      service: string;
      /** The rollout in progress, which a rollback asked for now aborts. */
      deploymentId: number;
      version: string;
      stable: Colour;
      stableVersion: string | undefined;
    }
  | {
      kind: 'switch';
      env: string;
      service: string;
      from: { colour: Colour; version: string | undefined; verdict: ReleaseVerdict };
      to: {
        colour: Colour;
        version: string;
        /** When it was verified; undefined for a named version never verified here. */
        verifiedAt: number | undefined;
        /** The idle colour is prepared with it first (image, replicas, health). */
        prepare: boolean;
        /** Why it is the target. */
        why: string;
        /** What that colour runs now (before it is prepared); undefined: nothing. */
        runs?: string | undefined;
      };
      /** A named version: analysed for the verification window after the switch. */
      named: boolean;
    };

/**
 * What `rollback` would do now, read-only: abort a rollout in progress; else switch to the last known-good
 * version (one write when the standby holds it and is healthy, prepared first otherwise), or to a named
 * version the release policy allows. Throws CONFLICT (no known-good version) or ROLLBACK_NOT_ALLOWED (a named
 * version that was never verified here nor succeeded upstream) with the reason and what to do.
 */
export async function planRollback(
  x: Internals,
  env: string,
  service: string,
  version?: string,
): Promise<RollbackPlan> {
  return (await planWithState(x, env, service, version)).plan;
}

export interface Planned {
  plan: RollbackPlan;
  /** The release state the plan was made from; undefined for an abort. */
  state?: ReleaseState;
  /** Replicas of the live colour, for preparing the target. */
  replicas?: number;
}

export async function planWithState(
  x: Internals,
  env: string,
  service: string,
  version?: string,
): Promise<Planned> {
  const { route, ports } = resolve(x, env, service);
  const running = await runningOf(x, env, service);
  if (running) {
    return {
      plan: {
        kind: 'abort',
        env,
        service,
        deploymentId: running.id,
        version: running.version,
        stable: running.previousColour ?? otherColour(running.colour),
        stableVersion: running.previousVersion,
      },
    };
  }
  const read = {
    readWeights: ports.traffic.readWeights.bind(ports.traffic),
    getDeployment: ports.workloads.getDeployment.bind(ports.workloads),
  };
  const [{ state, states }, verdicts] = await Promise.all([
    currentState(x, route, read),
    x.deps.store.versionVerdicts(env, service),
  ]);
  const from = { colour: state.live.colour, version: state.live.version, verdict: state.live.verdict };
  const standby = state.standby;
  if (version !== undefined) {
    if (version === state.live.version) {
      throw new JarvisError(
        'INVALID_INPUT',
        `${env}/${service} already runs ${version} on ${state.live.colour}: nothing to roll back to.`,
        {
          resource: `${env}/${service}`,
        },
      );
    }
    const why = await namedVersionAllowed(x, state, version);
    const ready =
      standby.version === version &&
      states[standby.colour].readyReplicas > 0 &&
      (await healthy(ports, route.targetGroups[standby.colour]));
    const verifiedAt = verdicts.find((v) => v.version === version && v.verdict === 'known_good')?.at;
    return {
      plan: {
        kind: 'switch',
        env,
        service,
        from,
        to: { colour: standby.colour, version, verifiedAt, prepare: !ready, why, runs: standby.version },
        named: true,
      },
      state,
      replicas: states[state.live.colour].replicas,
    };
  }
  const target = rollbackTarget(state, verdicts);
  let prepareIt = target.prepare;
  if (!prepareIt) {
    const ready =
      states[target.colour].readyReplicas > 0 && (await healthy(ports, route.targetGroups[target.colour]));
    prepareIt = !ready;
  }
  return {
    plan: {
      kind: 'switch',
      env,
      service,
      from,
      to: {
        colour: target.colour,
        version: target.version,
        verifiedAt: target.verifiedAt,
        prepare: prepareIt,
        why: 'last good',
        runs: states[target.colour].version,
      },
      named: false,
    },
    state,
    replicas: states[state.live.colour].replicas,
  };
}

async function healthy(ports: ReturnType<typeof resolve>['ports'], targetGroupArn: string): Promise<boolean> {
  const targets = await ports.traffic.targetHealth(targetGroupArn);
  return targets.length > 0 && targets.every((t) => t.state === 'healthy');
}

/** The release policy's rollback rule for a named target: why it is allowed; throws its refusal otherwise. */
async function namedVersionAllowed(x: Internals, state: ReleaseState, version: string): Promise<string> {
  const check = await rollbackVersionCheck(x.deps.config, x.deps.store, state.env, state.service, version);
  if (check.ok) return check.why;
  throw new JarvisError(check.refusal.code, check.refusal.reason, {
    resource: `${state.env}/${state.service}`,
    options: check.options,
  });
}

/** The confirmation line: `Blue (active) 1.3.0-errors ← 100%  →  Green 1.2.0 (last good, verified 2h ago)`. */
export function describeRollback(plan: RollbackPlan, now: number): string {
  if (plan.kind === 'abort') {
    return `A rollout of ${plan.service} ${plan.version} is in progress in ${plan.env} (deployment #${plan.deploymentId}): abort it, all traffic back to ${capital(plan.stable)} ${plan.stableVersion ?? '(unknown version)'} in one verified write`;
  }
  const verified =
    plan.to.verifiedAt === undefined
      ? plan.to.why
      : `${plan.to.why}, verified ${ago(now - plan.to.verifiedAt)} ago`;
  const steps = [
    plan.to.prepare
      ? `prepares ${capital(plan.to.colour)} with ${plan.to.version} first (image, replicas, health), then switches in one write`
      : 'one verified weight write',
  ];
  if (plan.named) steps.push('then holds for the verification window with analysis, reverting on failure');
  return `roll back ${plan.service} in ${plan.env}: ${capital(plan.from.colour)} (active) ${plan.from.version ?? 'unknown'} ← 100%  →  ${capital(plan.to.colour)} ${plan.to.version} (${verified}); ${steps.join(', ')}`;
}

/**
 * What a rollback will do, as the person confirms it (seed 001, "Rollback"): the current state, then
 * where all traffic will go. An abort of a rollout in progress is one line ({@link describeRollback}).
 */
export function rollbackConfirmation(plan: RollbackPlan, now: number): string {
  if (plan.kind === 'abort') return describeRollback(plan, now);
  const verified =
    plan.to.verifiedAt === undefined
      ? plan.to.why
      : `${plan.to.why}, verified ${ago(now - plan.to.verifiedAt)} ago`;
  const state: ColourView[] = [
    { colour: plan.from.colour, version: plan.from.version, weight: 100, role: 'active' },
    {
      colour: plan.to.colour,
      version: plan.to.runs ?? (plan.to.prepare ? undefined : plan.to.version),
      weight: 0,
      role: 'standby',
    },
  ].sort((a, b) => a.colour.localeCompare(b.colour)) as ColourView[];
  const target = `${capital(plan.to.colour)} (v${plan.to.version.replace(/^v/, '')}, ${verified})`;
  const how = plan.to.prepare
    ? `${capital(plan.to.colour)} is prepared with ${plan.to.version} first (image, replicas, health checks); then all traffic shifts to ${target} in one verified write.`
    : `Rollback will shift all traffic to ${target} in one verified write.`;
  const hold = plan.named
    ? ' It is then held for the verification window with analysis, and reverted on failure.'
    : '';
  return [
    `Rollback of ${plan.service} in ${plan.env.toUpperCase()}.`,
    '',
    'Current state:',
    ...colourLines(state, { [plan.to.colour]: plan.to.runs === undefined ? 'not running' : undefined }),
    '',
    `${how}${hold}`,
  ].join('\n');
}

/** 90 s → "1m", 2 h → "2h", 3 d → "3d". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function samePlan(a: RollbackPlan, b: RollbackPlan): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'abort' && b.kind === 'abort') return a.deploymentId === b.deploymentId;
  if (a.kind === 'switch' && b.kind === 'switch') {
    return (
      a.from.colour === b.from.colour &&
      a.from.version === b.from.version &&
      a.to.colour === b.to.colour &&
      a.to.version === b.to.version &&
      a.to.prepare === b.to.prepare
    );
  }
  return false;
}
