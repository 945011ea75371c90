import type { ColourFigures } from '../../platform/metrics/provider.js';
import type { Colour, Weights } from '../../platform/types.js';
import type { Phase, RolloutEvent, VerdictOutcome } from '../../rollout/events.js';
import type { FinalStatus } from '../../store/store.js';

/** What one rollout's progress message shows, folded from its events. */
export interface ProgressState {
  deploymentId: number;
  env: string;
  service: string;
  /** What was asked for, as confirmed ("deploy checkout 1.3.0 to prd ..."); else `env/service`. */
  title: string;
  /** The phase the rollout is in; a pause or a resume leaves it as it was (see `paused`). */
  phase: Phase | undefined;
  phaseMessage: string | undefined;
  /** Held at its current step by a `pause` phase event, until a `resume` one (or the end). */
  paused: boolean;
  step: { percent: number; index: number; count: number } | undefined;
  weights: Weights | undefined;
  newColour: Colour | undefined;
  /** The latest analysis figures per colour. */
  figures: Partial<Record<Colour, ColourFigures>>;
  verdict: { outcome: VerdictOutcome; reasons: readonly string[] } | undefined;
  /**
   * The release as the terminal prints it when piped (src/rollout/flow.ts): pre-checks, current state,
   * one line per phase step, the verification summary. Kept by the progress message, which folds the
   * events through a FlowView; empty for a state made otherwise (an adopted rollout).
   */
  flow: readonly string[];
  finished:
    { status: FinalStatus; reason: string | undefined; durationMs: number; version: string } | undefined;
}

export function initialProgress(event: RolloutEvent, title: string | undefined): ProgressState {
  return {
    deploymentId: event.deploymentId,
    env: event.env,
    service: event.service,
    title: title ?? `${event.env}/${event.service}`,
    phase: undefined,
    phaseMessage: undefined,
    paused: false,
    step: undefined,
    weights: undefined,
    newColour: undefined,
    figures: {},
    verdict: undefined,
    flow: [],
    finished: undefined,
  };
}

/** The state after `event`. Pure: the message is re-rendered from the whole state on every edit. */
export function reduceProgress(state: ProgressState, event: RolloutEvent): ProgressState {
  switch (event.kind) {
    case 'started':
      // What the release starts from is on the message's header already (env, service, version).
      return state;
    case 'phase':
      // A pause holds the rollout where it is: the phase it is in stays what the message shows.
      if (event.phase === 'pause' || event.phase === 'resume') {
        return { ...state, paused: event.phase === 'pause', phaseMessage: event.message };
      }
      return { ...state, phase: event.phase, phaseMessage: event.message };
    case 'weights': {
      // The engine announces no phase when shifting starts: the first weight change is the sign.
      const shifting = state.phase === 'prepare' || state.phase === undefined;
      return {
        ...state,
        phase: shifting ? 'shift' : state.phase,
        phaseMessage: shifting ? `moving traffic to ${event.newColour}` : state.phaseMessage,
        step: { percent: event.step, index: event.stepIndex, count: event.steps },
        weights: event.weights,
        newColour: event.newColour,
      };
    }
    case 'analysis': {
      const stable: Colour = event.newColour === 'blue' ? 'green' : 'blue';
      const figures: Partial<Record<Colour, ColourFigures>> = {
        ...state.figures,
        [event.newColour]: event.verdict.newColour,
      };
      if (event.verdict.stableColour) figures[stable] = event.verdict.stableColour;
      return {
        ...state,
        weights: event.weights,
        newColour: event.newColour,
        figures,
        verdict: { outcome: event.verdict.outcome, reasons: event.verdict.reasons },
      };
    }
    case 'finished': {
      // Rolled back or aborted: the stable colour took all traffic back in one verified write, which
      // sends no weights event of its own; the last shifted weights would show a split that is over.
      const back = (event.status === 'ROLLED_BACK' || event.status === 'ABORTED') && state.newColour;
      const weights: Weights | undefined = back
        ? state.newColour === 'blue'
          ? { blue: 0, green: 100 }
          : { blue: 100, green: 0 }
        : state.weights;
      return {
        ...state,
        weights,
        paused: false,
        finished: {
          status: event.status,
          reason: event.reason,
          durationMs: event.durationMs,
          version: event.version,
        },
      };
    }
  }
}
