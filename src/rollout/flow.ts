import type { Colour, Weights } from '../platform/types.js';
import type { DeploymentStrategy } from '../store/store.js';
import {
  capital,
  formatWeights,
  percent,
  type ColourView,
  type RolloutEvent,
  type Verdict,
} from './events.js';

/** What one event changes on the screen: lines that stay, and the line drawn in place (terminals). */
export interface FlowUpdate {
  lines: string[];
  /** The in-progress line to draw in place of the previous one; '' clears it; undefined: unchanged. */
  live?: string;
}

interface StepLine {
  step: number;
  weights: Weights;
  latest: Verdict | undefined;
  worst: Verdict | undefined;
  windows: number;
}

const MARK = { pass: '✓', fail: '✗', insufficient: '…' } as const;
const RANK = { pass: 0, insufficient: 1, fail: 2 } as const;

/** `Blue (Active):   v1.2.0  ← 100% traffic`, aligned for two lines. */
export function colourLines(
  state: readonly ColourView[],
  notes: Partial<Record<Colour, string>> = {},
): string[] {
  const labels = state.map((c) => `${capital(c.colour)} (${c.role === 'active' ? 'Active' : 'Standby'}):`);
  const width = Math.max(...labels.map((l) => l.length));
  return state.map((c, i) => {
    const version = c.version === undefined ? 'nothing' : `v${c.version.replace(/^v/, '')}`;
    const note = notes[c.colour] ?? (c.weight > 0 ? `${c.weight}% traffic` : undefined);
    return `  ${labels[i]!.padEnd(width)} ${version}${note ? `  ← ${note}` : ''}`;
  });
}

function what(strategy: DeploymentStrategy): string {
  return strategy === 'promote' ? 'promotion' : 'deployment';
}

/** `✓ Error rate: 0.05% p99: 120ms`, or why there was no verdict. */
function windowText(v: Verdict): string {
  const p99 = v.newColour.p99Ms === undefined ? 'n/a' : `${Math.round(v.newColour.p99Ms)}ms`;
  const why = v.outcome === 'pass' || v.reasons.length === 0 ? '' : ` (${v.reasons.join('; ')})`;
  return `${MARK[v.outcome]} Error rate: ${percent(v.newColour.errorRate)} p99: ${p99}${why}`;
}

/** The worse of two windows: a failure over no verdict over a pass, then the higher error rate. */
function worse(a: Verdict | undefined, b: Verdict): Verdict {
  if (!a) return b;
  if (RANK[b.outcome] !== RANK[a.outcome]) return RANK[b.outcome] > RANK[a.outcome] ? b : a;
  return b.newColour.errorRate > a.newColour.errorRate ? b : a;
}

/**
 * A release as the terminal shows it, in the order of seed 001: what it starts from (pre-deployment
 * checks, current state), Phase 1 (prepare: image, pods ready, health checks), Phase 2 (one line per
 * traffic step) and Phase 3 (the verification summary against the stable colour's baseline). On a
 * terminal (`live`) the step's line is redrawn in place with its latest analysis window; piped, each step
 * prints one line when it ends, with its worst window. The outcome itself (final state, result line) is
 * the tool's result, rendered from its data.
 */
export class FlowView {
  private step: StepLine | undefined;
  private shifting = false;
  private verifying: { windows: Verdict[] } | undefined;
  private strategy: DeploymentStrategy = 'blue-green';

  constructor(private readonly live: boolean) {}

  push(event: RolloutEvent): FlowUpdate {
    switch (event.kind) {
      case 'started':
        return { lines: this.started(event) };
      case 'phase':
        return this.phase(event);
      case 'weights': {
        const lines = this.closeStep();
        if (event.steps === 1 && event.step === 100) {
          // A rollback: one write, all traffic at once.
          return { lines: [...lines, `  [100%] ${formatWeights(event.weights)}`], live: '' };
        }
        if (!this.shifting) lines.push('', 'Phase 2: Traffic shift starting...');
        this.shifting = true;
        this.step = {
          step: event.step,
          weights: event.weights,
          latest: undefined,
          worst: undefined,
          windows: 0,
        };
        return { lines, live: this.stepText(this.step, 'live') };
      }
      case 'analysis': {
        if (this.verifying) {
          this.verifying.windows.push(event.verdict);
          const n = this.verifying.windows.length;
          return { lines: [], live: `  verifying: window ${n} ${windowText(event.verdict)}` };
        }
        const step = this.step;
        if (!step) return { lines: [] };
        step.latest = event.verdict;
        step.worst = worse(step.worst, event.verdict);
        step.windows += 1;
        return { lines: [], live: this.stepText(step, 'live') };
      }
      case 'finished':
        // A blank line: the outcome follows.
        return { lines: [...this.closeStep(), ...this.verification(), ''], live: '' };
    }
  }

  private started(event: Extract<RolloutEvent, { kind: 'started' }>): string[] {
    this.strategy = event.strategy;
    const env = event.env.toUpperCase();
    if (event.strategy === 'rollback') {
      return [`Rolling back ${event.service} in ${env} to ${event.version} (${capital(event.colour)})...`];
    }
    const kind = what(event.strategy);
    return [
      `Starting Blue/Green ${kind} of ${event.service} ${event.version} to ${env}...`,
      '',
      `Pre-${kind} checks:`,
      ...event.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
      '',
      'Current state:',
      ...colourLines(event.state),
    ];
  }

  private phase(event: Extract<RolloutEvent, { kind: 'phase' }>): FlowUpdate {
    const p = event.prepare;
    switch (event.phase) {
      case 'prepare':
        if (!p) return { lines: [], live: `  … ${event.message}` };
        if (p.stage === 'image') {
          const version = p.image.slice(p.image.lastIndexOf(':') + 1);
          return {
            lines: [
              '',
              `Phase 1: Deploying ${version} to ${capital(p.colour)}...`,
              `  ✓ Image: ${p.image} (${p.replicas} replicas)`,
            ],
          };
        }
        if (p.stage === 'pods')
          return { lines: [`  ✓ Pods deployed: ${p.ready}/${p.replicas} ready`], live: '' };
        return { lines: [`  ✓ Health checks passing: ${p.healthy}/${p.targets} targets healthy`], live: '' };
      case 'verify': {
        const lines = this.closeStep();
        const span = event.seconds === undefined ? '' : ` (${duration(event.seconds)})`;
        this.verifying = { windows: [] };
        return { lines: [...lines, '', `Phase 3: Verification${span}...`], live: '' };
      }
      case 'abort':
        return { lines: [...this.closeStep(), ...this.verification(), `  ✗ ${event.message}`], live: '' };
      case 'pause':
        return { lines: [`  ⏸ ${event.message}`] };
      case 'resume':
        return { lines: [`  ▶ ${event.message}`] };
      case 'switch':
      case 'finalise':
      case 'precheck':
      case 'shift':
        // Shown by the weights written and by the outcome.
        return { lines: [] };
      case 'recover':
        return { lines: [`  ${event.message}`] };
    }
  }

  /** The line of the step that just ended, as it stays on screen; nothing when none was open. */
  private closeStep(): string[] {
    const step = this.step;
    this.step = undefined;
    return step ? [this.stepText(step, this.live ? 'latest' : 'worst')] : [];
  }

  private stepText(step: StepLine, which: 'live' | 'latest' | 'worst'): string {
    const head = `  [${step.step}%] ${formatWeights(step.weights)}`;
    const v = which === 'worst' ? step.worst : step.latest;
    if (!v) return which === 'live' ? `${head}  … analysing` : head;
    const count =
      which === 'live'
        ? ` (window ${step.windows})`
        : which === 'worst' && step.windows > 1
          ? ` (worst of ${step.windows} windows)`
          : '';
    return `${head}  ${windowText(v)}${count}`;
  }

  /** Phase 3's summary: error rate, p99 against the baseline, anomalies; once, when verification ends. */
  private verification(): string[] {
    const v = this.verifying;
    this.verifying = undefined;
    if (!v || v.windows.length === 0) return [];
    const measured = v.windows.filter((w) => w.newColour.requests > 0);
    const maxRate = Math.max(0, ...measured.map((w) => w.newColour.errorRate));
    const p99s = measured.map((w) => w.newColour.p99Ms).filter((p): p is number => p !== undefined);
    const baseline = v.windows.map((w) => w.baselineP99Ms).findLast((p) => p !== undefined);
    const failed = v.windows.filter((w) => w.outcome === 'fail');
    const blind = v.windows.filter((w) => w.outcome === 'insufficient');
    const errorsOk = failed.every((w) => !w.reasons.some((r) => /error/i.test(r)));
    const latencyOk = failed.every((w) => !w.reasons.some((r) => /p99|latency/i.test(r)));
    const lines = [
      measured.length === 0
        ? `  … Error rate: not measured (no requests in ${v.windows.length} windows)`
        : `  ${errorsOk ? '✓ Error rate stable' : '✗ Error rate'}: ${percent(maxRate)} at most over ${measured.length} windows`,
      p99s.length === 0
        ? '  … P99 latency: not measured'
        : `  ${latencyOk ? '✓' : '✗'} P99 latency: ${Math.round(Math.max(...p99s))}ms${baseline === undefined ? ' (no baseline measured)' : ` (baseline: ${Math.round(baseline)}ms)`}`,
    ];
    if (failed.length === 0 && blind.length === 0) lines.push('  ✓ No anomalies detected');
    if (failed.length > 0)
      lines.push(
        `  ✗ ${failed.length} of ${v.windows.length} windows failed: ${failed.at(-1)!.reasons.join('; ')}`,
      );
    if (blind.length > 0)
      lines.push(
        `  … ${blind.length} of ${v.windows.length} windows without a verdict: ${blind.at(-1)!.reasons.join('; ') || 'too little traffic'}`,
      );
    return lines;
  }
}

/** `120` → "2 minutes", `90` → "90 seconds". */
function duration(seconds: number): string {
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}
