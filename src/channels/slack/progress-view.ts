import type { ColourFigures } from '../../platform/metrics/provider.js';
import type { Colour, Weights } from '../../platform/types.js';
import type { FinalStatus } from '../../store/store.js';
import type { Block } from './api.js';
import { controlsBlock } from './control-view.js';
import type { ProgressState } from './progress-state.js';
import { fence } from './answer-view.js';
import { escapeMrkdwn, type MessageView } from './views.js';

const CELLS = 10;
const STATUS_ICON: Record<FinalStatus, string> = {
  SUCCESS: ':white_check_mark:',
  FAILED: ':x:',
  ROLLED_BACK: ':rewind:',
  ABORTED: ':octagonal_sign:',
};
const VERDICT: Record<string, string> = {
  pass: 'passed',
  fail: 'failed',
  insufficient: 'too little traffic',
};

/** `:large_blue_square:` × blue share and `:large_green_square:` × green share, ten cells in all. */
export function weightBar(weights: Weights): string {
  const total = weights.blue + weights.green;
  if (total <= 0) return ':white_large_square:'.repeat(CELLS);
  const blue = Math.round((weights.blue / total) * CELLS);
  return ':large_blue_square:'.repeat(blue) + ':large_green_square:'.repeat(CELLS - blue);
}

/**
 * The progress message of one rollout: title, phase, step, weight bar, figures per colour, and while it
 * runs the Stop and Pause (or Resume) buttons; once it is over, its final state (weights, the phase's
 * last word, the outcome line) and no buttons. It is the rollout's only message in the thread.
 */
export function progressView(state: ProgressState): MessageView {
  const running = state.paused ? ':double_vertical_bar:' : ':arrows_counterclockwise:';
  const icon = state.finished ? STATUS_ICON[state.finished.status] : running;
  const blocks: Block[] = [
    mrkdwn(`${icon} *${escapeMrkdwn(state.title)}*`),
    context(
      [
        `Deployment #${state.deploymentId}`,
        `${escapeMrkdwn(state.env)}/${escapeMrkdwn(state.service)}`,
        state.finished ? endText(state.finished) : state.phase ? `phase *${state.phase}*` : 'starting',
        state.paused && !state.finished ? '*paused*' : undefined,
        state.phaseMessage ? escapeMrkdwn(state.phaseMessage) : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
    ),
  ];
  const flow = flowText(state.flow);
  if (flow) blocks.push(mrkdwn(flow));
  if (state.weights) {
    const step = state.step
      ? `step ${state.step.index + 1}/${state.step.count} (${state.step.percent}%)`
      : undefined;
    blocks.push(
      mrkdwn(
        `${weightBar(state.weights)}\nBlue *${state.weights.blue}%* · Green *${state.weights.green}%*${step ? ` · ${step}` : ''}`,
      ),
    );
  }
  const fields = (['blue', 'green'] as const)
    .filter((c) => state.figures[c] !== undefined)
    .map((c) => ({ type: 'mrkdwn' as const, text: figuresText(c, state.figures[c]!, state.newColour) }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  if (state.verdict && !state.finished) {
    const why = state.verdict.reasons.length > 0 ? `: ${escapeMrkdwn(state.verdict.reasons.join('; '))}` : '';
    blocks.push(context(`Last analysis ${VERDICT[state.verdict.outcome] ?? state.verdict.outcome}${why}`));
  }
  const controls = controlsBlock(state);
  if (controls) blocks.push(controls);
  return { text: fallbackText(state), blocks };
}

/** One line for notifications once the rollout is over (the announce channel, an adopted rollout). */
export function finishedLine(state: ProgressState): string {
  const f = state.finished;
  if (!f) return `${escapeMrkdwn(state.env)}/${escapeMrkdwn(state.service)}: in progress`;
  const reason = f.reason ? ` — ${escapeMrkdwn(f.reason)}` : '';
  return `${STATUS_ICON[f.status]} *${f.status}*: ${escapeMrkdwn(state.service)} ${escapeMrkdwn(f.version)} in ${escapeMrkdwn(state.env)} after ${took(f.durationMs)}${reason}`;
}

/** How the rollout ended, on its message's context line: `*ROLLED_BACK* after 3m 5s — why`. */
function endText(f: NonNullable<ProgressState['finished']>): string {
  const reason = f.reason ? ` — ${escapeMrkdwn(f.reason)}` : '';
  return `*${f.status}* after ${took(f.durationMs)}${reason}`;
}

function took(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
}

/** Slack's limit on the text of one section block. */
const SECTION_LIMIT = 3000;

/**
 * The release's flow as a code block, as the terminal prints it (pre-checks, current state, phases);
 * when it is too long for one section, its latest lines under an ellipsis. Undefined when empty.
 */
function flowText(flow: readonly string[]): string | undefined {
  const lines = [...flow];
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length === 0) return undefined;
  let shown = fence(lines.join('\n'));
  for (let from = 1; shown.length > SECTION_LIMIT && from < lines.length; from++) {
    shown = fence(['…', ...lines.slice(from)].join('\n'));
  }
  return shown;
}

function figuresText(colour: Colour, figures: ColourFigures, newColour: Colour | undefined): string {
  const name = colour === 'blue' ? ':large_blue_square: *Blue*' : ':large_green_square: *Green*';
  const role = newColour === undefined ? '' : colour === newColour ? ' (new)' : ' (stable)';
  const p99 = figures.p99Ms === undefined ? 'n/a' : `${Math.round(figures.p99Ms)} ms`;
  return `${name}${role}\nError rate ${(figures.errorRate * 100).toFixed(2)}% · p99 ${p99} · ${figures.requests} req`;
}

function fallbackText(state: ProgressState): string {
  const where = `${state.env}/${state.service}`;
  if (state.finished) return `${state.finished.status}: ${where} ${state.finished.version}`;
  const weights = state.weights ? ` Blue ${state.weights.blue}% | Green ${state.weights.green}%` : '';
  return `${state.title}: ${state.phase ?? 'starting'}${state.paused ? ' (paused)' : ''}${weights}`;
}

function mrkdwn(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: text.slice(0, 3000) }] };
}
