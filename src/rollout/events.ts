import type { ColourFigures } from '../platform/metrics/provider.js';
import type { Colour, Weights } from '../platform/types.js';
import type { DeploymentStrategy, FinalStatus } from '../store/store.js';
import type { Check } from './release.js';

export type Phase =
  | 'precheck'
  | 'prepare'
  | 'shift'
  | 'verify'
  | 'finalise'
  | 'abort'
  | 'switch'
  | 'recover'
  | 'pause'
  | 'resume';

export type VerdictOutcome = 'pass' | 'fail' | 'insufficient';

/** The analysis of one window: the new colour against the stable one, measured over the same window. */
export interface Verdict {
  outcome: VerdictOutcome;
  newColour: ColourFigures;
  stableColour: ColourFigures | undefined;
  /** The p99 the new colour was compared with (the stable colour's, or the last one measured before 100%). */
  baselineP99Ms: number | undefined;
  /** Why it failed or had no verdict; empty on a pass. */
  reasons: string[];
}

/** One colour as a release found it or left it: what runs there, its share of traffic, its role. */
export interface ColourView {
  colour: Colour;
  version: string | undefined;
  weight: number;
  role: 'active' | 'standby';
}

/** What the prepare phase reached, for channels to show as checks (image, pods ready, health checks). */
export type PrepareProgress =
  | { stage: 'image'; image: string; replicas: number; colour: Colour }
  | { stage: 'pods'; ready: number; replicas: number }
  | { stage: 'targets'; healthy: number; targets: number };

interface Base {
  env: string;
  service: string;
  deploymentId: number;
}

/** What the engine reports while it works; channels render these (REPL lines, Slack message edits). */
export type RolloutEvent =
  /** The pre-checks passed and the release is recorded: its checks and the state it starts from. */
  | (Base & {
      kind: 'started';
      strategy: DeploymentStrategy;
      version: string;
      colour: Colour;
      checks: Check[];
      state: ColourView[];
    })
  | (Base & {
      kind: 'phase';
      phase: Phase;
      message: string;
      /** Prepare phases: what was reached. */
      prepare?: PrepareProgress;
      /** Verify phases: how long the new colour is held at 100 %. */
      seconds?: number;
    })
  | (Base & {
      kind: 'weights';
      step: number;
      stepIndex: number;
      steps: number;
      weights: Weights;
      newColour: Colour;
    })
  | (Base & { kind: 'analysis'; step: number; weights: Weights; newColour: Colour; verdict: Verdict })
  | (Base & {
      kind: 'finished';
      status: FinalStatus;
      reason: string | undefined;
      durationMs: number;
      version: string;
    });

export type RolloutListener = (event: RolloutEvent) => void;

const MARK: Record<VerdictOutcome, string> = { pass: '✓', fail: '✗', insufficient: '…' };

/** A percentage with two decimals: 0.0001 → "0.01%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** `blue` → "Blue", as people read a colour's name. */
export function capital(colour: Colour): string {
  return colour === 'blue' ? 'Blue' : 'Green';
}

/** `Blue: 75% | Green: 25%` */
export function formatWeights(weights: Weights): string {
  return `Blue: ${weights.blue}% | Green: ${weights.green}%`;
}

/** One line per event, e.g. `[25%] Blue: 75% | Green: 25% ✓ Error rate: 0.01% p99: 118ms`. */
export function formatEvent(event: RolloutEvent): string {
  switch (event.kind) {
    case 'started':
      return `started: ${event.strategy} of ${event.version} to ${event.colour}; checks ${event.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}`).join(', ')}`;
    case 'phase':
      return `${event.phase}: ${event.message}`;
    case 'weights':
      return `[${event.step}%] ${formatWeights(event.weights)} (step ${event.stepIndex + 1}/${event.steps}, ${capital(event.newColour)} is new)`;
    case 'analysis': {
      const v = event.verdict;
      const p99 = v.newColour.p99Ms === undefined ? 'n/a' : `${Math.round(v.newColour.p99Ms)}ms`;
      const why = v.reasons.length > 0 ? ` (${v.reasons.join('; ')})` : '';
      return `[${event.step}%] ${formatWeights(event.weights)} ${MARK[v.outcome]} Error rate: ${percent(v.newColour.errorRate)} p99: ${p99}${why}`;
    }
    case 'finished':
      return `${event.status}: ${event.env}/${event.service} ${event.version} in ${Math.round(event.durationMs / 1000)}s${event.reason ? ` (${event.reason})` : ''}`;
  }
}
