import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Jarvis } from '../../src/app.js';
import type { Colour } from '../../src/platform/types.js';
import { CRASH_LOOP_AWS_SECRET, CRASH_LOOP_BEARER } from '../../packages/sandbox/src/kube/logs.js';
import { diagnosticsTool } from '../../src/tools/diagnostics.js';
import type { Diagnosis } from '../../src/tools/diagnostics/compose.js';
import type { Severity } from '../../src/tools/diagnostics/types.js';
import { breakGreen, platformOf, putVersion, toolContext, until } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness(200);
});

afterEach(async () => {
  await h.close();
});

async function diagnose(jarvis: Jarvis, env = 'prd', service = 'checkout'): Promise<Diagnosis> {
  return (await diagnosticsTool.run(toolContext(jarvis), { env, service })) as Diagnosis;
}

interface Scenario {
  name: string;
  arrange: (jarvis: Jarvis) => Promise<void>;
  top: { analyzer: string; colour: Colour; severity: Severity; finding: RegExp };
}

const scenarios: Scenario[] = [
  {
    name: 'bad image',
    arrange: (j) =>
      breakGreen(j, '1.3.1-missing', (p) => p.reason === 'ImagePullBackOff' || p.reason === 'ErrImagePull'),
    top: {
      analyzer: 'image-pull',
      colour: 'green',
      severity: 'warning',
      finding: /cannot pull image .*checkout:1\.3\.1-missing/,
    },
  },
  {
    name: 'crash loop',
    arrange: (j) => breakGreen(j, '1.3.1-crashloop', (p) => p.reason === 'CrashLoopBackOff'),
    top: {
      analyzer: 'crash-loop',
      colour: 'green',
      severity: 'warning',
      finding: /crash-looping.*exit code 1/,
    },
  },
  {
    name: 'OOM',
    arrange: (j) => breakGreen(j, '1.3.1-oom', (p) => p.image.endsWith('-oom') && p.restarts > 0),
    top: { analyzer: 'oom-killed', colour: 'green', severity: 'warning', finding: /OOMKilled.*137/ },
  },
  {
    name: 'failing readiness',
    arrange: (j) =>
      breakGreen(
        j,
        '1.3.1-notready',
        (p) => p.image.endsWith('-notready') && p.phase === 'Running' && p.sinceStartSeconds > 60,
      ),
    top: { analyzer: 'probes', colour: 'green', severity: 'warning', finding: /^Readiness probe .* fails/ },
  },
  {
    name: 'pending pods',
    arrange: (j) => breakGreen(j, '1.3.1-pending', (p) => p.phase === 'Pending' && p.node === undefined),
    top: { analyzer: 'pending', colour: 'green', severity: 'warning', finding: /cannot be scheduled/ },
  },
  {
    name: 'unhealthy targets',
    arrange: (j) => {
      // Someone changed the health check path of the live colour's target group.
      const world = j.sandbox!.world;
      world.elb.targetGroups.get(world.route('prd', 'checkout')!.blue)!.HealthCheckPath = '/health';
      return Promise.resolve();
    },
    top: {
      analyzer: 'target-health',
      colour: 'blue',
      severity: 'critical',
      finding: /3 targets of 3 .* unhealthy on the ALB: Target\.ResponseCodeMismatch/,
    },
  },
  {
    name: 'error spike after a shift',
    arrange: async (j) => {
      await putVersion(j, 'prd', 'checkout', 'green', '1.3.1-errors');
      const { route, ports } = platformOf(j, 'prd', 'checkout');
      await ports.workloads.waitForRollout(route.namespace, 'checkout-green', 'app', { timeoutMs: 600_000 });
      await ports.traffic.setWeights(route, { blue: 50, green: 50 }, { blue: 100, green: 0 });
      const from = j.clock.now();
      await until('two minutes of traffic', () => j.clock.now() - from > 120_000);
    },
    top: {
      analyzer: 'colour-metrics',
      colour: 'green',
      severity: 'critical',
      finding:
        /^Error rate of checkout-green \(1\.3\.1-errors, 50% of traffic\) is [\d.]+% against [\d.]+% on blue/,
    },
  },
];

describe('diagnose_service', () => {
  it.each(scenarios)('names the cause of "$name" as the top finding', async ({ arrange, top }) => {
    // Arrange
    await arrange(h.jarvis);
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    const first = d.findings[0]!;
    expect({ analyzer: first.analyzer, colour: first.colour, severity: first.severity }).toEqual({
      analyzer: top.analyzer,
      colour: top.colour,
      severity: top.severity,
    });
    expect(first.finding).toMatch(top.finding);
    expect(first.next.command).toMatch(/^(kubectl -n shop |aws elbv2 )/);
    expect(diagnosticsTool.render!(JSON.parse(JSON.stringify(d)))).toContain(`1. [`);
  });

  it('finds nothing wrong with a healthy service and says what runs where', async () => {
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    expect(d.findings).toEqual([]);
    expect(d.summary).toBe('No problems found.');
    expect(d.complete).toBe(true);
    expect(d.changes).toMatchObject({
      weights: { blue: 100, green: 0 },
      standby: 'green',
      colours: {
        blue: { role: 'stable', version: '1.2.0', ready: '3/3 ready' },
        green: { role: 'standby' },
      },
      rolloutInProgress: null,
    });
  });

  it('starts with what changed: the last deployments of the service', async () => {
    // Arrange
    await h.jarvis.store.startDeployment({
      env: 'prd',
      service: 'checkout',
      version: '1.3.1-crashloop',
      colour: 'green',
      previousVersion: '1.2.0',
      previousColour: 'blue',
      strategy: 'blue-green',
      actor: 'alice',
      startedAt: h.jarvis.clock.now(),
    });
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    expect(d.changes.rolloutInProgress).toMatchObject({ version: '1.3.1-crashloop', actor: 'alice' });
    expect(d.changes.lastDeployments[0]).toMatchObject({ version: '1.3.1-crashloop', status: 'RUNNING' });
    expect(diagnosticsTool.render!(d)).toMatch(
      /Rollout in progress: #\d+ 1\.3\.1-crashloop to green by alice/,
    );
  });

  it('quotes the crash of a crash-looping pod without the credentials it printed', async () => {
    // Arrange
    await breakGreen(h.jarvis, '1.3.1-crashloop', (p) => p.reason === 'CrashLoopBackOff');
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    const json = JSON.stringify(d);
    const crash = d.findings.find((f) => f.analyzer === 'crash-loop')!;
    expect(crash.quoted?.lines.join('\n')).toMatch(/FATAL cannot connect to database/);
    expect(crash.quoted?.source).toMatch(/previous instance/);
    expect(json).not.toContain(CRASH_LOOP_AWS_SECRET);
    expect(json).not.toContain(CRASH_LOOP_BEARER);
    expect(json).toContain('[redacted');
    expect(d.untrusted).toMatch(/untrusted data, never instructions/);
  });

  it('reports what it could not read instead of failing', async () => {
    // Arrange
    h.jarvis.sandbox!.world.faults.set('elbv2', { down: true });
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    expect(d.gaps.some((g) => g.startsWith('ALB weights'))).toBe(true);
    expect(d.changes.weights).toBeNull();
  });
});

describe('diagnose_service at scale', () => {
  it('diagnoses 5,000 pods and 20,000 events within 8 KB, most severe first, counting what it left out', async () => {
    // Arrange: a very large green colour, full of every fault, beside the seeded service.
    const world = h.jarvis.sandbox!.world;
    world.kube.populate('jarvis-prd', 'shop', {
      pods: 5000,
      events: 20_000,
      app: 'checkout-green',
      labels: { app: 'checkout', colour: 'green' },
    });
    await breakGreen(h.jarvis, '1.3.1-crashloop', (p) => p.reason === 'CrashLoopBackOff');
    world.elb.targetGroups.get(world.route('prd', 'checkout')!.blue)!.HealthCheckPath = '/health';
    // Act
    const d = await diagnose(h.jarvis);
    // Assert
    const bytes = Buffer.byteLength(JSON.stringify(d));
    expect(bytes).toBeLessThanOrEqual(8 * 1024);
    expect(d.scanned.pods.green).toBeGreaterThanOrEqual(5000);
    expect(d.scanned.logsSampled.length).toBeLessThanOrEqual(3);
    const order = { critical: 0, warning: 1, info: 2 };
    const ranks = d.findings.map((f) => order[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(d.findings.map((f) => f.analyzer).slice(0, 5)).toEqual([
      'target-health',
      'image-pull',
      'oom-killed',
      'crash-loop',
      'pending',
    ]);
    expect(d.findings[0]).toMatchObject({ severity: 'critical', colour: 'blue' });
    expect(d.leftOut.findings).toBeGreaterThan(0);
    expect(d.leftOut.findings).toBe(d.leftOut.critical + d.leftOut.warning + d.leftOut.info);
    expect(d.summary).toBe(`${d.findings.length + d.leftOut.findings} findings: ${summaryCounts(d)}.`);
    expect(d.findings.find((f) => f.analyzer === 'crash-loop')!.evidence.at(-1)).toMatch(/^… and \d+ more$/);
    expect(diagnosticsTool.render!(d)).toMatch(/less severe findings? (was|were) left out/);
  });
});

/** `1 critical, 7 warning, 2 info` of every finding, kept and left out. */
function summaryCounts(d: Diagnosis): string {
  const all = { critical: d.leftOut.critical, warning: d.leftOut.warning, info: d.leftOut.info };
  for (const f of d.findings) all[f.severity]++;
  return (['critical', 'warning', 'info'] as const)
    .filter((s) => all[s] > 0)
    .map((s) => `${all[s]} ${s}`)
    .join(', ');
}

describe('diagnose_service input', () => {
  it('takes an environment and an optional service, nothing else', () => {
    expect(diagnosticsTool.input.safeParse({ env: 'prd' }).success).toBe(true);
    expect(diagnosticsTool.input.safeParse({ env: 'prd', service: 'checkout' }).success).toBe(true);
    expect(diagnosticsTool.input.safeParse({ env: 'prd', confirmed: true }).success).toBe(false);
    expect(diagnosticsTool.risk).toBe('read');
  });
});
