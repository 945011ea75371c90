import type { Colour } from './store.js';

/**
 * What Jarvis knows for sure about one service in one environment (DESIGN.md, "release state"): the live
 * colour and version, and the standby colour's version with its verdict. Rollback goes to known good,
 * never to a build that failed; every rollout outcome updates it in the same transaction as the
 * deployment record (see {@link ReleaseOutcome}).
 */

/**
 * `known_good`: it served traffic and Jarvis verified it (a release that passed analysis, or a stable
 * colour measured within the thresholds while it was the baseline). `failed`: it failed prepare or
 * analysis, or was rolled back. `unknown`: Jarvis never judged it (a rebuilt state, an aborted release).
 */
export type ReleaseVerdict = 'known_good' | 'failed' | 'unknown';

/** One colour as the release state records it. */
export interface ColourRelease {
  colour: Colour;
  /** The image tag it runs; undefined when it runs none (a standby scaled to nothing, no container). */
  version: string | undefined;
  verdict: ReleaseVerdict;
  /** When it was last verified (known_good) or judged failed; absent when unknown. */
  at?: number;
  /** Why it is failed, or what verified it. */
  reason?: string;
}

/** Blue and green weights as last written and read back from the ALB. */
export interface RecordedWeights {
  blue: number;
  green: number;
}

export interface ReleaseState {
  env: string;
  service: string;
  live: ColourRelease;
  standby: ColourRelease;
  /**
   * The weights of the last verified write Jarvis made; the reconciler reports drift against them.
   * Undefined for a rebuilt state (Jarvis never wrote).
   */
  weights?: RecordedWeights;
  /** The deployment whose outcome wrote this state; undefined when rebuilt. */
  deploymentId?: number;
  updatedAt: number;
  /** `recorded`: read from the store; `rebuilt`: derived read-only from the ALB and the Deployments. */
  source: 'recorded' | 'rebuilt';
}

/** The verdict on one version in one environment, newest first in {@link ReleaseStore.versionVerdicts}. */
export interface VersionVerdict {
  version: string;
  verdict: Exclude<ReleaseVerdict, 'unknown'>;
  at: number;
  deploymentId?: number;
  reason?: string;
  /** What the version measured while it was verified (known good only); the diagnosis's baseline. */
  figures?: VerifiedFigures;
}

/** A verified release's figures, summed over the passing analysis windows of its verification. */
export interface VerifiedFigures {
  requests: number;
  errors: number;
  errorRate: number;
  /** Request-weighted p99 in milliseconds; undefined when no window measured one. */
  p99Ms: number | undefined;
  /** Seconds of analysis windows summed. */
  seconds: number;
}

/** What a finished rollout changes besides its own record, written in the same transaction. */
export interface ReleaseOutcome {
  /** The new release state (env and service are the deployment's). */
  state: Omit<ReleaseState, 'env' | 'service' | 'source' | 'updatedAt' | 'deploymentId'>;
  /** Verdicts learnt by this rollout: the new version's, and the stable colour's when it was measured. */
  verdicts: VersionVerdict[];
  /** An earlier SUCCESS release this one rolled back: it becomes ROLLED_BACK with `reason`. */
  rolledBack?: { deploymentId: number; reason: string };
}

/** A person's (or the reconciler's) request to a running rollout, possibly from another process. */
export type RolloutCommandKind = 'abort' | 'pause' | 'resume';

export interface RolloutCommand {
  id: number;
  deploymentId: number;
  command: RolloutCommandKind;
  actor: string;
  reason?: string | undefined;
  at: number;
}

/** Release state, version verdicts and the commands queue of running rollouts. */
export interface ReleaseStore {
  /** The recorded release state, or undefined when Jarvis never finished a rollout of the service. */
  getReleaseState(env: string, service: string): Promise<ReleaseState | undefined>;
  /** Every recorded state, for the reconciler's drift watch. */
  listReleaseStates(): Promise<ReleaseState[]>;
  /** Verdicts on versions of the service in the environment, newest first (one per version: the last). */
  versionVerdicts(env: string, service: string): Promise<VersionVerdict[]>;
  /**
   * Queues a command for the RUNNING deployment `deploymentId`; the process running it takes it.
   * Rejects with NOT_FOUND for an unknown deployment and CONFLICT when it is no longer RUNNING.
   */
  queueCommand(command: Omit<RolloutCommand, 'id'>): Promise<RolloutCommand>;
  /** Takes (and removes) the commands queued for `deploymentId`, oldest first. */
  takeCommands(deploymentId: number): Promise<RolloutCommand[]>;
}
