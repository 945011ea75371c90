import { describe, expect, it } from 'vitest';
import type { RolloutEvent, Verdict } from '../../src/rollout/events.js';
import { FlowView } from '../../src/rollout/flow.js';

const base = { env: 'prd', service: 'checkout', deploymentId: 7 };

const figures = (errorRate: number, p99Ms: number | undefined, requests = 1000) => ({
  requests,
  errors: Math.round(errorRate * requests),
  errorRate,
  p99Ms,
});

const verdict = (
  outcome: Verdict['outcome'],
  errorRate: number,
  p99Ms: number,
  reasons: string[] = [],
): Verdict => ({
  outcome,
  newColour: figures(errorRate, p99Ms),
  stableColour: figures(0.0001, 42),
  baselineP99Ms: 42,
  reasons,
});

const started: RolloutEvent = {
  ...base,
  kind: 'started',
  strategy: 'promote',
  version: '1.3.0',
  colour: 'green',
  checks: [
    { name: 'promotion', ok: true, detail: '1.3.0 succeeded in tst (deployment #12)' },
    { name: 'image', ok: true, detail: 'checkout:1.3.0 in ECR, no CRITICAL findings' },
  ],
  state: [
    { colour: 'blue', version: '1.2.0', weight: 100, role: 'active' },
    { colour: 'green', version: '1.2.0', weight: 0, role: 'standby' },
  ],
};

const weights = (step: number, stepIndex: number): RolloutEvent => ({
  ...base,
  kind: 'weights',
  step,
  stepIndex,
  steps: 4,
  weights: { blue: 100 - step, green: step },
  newColour: 'green',
});

const analysis = (step: number, v: Verdict): RolloutEvent => ({
  ...base,
  kind: 'analysis',
  step,
  weights: { blue: 100 - step, green: step },
  newColour: 'green',
  verdict: v,
});

const phase = (
  p: Extract<RolloutEvent, { kind: 'phase' }>['phase'],
  message: string,
  extra = {},
): RolloutEvent => ({
  ...base,
  kind: 'phase',
  phase: p,
  message,
  ...extra,
});

/** A prd promotion that takes: four steps of two windows each (the second of 25% worse), then verification. */
const release: RolloutEvent[] = [
  started,
  phase('prepare', 'checkout-green (green) → repo/checkout:1.3.0, 3 replicas', {
    prepare: { stage: 'image', image: 'repo/checkout:1.3.0', replicas: 3, colour: 'green' },
  }),
  phase('prepare', 'checkout-green: 1/3 ready on 1.3.0, 0 restarts'),
  phase('prepare', 'checkout-green: 3/3 pods ready on 1.3.0', {
    prepare: { stage: 'pods', ready: 3, replicas: 3 },
  }),
  phase('prepare', 'green ready: 3/3 targets healthy', {
    prepare: { stage: 'targets', healthy: 3, targets: 3 },
  }),
  weights(10, 0),
  analysis(10, verdict('pass', 0.0001, 44)),
  analysis(10, verdict('pass', 0.0001, 43)),
  weights(25, 1),
  analysis(25, verdict('pass', 0.0003, 45)),
  analysis(25, verdict('pass', 0.0001, 44)),
  weights(50, 2),
  analysis(50, verdict('pass', 0.0002, 44)),
  weights(100, 3),
  analysis(100, verdict('pass', 0.0001, 44)),
  phase('verify', 'holding green at 100% for 600s', { seconds: 600 }),
  analysis(100, verdict('pass', 0.0001, 45)),
  analysis(100, verdict('pass', 0.0001, 43)),
  phase('finalise', 'green is stable at 1.3.0; blue stays as standby'),
  { ...base, kind: 'finished', status: 'SUCCESS', reason: undefined, durationMs: 765_000, version: '1.3.0' },
];

/** Everything that stays on screen, in order, and each line drawn in place. */
function play(events: readonly RolloutEvent[], live: boolean): { lines: string[]; drawn: string[] } {
  const view = new FlowView(live);
  const lines: string[] = [];
  const drawn: string[] = [];
  for (const e of events) {
    const update = view.push(e);
    lines.push(...update.lines);
    if (update.live) drawn.push(update.live);
  }
  return { lines, drawn };
}

describe('FlowView: a release in the order and shapes of seed 001', () => {
  it('piped: pre-checks and current state first, the three phases, one line per step with its worst window', () => {
    const { lines } = play(release, false);
    expect(lines).toEqual([
      'Starting Blue/Green promotion of checkout 1.3.0 to PRD...',
      '',
      'Pre-promotion checks:',
      '  ✓ promotion: 1.3.0 succeeded in tst (deployment #12)',
      '  ✓ image: checkout:1.3.0 in ECR, no CRITICAL findings',
      '',
      'Current state:',
      '  Blue (Active):   v1.2.0  ← 100% traffic',
      '  Green (Standby): v1.2.0',
      '',
      'Phase 1: Deploying 1.3.0 to Green...',
      '  ✓ Image: repo/checkout:1.3.0 (3 replicas)',
      '  ✓ Pods deployed: 3/3 ready',
      '  ✓ Health checks passing: 3/3 targets healthy',
      '',
      'Phase 2: Traffic shift starting...',
      '  [10%] Blue: 90% | Green: 10%  ✓ Error rate: 0.01% p99: 44ms (worst of 2 windows)',
      '  [25%] Blue: 75% | Green: 25%  ✓ Error rate: 0.03% p99: 45ms (worst of 2 windows)',
      '  [50%] Blue: 50% | Green: 50%  ✓ Error rate: 0.02% p99: 44ms',
      '  [100%] Blue: 0% | Green: 100%  ✓ Error rate: 0.01% p99: 44ms',
      '',
      'Phase 3: Verification (10 minutes)...',
      '  ✓ Error rate stable: 0.01% at most over 2 windows',
      '  ✓ P99 latency: 45ms (baseline: 42ms)',
      '  ✓ No anomalies detected',
      '',
    ]);
  });

  it('on a terminal: each step line is redrawn in place with its latest window and stays with it', () => {
    const { lines, drawn } = play(release, true);
    expect(lines).toContain('  [25%] Blue: 75% | Green: 25%  ✓ Error rate: 0.01% p99: 44ms');
    expect(lines.filter((l) => l.startsWith('  [')).length).toBe(4);
    expect(drawn).toEqual(
      expect.arrayContaining([
        '  … checkout-green: 1/3 ready on 1.3.0, 0 restarts',
        '  [25%] Blue: 75% | Green: 25%  … analysing',
        '  [25%] Blue: 75% | Green: 25%  ✓ Error rate: 0.03% p99: 45ms (window 1)',
        '  [25%] Blue: 75% | Green: 25%  ✓ Error rate: 0.01% p99: 44ms (window 2)',
        '  verifying: window 2 ✓ Error rate: 0.01% p99: 43ms',
      ]),
    );
  });

  it('a failing window: the step shows it with its reason, the abort follows, and no verification is claimed', () => {
    const failed = verdict('fail', 0.052, 310, ['error rate 5.20% > 1.00%']);
    const { lines } = play(
      [
        started,
        weights(10, 0),
        analysis(10, verdict('pass', 0.0001, 44)),
        weights(25, 1),
        analysis(25, verdict('pass', 0.0001, 44)),
        analysis(25, failed),
        phase('abort', 'error rate 5.20% > 1.00%; all traffic back to blue'),
        {
          ...base,
          kind: 'finished',
          status: 'ROLLED_BACK',
          reason: 'error rate',
          durationMs: 1000,
          version: '1.3.0',
        },
      ],
      false,
    );
    const tail = lines.slice(lines.indexOf('Phase 2: Traffic shift starting...'));
    expect(tail).toEqual([
      'Phase 2: Traffic shift starting...',
      '  [10%] Blue: 90% | Green: 10%  ✓ Error rate: 0.01% p99: 44ms',
      '  [25%] Blue: 75% | Green: 25%  ✗ Error rate: 5.20% p99: 310ms (error rate 5.20% > 1.00%) (worst of 2 windows)',
      '  ✗ error rate 5.20% > 1.00%; all traffic back to blue',
      '',
    ]);
    expect(lines.some((l) => l.startsWith('Phase 3'))).toBe(false);
  });

  it('verification that saw no traffic says it measured nothing rather than "stable"', () => {
    const quiet: Verdict = {
      outcome: 'insufficient',
      newColour: figures(0, undefined, 0),
      stableColour: undefined,
      baselineP99Ms: undefined,
      reasons: ['12 requests < 100'],
    };
    const { lines } = play(
      [
        phase('verify', 'holding green at 100% for 120s', { seconds: 120 }),
        analysis(100, quiet),
        {
          ...base,
          kind: 'finished',
          status: 'ROLLED_BACK',
          reason: 'no verdict',
          durationMs: 1,
          version: '1.3.0',
        },
      ],
      false,
    );
    expect(lines).toEqual([
      '',
      'Phase 3: Verification (2 minutes)...',
      '  … Error rate: not measured (no requests in 1 windows)',
      '  … P99 latency: not measured',
      '  … 1 of 1 windows without a verdict: 12 requests < 100',
      '',
    ]);
    expect(lines.join('\n')).not.toMatch(/stable|No anomalies/);
  });

  it('a rollback: where it goes, and the one weight write', () => {
    const { lines } = play(
      [
        { ...started, strategy: 'rollback', version: '1.2.0', colour: 'blue', checks: [] },
        phase('switch', 'all traffic to blue (1.2.0) in one write'),
        {
          ...base,
          kind: 'weights',
          step: 100,
          stepIndex: 0,
          steps: 1,
          weights: { blue: 100, green: 0 },
          newColour: 'blue',
        },
        { ...base, kind: 'finished', status: 'SUCCESS', reason: undefined, durationMs: 1, version: '1.2.0' },
      ],
      false,
    );
    expect(lines).toEqual([
      'Rolling back checkout in PRD to 1.2.0 (Blue)...',
      '  [100%] Blue: 100% | Green: 0%',
      '',
    ]);
  });
});
