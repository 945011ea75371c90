import { describe, expect, it } from 'vitest';
import { AnalysisSchema } from '../../../src/config.js';
import type { EventSummary, PodSummary } from '../../../src/platform/kube-types.js';
import type { DeploymentState } from '../../../src/platform/types.js';
import { colourMetricsAnalyzer } from '../../../src/tools/diagnostics/analyzers/colour-metrics.js';
import { verifiedBaseline } from '../../../src/tools/diagnostics/baseline.js';
import { crashLoopAnalyzer } from '../../../src/tools/diagnostics/analyzers/crash-loop.js';
import { probesAnalyzer } from '../../../src/tools/diagnostics/analyzers/probes.js';
import { progressDeadlineAnalyzer } from '../../../src/tools/diagnostics/analyzers/progress-deadline.js';
import { compose } from '../../../src/tools/diagnostics/compose.js';
import type { Changes } from '../../../src/tools/diagnostics/changes.js';
import { ANALYZERS, analyzerRegistry, runAnalyzers } from '../../../src/tools/diagnostics/registry.js';
import { renderDiagnosis } from '../../../src/tools/diagnostics/render.js';
import type { VersionVerdict } from '../../../src/store/store.js';
import type { ColourFacts, Facts, Finding } from '../../../src/tools/diagnostics/types.js';

// Hand-built facts: the analyzers are pure functions of them, so each concern is checked without a cluster.

function deployment(name: string, extra: Partial<DeploymentState> = {}): DeploymentState {
  return {
    namespace: 'shop',
    name,
    image: `repo/checkout:1.3.0`,
    version: '1.3.0',
    replicas: 3,
    generation: 2,
    observedGeneration: 2,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    selector: `app=checkout,colour=${name.split('-')[1]}`,
    progressDeadlineExceeded: false,
    conditions: [],
    ...extra,
  };
}

function colour(c: 'blue' | 'green', weight: number, extra: Partial<ColourFacts> = {}): ColourFacts {
  return {
    colour: c,
    weight,
    role: weight === 100 ? 'stable' : weight === 0 ? 'standby' : 'canary',
    servesTraffic: weight > 0,
    targetGroupArn: `arn:tg/${c}`,
    deploymentName: `checkout-${c}`,
    deployment: deployment(`checkout-${c}`),
    pods: [],
    podsListed: true,
    podsTruncated: false,
    targets: [],
    figures: undefined,
    ...extra,
  };
}

function facts(extra: Partial<Facts> = {}): Facts {
  return {
    env: 'prd',
    service: 'checkout',
    defaultService: true,
    namespace: 'shop',
    container: 'app',
    now: Date.parse('2025-06-01T12:00:00Z'),
    weights: { blue: 100, green: 0 },
    colours: { blue: colour('blue', 100), green: colour('green', 0) },
    events: [],
    eventsTruncated: false,
    logs: [],
    analysis: AnalysisSchema.parse({ maxErrorRate: 0.01, maxLatencyRatio: 2, minRequests: 50 }),
    windowSeconds: 120,
    gaps: [],
    unreadable: [],
    history: { recent: [], running: undefined, release: undefined, verdicts: [], journal: [] },
    ...extra,
  };
}

function pod(name: string, extra: Partial<PodSummary> = {}): PodSummary {
  return {
    name,
    namespace: 'shop',
    phase: 'Running',
    ready: true,
    restarts: 0,
    node: 'node-1',
    labels: {},
    containers: [
      { name: 'app', image: 'repo/checkout:1.3.0', ready: true, restartCount: 0, state: 'running' },
    ],
    conditions: [],
    terminating: false,
    ...extra,
  };
}

function unhealthy(podName: string, message: string, count = 3): EventSummary {
  return {
    type: 'Warning',
    reason: 'Unhealthy',
    message,
    count,
    involvedObject: { kind: 'Pod', name: podName },
    lastTimestamp: '2025-06-01T11:59:00Z',
  };
}

const figures = (requests: number, errors: number, p99Ms: number) => ({
  requests,
  errors,
  errorRate: errors / requests,
  p99Ms,
});

describe('colour-metrics', () => {
  const cases: Array<[string, Facts, Array<Partial<Finding>>]> = [
    [
      'a canary erroring far above the stable colour',
      facts({
        weights: { blue: 75, green: 25 },
        colours: {
          blue: colour('blue', 75, { figures: figures(3000, 3, 120) }),
          green: colour('green', 25, { figures: figures(1000, 80, 130) }),
        },
      }),
      [{ severity: 'critical', colour: 'green' }],
    ],
    [
      'a canary three times slower',
      facts({
        weights: { blue: 90, green: 10 },
        colours: {
          blue: colour('blue', 90, { figures: figures(3000, 1, 120) }),
          green: colour('green', 10, { figures: figures(300, 0, 400) }),
        },
      }),
      [{ severity: 'warning', colour: 'green' }],
    ],
    [
      'the stable colour alone, erroring',
      facts({
        colours: {
          blue: colour('blue', 100, { figures: figures(5000, 400, 120) }),
          green: colour('green', 0),
        },
      }),
      [{ severity: 'critical', colour: 'blue' }],
    ],
    [
      'both colours erroring alike',
      facts({
        weights: { blue: 50, green: 50 },
        colours: {
          blue: colour('blue', 50, { figures: figures(2000, 100, 120) }),
          green: colour('green', 50, { figures: figures(2000, 110, 120) }),
        },
      }),
      [{ severity: 'critical' }],
    ],
    [
      'too few requests for a verdict',
      facts({
        weights: { blue: 90, green: 10 },
        colours: {
          blue: colour('blue', 90, { figures: figures(3000, 1, 120) }),
          green: colour('green', 10, { figures: figures(20, 10, 900) }),
        },
      }),
      [],
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    // Act
    const findings = colourMetricsAnalyzer.analyze(input);
    // Assert
    expect(findings).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(findings[i]).toMatchObject(e));
  });

  it('names both figures and the limit in an out-of-line error rate', () => {
    const [finding] = colourMetricsAnalyzer.analyze(cases[0]![1]);

    expect(finding!.finding).toBe(
      'Error rate of checkout-green (1.3.0, 25% of traffic) is 8.00% against 0.10% on blue over the last 120 s (limit 1.00%).',
    );
  });
});

describe('the verified baseline kept in the store', () => {
  // The only live colour, 1.3.0, slower than when it was verified; the metrics source has no past window.
  const verified: VersionVerdict = {
    version: '1.3.0',
    verdict: 'known_good' as const,
    at: Date.parse('2025-06-01T09:00:00Z'),
    deploymentId: 12,
    figures: { requests: 24_000, errors: 12, errorRate: 0.0005, p99Ms: 45, seconds: 300 },
  };
  const live = (p99: number, verdicts: VersionVerdict[] = [verified]) =>
    facts({
      colours: { blue: colour('blue', 100, { figures: figures(5000, 2, p99) }), green: colour('green', 0) },
      history: { recent: [], running: undefined, release: undefined, verdicts, journal: [] },
    });

  it('holds the only live colour against what its version measured when it was verified', () => {
    // Arrange
    const input = live(400);
    input.baseline = verifiedBaseline(input);

    // Act
    const [finding, ...rest] = colourMetricsAnalyzer.analyze(input);

    // Assert
    expect(input.baseline).toMatchObject({
      for: 'blue',
      label: '1.3.0 when it was verified (deployment #12)',
    });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ analyzer: 'colour-metrics', colour: 'blue' });
    expect(finding!.finding).toMatch(
      /^p99 latency of checkout-blue \(1\.3\.0, stable\) is 400 ms, 8\.9× that of 1\.3\.0 when it was verified \(deployment #12\) \(45 ms\)/,
    );
    expect(finding!.evidence).toContainEqual(
      expect.stringMatching(/^baseline, 1\.3\.0 when it was verified/),
    );
  });

  it('finds nothing when the live colour measures as it did when verified', () => {
    const input = live(47);
    input.baseline = verifiedBaseline(input);

    expect(colourMetricsAnalyzer.analyze(input)).toEqual([]);
  });

  it('has no verified baseline for a version without recorded figures, or when both colours take traffic', () => {
    const { figures: _none, ...withoutFigures } = verified;
    const split = facts({
      weights: { blue: 50, green: 50 },
      colours: { blue: colour('blue', 50), green: colour('green', 50) },
      history: { recent: [], running: undefined, release: undefined, verdicts: [verified], journal: [] },
    });

    expect(verifiedBaseline(live(400, [withoutFigures]))).toBeUndefined();
    expect(verifiedBaseline(split)).toBeUndefined();
  });
});

describe('probes', () => {
  it('reports failing liveness on a live colour as critical, with the kubelet messages quoted', () => {
    // Arrange
    const input = facts({
      colours: {
        blue: colour('blue', 100, { pods: [pod('checkout-blue-abc-1', { ready: false })] }),
        green: colour('green', 0),
      },
      events: [
        unhealthy(
          'checkout-blue-abc-1',
          'Liveness probe failed: Get "http://10.0.0.1:8080/healthz": context deadline exceeded',
        ),
      ],
    });
    // Act
    const [finding] = probesAnalyzer.analyze(input);
    // Assert
    expect(finding).toMatchObject({ severity: 'critical', colour: 'blue' });
    expect(finding!.finding).toMatch(/^Liveness probe .* the kubelet restarts the container/);
    expect(finding!.quoted!.lines[0]).toMatch(/context deadline exceeded \(×3\)$/);
    expect(finding!.next.command).toBe('kubectl -n shop describe pod checkout-blue-abc-1');
  });

  it('treats readiness failures of pods that are ready again as information', () => {
    const input = facts({
      colours: {
        blue: colour('blue', 100, { pods: [pod('checkout-blue-abc-1')] }),
        green: colour('green', 0),
      },
      events: [
        unhealthy('checkout-blue-abc-1', 'Readiness probe failed: HTTP probe failed with statuscode: 503'),
      ],
    });

    expect(probesAnalyzer.analyze(input)[0]).toMatchObject({ severity: 'info' });
  });
});

describe('progress-deadline and crash-loop', () => {
  it('reports a stalled Deployment with its Progressing condition', () => {
    const input = facts({
      colours: {
        blue: colour('blue', 100),
        green: colour('green', 0, {
          deployment: deployment('checkout-green', {
            progressDeadlineExceeded: true,
            availableReplicas: 1,
            conditions: [
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: 'ReplicaSet "checkout-green-7d9f" has timed out progressing.',
              },
            ],
          }),
        }),
      },
    });

    const [finding] = progressDeadlineAnalyzer.analyze(input);

    expect(finding).toMatchObject({ severity: 'warning', colour: 'green' });
    expect(finding!.evidence).toContain(
      'Progressing: ReplicaSet "checkout-green-7d9f" has timed out progressing.',
    );
    expect(finding!.next.command).toBe('kubectl -n shop describe deployment checkout-green');
  });

  it('sees a crash loop between two back-offs, from the failed last instance', () => {
    const restarted = pod('checkout-green-abc-1', {
      ready: false,
      restarts: 2,
      containers: [
        {
          name: 'app',
          image: 'repo/checkout:1.3.1',
          ready: false,
          restartCount: 2,
          state: 'running',
          lastTermination: { reason: 'Error', exitCode: 2 },
        },
      ],
    });
    const input = facts({
      colours: { blue: colour('blue', 100), green: colour('green', 0, { pods: [restarted] }) },
    });

    expect(crashLoopAnalyzer.analyze(input)[0]!.finding).toMatch(/ends with exit code 2 \(Error\)/);
  });
});

describe('analyzer registry', () => {
  it('registers every analyzer once', () => {
    const names = ANALYZERS.map((a) => a.name);

    expect(new Set(names).size).toBe(names.length);
    expect(analyzerRegistry()).toBe(ANALYZERS);
  });

  it('refuses two analyzers with one name', () => {
    expect(() => analyzerRegistry([crashLoopAnalyzer, { ...probesAnalyzer, name: 'crash-loop' }])).toThrow(
      'two analyzers are named crash-loop',
    );
  });

  it('turns an analyzer that throws into a gap and keeps the others', () => {
    // Arrange
    const input = facts({
      colours: { blue: colour('blue', 100, { figures: figures(5000, 400, 120) }), green: colour('green', 0) },
    });
    const broken = {
      name: 'broken',
      analyze: (): Finding[] => {
        throw new Error('boom');
      },
    };
    // Act
    const findings = runAnalyzers([broken, colourMetricsAnalyzer], input);
    // Assert
    expect(findings.map((f) => f.analyzer)).toEqual(['colour-metrics']);
    expect(input.gaps).toEqual(['analyzer broken failed: boom']);
  });
});

describe('compose and render', () => {
  const changes: Changes = {
    weights: { blue: 100, green: 0 },
    colours: {
      blue: { role: 'stable', weight: 100, version: '1.2.0', ready: '3/3 ready' },
      green: { role: 'standby', weight: 0, version: '1.3.1', ready: '0/3 ready' },
    },
    standby: 'green',
    rolloutInProgress: null,
    lastDeployments: [],
  };
  const finding = (severity: Finding['severity'], i: number): Finding => ({
    analyzer: `a${i}`,
    severity,
    finding: `finding ${i} ${'x'.repeat(400)}`,
    evidence: [`password=hunter${i}`],
    next: { step: 'look', command: 'kubectl -n shop get pods' },
  });

  it('keeps the most severe findings within the budget and counts the rest by severity', () => {
    // Arrange
    const all = [finding('info', 1), finding('critical', 2), finding('warning', 3), finding('info', 4)];
    // Act
    const d = compose(facts(), changes, all, 2400);
    // Assert
    expect(Buffer.byteLength(JSON.stringify(d))).toBeLessThanOrEqual(2400);
    expect(d.findings.map((f) => f.analyzer)).toEqual(['a2', 'a3']);
    expect(d.leftOut).toEqual({ findings: 2, critical: 0, warning: 0, info: 2 });
    expect(d.summary).toBe('4 findings: 1 critical, 1 warning, 2 info.');
    expect(JSON.stringify(d)).not.toMatch(/hunter\d/);
  });

  it('renders the findings in order, and nothing at all for what is not a diagnosis', () => {
    const d = compose(facts(), changes, [finding('warning', 1), finding('critical', 2)], 8000);

    const text = renderDiagnosis(JSON.parse(JSON.stringify(d)))!;

    expect(text.indexOf('1. [CRITICAL] finding 2')).toBeGreaterThan(0);
    expect(text.indexOf('2. [WARNING] finding 1')).toBeGreaterThan(text.indexOf('1. [CRITICAL]'));
    expect(text).toContain(
      'Traffic: blue 100% stable, 1.2.0, 3/3 ready · green 0% standby, 1.3.1, 0/3 ready.',
    );
    expect(renderDiagnosis({ error: 'nope' })).toBeUndefined();
    expect(renderDiagnosis('text')).toBeUndefined();
  });
});
