import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Jarvis } from '../../../src/app.js';
import type { Colour } from '../../../src/platform/types.js';
import type { FaultSpec, SandboxApi } from '../../../packages/sandbox/src/faults.js';
import { setNodeCondition } from '../../../packages/sandbox/src/kube/nodes.js';
import { seedHpa, seedPdb } from '../../../packages/sandbox/src/kube/scaling.js';
import { diagnosticsTool } from '../../../src/tools/diagnostics.js';
import type { Diagnosis } from '../../../src/tools/diagnostics/compose.js';
import type { Severity } from '../../../src/tools/diagnostics/types.js';
import { recordKnownGood } from '../../e2e/helpers.js';
import { platformOf, podsOf, putVersion, toolContext, until } from '../../helpers/faults.js';
import { startHarness, type Harness } from '../../helpers/jarvis.js';

// Incidents rehearsed against the sandbox, each diagnosed through the real SDK clients: the finding named
// first, its severity, the absence of false findings, and the next step people are told to take.

let h: Harness;

beforeEach(async () => {
  h = await startHarness(200);
});

afterEach(async () => {
  await h.close();
});

async function diagnose(jarvis: Jarvis): Promise<{ d: Diagnosis; text: string }> {
  const d = (await diagnosticsTool.run(toolContext(jarvis), {
    env: 'prd',
    service: 'checkout',
  })) as Diagnosis;
  return { d, text: diagnosticsTool.render!(JSON.parse(JSON.stringify(d)))! };
}

/** `version` on `colour`, rolled out (its pods ready). */
async function rolledOut(j: Jarvis, colour: Colour, version: string): Promise<void> {
  await putVersion(j, 'prd', 'checkout', colour, version);
  const { route, ports } = platformOf(j, 'prd', 'checkout');
  await ports.workloads.waitForRollout(route.namespace, route.deployments[colour], route.container, {
    timeoutMs: 600_000,
  });
}

async function setWeights(j: Jarvis, blue: number, green: number): Promise<void> {
  const { route, ports } = platformOf(j, 'prd', 'checkout');
  await ports.traffic.setWeights(route, { blue, green }, await ports.traffic.readWeights(route));
}

/** Two minutes of simulated traffic: one full metrics window. */
async function trafficWindow(j: Jarvis): Promise<void> {
  const from = j.clock.now();
  await until('two minutes of traffic', () => j.clock.now() - from > 125_000);
}

/** A RUNNING deployment of `version` to green, as a rollout in progress records it. */
async function rolloutRunning(j: Jarvis, version: string): Promise<number> {
  const d = await j.store.startDeployment({
    env: 'prd',
    service: 'checkout',
    version,
    colour: 'green',
    previousVersion: '1.2.0',
    previousColour: 'blue',
    strategy: 'blue-green',
    actor: 'alice',
    startedAt: j.clock.now(),
  });
  return d.id;
}

/** The release state after `1.3.0-errors` on green failed and was rolled back: blue live, green failed. */
async function rolledBackFrom(j: Jarvis, version: string): Promise<void> {
  await rolledOut(j, 'green', version);
  const now = j.clock.now();
  const d = await rolloutRunning(j, version);
  await j.store.finishDeployment(d, 'ROLLED_BACK', 'error rate 8.00% above 1.00%', now, {
    state: {
      live: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: now },
      standby: {
        colour: 'green',
        version,
        verdict: 'failed',
        at: now,
        reason: 'error rate 8.00% above 1.00%',
      },
      weights: { blue: 100, green: 0 },
    },
    verdicts: [
      { version, verdict: 'failed', at: now, deploymentId: d, reason: 'error rate 8.00% above 1.00%' },
      { version: '1.2.0', verdict: 'known_good', at: now - 1, deploymentId: d },
      { version: '1.1.0', verdict: 'known_good', at: now - 2, deploymentId: d },
    ],
  });
}

const faulty =
  (colour: Colour, version: string, shows: (p: ReturnType<typeof podsOf>[number]) => boolean) =>
  async (j: Jarvis): Promise<void> => {
    await putVersion(j, 'prd', 'checkout', colour, version);
    await until(`${colour} pods of ${version}`, () => podsOf(j, 'prd', 'checkout', colour).some(shows));
  };

const FAILURES = [
  {
    version: '1.3.1-crashloop',
    analyzer: 'crash-loop',
    shows: (p: { reason?: string }) => p.reason === 'CrashLoopBackOff',
  },
  {
    version: '1.3.1-missing',
    analyzer: 'image-pull',
    shows: (p: { reason?: string }) => p.reason === 'ImagePullBackOff' || p.reason === 'ErrImagePull',
  },
  { version: '1.3.1-oom', analyzer: 'oom-killed', shows: (p: { restarts: number }) => p.restarts > 0 },
  {
    version: '1.3.1-pending',
    analyzer: 'pending',
    shows: (p: { phase: string; node?: string }) => p.phase === 'Pending' && p.node === undefined,
  },
  {
    version: '1.3.1-noconfig',
    analyzer: 'config-missing',
    shows: (p: { reason?: string }) => p.reason === 'CreateContainerConfigError',
  },
] as const;

/** A condition of the node under the first pod of `colour`, as the node controller reports it. */
function nodeUnder(j: Jarvis, colour: Colour, type: 'Ready' | 'MemoryPressure' | 'DiskPressure'): string {
  const node = podsOf(j, 'prd', 'checkout', colour)[0]!.node!;
  const bad = type === 'Ready';
  setNodeCondition(
    j.sandbox!.world,
    j.config.environments.prd!.cluster,
    node,
    type,
    bad ? 'Unknown' : 'True',
    bad ? 'NodeStatusUnknown' : `KubeletHas${type}`,
    bad ? 'Kubelet stopped posting node status.' : `kubelet has ${type}`,
  );
  return node;
}

/** The cluster and namespace of prd/checkout, for scenarios that seed objects in them. */
function where(j: Jarvis): [string, string] {
  const env = j.config.environments.prd!;
  return [env.cluster, env.namespace];
}

/** A FailedCreate event of the replicaset controller about a ReplicaSet of `colour`, as a quota causes. */
function quotaRefuses(j: Jarvis, colour: Colour): void {
  const world = j.sandbox!.world;
  const env = j.config.environments.prd!;
  const ns = world.kube.namespace(env.cluster, env.namespace)!;
  ns.events.record(
    j.clock.now(),
    { kind: 'ReplicaSet', name: `checkout-${colour}-5c4d9f`, uid: 'rs-uid', apiVersion: 'apps/v1' },
    'Warning',
    'FailedCreate',
    `Error creating: pods "checkout-${colour}-5c4d9f-x2x7q" is forbidden: exceeded quota: shop-pods, requested: pods=1, used: pods=20, limited: pods=20`,
    { component: 'replicaset-controller' },
    4,
  );
}

interface Incident {
  name: string;
  arrange: (j: Jarvis) => Promise<void>;
  /** The finding named first; undefined: none at all. */
  first?: { analyzer: string; colour?: Colour; severity: Severity; finding?: RegExp };
  summary?: RegExp;
  /** Jarvis's command in the first finding's next step (null: none must be offered). */
  jarvis?: string | null;
  step?: RegExp;
  /** Analyzers that must not report anything here. */
  absent?: string[];
  text?: RegExp[];
}

const incidents: Incident[] = [
  {
    name: 'healthy',
    arrange: () => Promise.resolve(),
    summary: /^No problems found\.$/,
    text: [
      /No release of checkout in prd in the last 2 h; the cause is probably not a deploy\./,
      /Checked: ALB weights \(blue 100, green 0\); 6 pods and their restarts \(0\) of both colours; 6 ALB targets \(6 healthy\)/,
      /error rate and p99 over 120 s of both colours/,
    ],
  },
  ...FAILURES.map((f): Incident => ({
    name: `${f.version} on the standby`,
    arrange: faulty('green', f.version, f.shows as never),
    first: { analyzer: f.analyzer, colour: 'green', severity: 'warning' },
    jarvis: null,
    step: /No user reaches green/,
    absent: ['colour-metrics'],
  })),
  ...FAILURES.filter((f) => f.analyzer !== 'pending').map((f): Incident => ({
    name: `${f.version} at 10 % during a rollout`,
    arrange: async (j) => {
      await rolloutRunning(j, f.version);
      await faulty('green', f.version, f.shows as never)(j);
      await setWeights(j, 90, 10);
    },
    first: { analyzer: f.analyzer, colour: 'green', severity: 'critical', finding: /10% of traffic/ },
    jarvis: 'abort prd',
    step: /Abort the rollout \(#\d+, 1\.3\.1-\w+\): `abort prd` puts all traffic back on blue/,
  })),
  {
    name: 'a node NotReady under the live colour',
    arrange: (j) => {
      nodeUnder(j, 'blue', 'Ready');
      return Promise.resolve();
    },
    first: {
      analyzer: 'node-conditions',
      colour: 'blue',
      severity: 'critical',
      finding:
        /^\d+ pods? of checkout-blue \(1\.2\.0, stable\) runs? on a node in trouble: ip-[\d-]+\.compute\.internal NotReady \(NodeStatusUnknown: Kubelet stopped posting node status\.\)/,
    },
    text: [/kubectl describe node ip-/],
  },
  {
    name: 'DiskPressure on a node both colours share',
    arrange: (j) => {
      nodeUnder(j, 'green', 'DiskPressure');
      return Promise.resolve();
    },
    first: { analyzer: 'node-conditions', colour: 'blue', severity: 'critical', finding: /DiskPressure/ },
    text: [
      /\[WARNING\] \d+ pods? of checkout-green \(1\.1\.0, standby\) runs? on a node in trouble: .* DiskPressure/,
    ],
  },
  {
    name: 'the live colour held at its HPA maxReplicas',
    arrange: (j) => {
      seedHpa(j.sandbox!.world, ...where(j), {
        name: 'checkout-blue',
        deployment: 'checkout-blue',
        minReplicas: 2,
        maxReplicas: 3,
        currentReplicas: 3,
        wantedReplicas: 7,
      });
      return Promise.resolve();
    },
    first: {
      analyzer: 'hpa-at-max',
      colour: 'blue',
      severity: 'warning',
      finding:
        /^HorizontalPodAutoscaler checkout-blue holds checkout-blue \(1\.2\.0, stable\) at its maxReplicas \(3\)/,
    },
    text: [/kubectl -n shop describe hpa checkout-blue/],
  },
  {
    name: 'a PodDisruptionBudget allowing no disruption of the live colour',
    arrange: (j) => {
      seedPdb(j.sandbox!.world, ...where(j), {
        name: 'checkout',
        matchLabels: { app: 'checkout', colour: 'blue' },
        minAvailable: 3,
        currentHealthy: 3,
        desiredHealthy: 3,
        expectedPods: 3,
      });
      return Promise.resolve();
    },
    first: {
      analyzer: 'pdb-blocking',
      colour: 'blue',
      severity: 'warning',
      finding:
        /^PodDisruptionBudget checkout allows no disruption of checkout-blue \(1\.2\.0, stable\) \(minAvailable 3, 3 healthy of 3 required\)/,
    },
    absent: ['hpa-at-max'],
  },
  {
    name: 'a ResourceQuota refusing the pods of the standby',
    arrange: (j) => {
      quotaRefuses(j, 'green');
      return Promise.resolve();
    },
    first: {
      analyzer: 'quota-exceeded',
      colour: 'green',
      severity: 'warning',
      finding:
        /^ResourceQuota shop-pods of namespace shop forbids new pods of checkout-green \(1\.1\.0, standby\)/,
    },
    jarvis: null,
  },
  {
    name: 'the live colour scaled to zero: no targets behind 100 % of the traffic',
    arrange: async (j) => {
      const { route, ports } = platformOf(j, 'prd', 'checkout');
      await ports.workloads.setImageAndReplicas(
        route.namespace,
        'checkout-blue',
        'app',
        `${route.imageRepository}:1.2.0`,
        0,
      );
      const world = j.sandbox!.world;
      await until(
        'no blue targets',
        () => world.elb.targetGroups.size > 0 && podsOf(j, 'prd', 'checkout', 'blue').length === 0,
      );
    },
    first: {
      analyzer: 'no-endpoints',
      colour: 'blue',
      severity: 'critical',
      finding:
        /^The target group of checkout-blue \(1\.2\.0, stable\) has no registered targets: the ALB answers 100% of the requests with 503\./,
    },
    step: /checkout-blue is scaled to 0: scale it back up\./,
  },
  {
    name: 'the live colour without targets for a whole window: 5xx from the ALB itself',
    arrange: async (j) => {
      const { route, ports } = platformOf(j, 'prd', 'checkout');
      await ports.workloads.setImageAndReplicas(
        route.namespace,
        'checkout-blue',
        'app',
        `${route.imageRepository}:1.2.0`,
        0,
      );
      await until('no blue pods', () => podsOf(j, 'prd', 'checkout', 'blue').length === 0);
      await trafficWindow(j);
    },
    first: { analyzer: 'no-endpoints', colour: 'blue', severity: 'critical' },
    text: [
      /\[CRITICAL\] The ALB itself answered \d+ requests of \d+ for checkout-blue \(1\.2\.0, stable\) with 5xx/,
    ],
  },
  {
    name: 'a 10 % canary with 7× the p99 of the stable colour',
    arrange: async (j) => {
      await rolloutRunning(j, '1.3.1-slow');
      await rolledOut(j, 'green', '1.3.1-slow');
      await setWeights(j, 90, 10);
      await trafficWindow(j);
    },
    first: {
      analyzer: 'colour-metrics',
      colour: 'green',
      severity: 'critical',
      finding: /^p99 latency of .* [67]\.\d× that of blue/,
    },
    jarvis: 'abort prd',
  },
  {
    name: 'the live colour erroring, with a known-good standby',
    arrange: async (j) => {
      await recordKnownGood(j, 'prd');
      await rolledOut(j, 'blue', '1.3.1-errors');
      await trafficWindow(j);
    },
    first: {
      analyzer: 'colour-metrics',
      colour: 'blue',
      severity: 'critical',
      finding: /^Error rate of checkout-blue \(1\.3\.1-errors, stable\)/,
    },
    jarvis: 'rollback prd',
    step: /Roll back: `rollback prd` switches all traffic to green \(1\.1\.0, known good\)/,
  },
  {
    name: 'the live colour erroring with no release in the last 2 h',
    arrange: async (j) => {
      await rolledOut(j, 'blue', '1.3.1-errors');
      await trafficWindow(j);
    },
    first: { analyzer: 'colour-metrics', colour: 'blue', severity: 'critical' },
    jarvis: null,
    step: /No release of checkout in the last 2 h, so a rollback is unlikely to help/,
  },
  {
    name: 'the shift to 10 % of a rollout, lined up with the findings',
    arrange: async (j) => {
      const id = await rolloutRunning(j, '1.3.1-errors');
      await j.store.appendJournal({
        deploymentId: id,
        seq: 1,
        state: 'prepare',
        data: {},
        at: j.clock.now(),
      });
      await rolledOut(j, 'green', '1.3.1-errors');
      await setWeights(j, 90, 10);
      await j.store.appendJournal({
        deploymentId: id,
        seq: 2,
        state: 'shift',
        data: { step: 10, from: { blue: 100, green: 0 }, to: { blue: 90, green: 10 } },
        at: j.clock.now(),
      });
      await trafficWindow(j);
    },
    first: { analyzer: 'colour-metrics', colour: 'green', severity: 'critical' },
    jarvis: 'abort prd',
    text: [
      /The last traffic change was the shift to 10 % of checkout 1\.3\.1-errors \(deployment #\d+, blue-green to green by alice, RUNNING\), \d+ (s|min) before this diagnosis\./,
    ],
  },
  {
    name: 'the only live colour regressing after a completed release',
    arrange: async (j) => {
      await trafficWindow(j); // blue 1.2.0 serves alone: the baseline
      await rolledOut(j, 'green', '1.3.1-slow');
      const id = await rolloutRunning(j, '1.3.1-slow');
      await setWeights(j, 0, 100);
      await j.store.appendJournal({
        deploymentId: id,
        seq: 1,
        state: 'shift',
        data: { step: 100, from: { blue: 100, green: 0 }, to: { blue: 0, green: 100 } },
        at: j.clock.now(),
      });
      await j.store.finishDeployment(id, 'SUCCESS', undefined, j.clock.now());
      await trafficWindow(j);
    },
    first: {
      analyzer: 'colour-metrics',
      colour: 'green',
      severity: 'critical',
      finding:
        /^p99 latency of checkout-green \(1\.3\.1-slow, stable\) is \d+ ms, [67]\.\d× that of blue before the shift to 100 % of deployment #\d+ \(1\d\d ms\)/,
    },
    jarvis: 'rollback prd',
  },
  {
    name: 'the only live colour regressing with no release: against its own past',
    arrange: async (j) => {
      const from = j.clock.now();
      await until('35 minutes of traffic', () => j.clock.now() - from > 35 * 60_000, 30_000);
      await rolledOut(j, 'blue', '1.3.1-slow');
      await trafficWindow(j);
    },
    first: {
      analyzer: 'colour-metrics',
      colour: 'blue',
      severity: 'critical',
      finding:
        /^p99 latency of checkout-blue \(1\.3\.1-slow, stable\) is \d+ ms, [67]\.\d× that of blue itself 30 min earlier/,
    },
    jarvis: null,
    step: /No release of checkout in the last 2 h/,
  },
  {
    name: 'after a rollback: the standby holds a build that failed analysis',
    arrange: (j) => rolledBackFrom(j, '1.3.0-errors'),
    first: {
      analyzer: 'rollback-target',
      colour: 'green',
      severity: 'warning',
      finding:
        /^The rollback target 1\.3\.0-errors on green failed analysis \(error rate 8\.00% above 1\.00%\): `rollback prd` would re-prepare 1\.1\.0 on green first/,
    },
    jarvis: null,
    absent: ['colour-metrics', 'crash-loop'],
  },
  {
    name: 'two problems at once: live targets failing their health check, a crash loop on the standby',
    arrange: async (j) => {
      const world = j.sandbox!.world;
      world.elb.targetGroups.get(world.route('prd', 'checkout')!.blue)!.HealthCheckPath = '/health';
      await faulty('green', '1.3.1-crashloop', (p) => p.reason === 'CrashLoopBackOff')(j);
    },
    first: { analyzer: 'target-health', colour: 'blue', severity: 'critical' },
    text: [
      /2\. \[WARNING\] \d+ pods? of checkout-green \(1\.3\.1-crashloop, standby\) (is|are) crash-looping/,
    ],
  },
];

const down =
  (api: SandboxApi, spec: FaultSpec = { down: true }) =>
  (j: Jarvis) => {
    j.sandbox!.world.faults.set(api, spec);
    return Promise.resolve();
  };

const blind: Incident[] = [
  {
    name: 'the Kubernetes API down',
    arrange: down('kube'),
    summary:
      /^Incomplete: could not read the Kubernetes API \(unavailable \(503\)\); what could be read: ALB weights \(blue 100, green 0\); 6 ALB targets/,
    text: [/blue 100% stable, version unknown, unknown/],
  },
  {
    name: 'the Kubernetes API throttled',
    arrange: down('kube', { throttle: 100_000 }),
    summary: /^Incomplete: could not read the Kubernetes API \(throttled\)/,
  },
  {
    name: 'the EKS API down',
    arrange: down('eks'),
    summary: /^Incomplete: could not read the EKS API \(connection reset\)/,
  },
  {
    name: 'the ELBv2 API down',
    arrange: down('elbv2'),
    summary: /^Incomplete: could not read the ELBv2 API \(connection reset\); what could be read: 6 pods/,
    text: [/Traffic: blue weight unknown, 1\.2\.0, 3\/3 ready · green weight unknown, 1\.1\.0, 3\/3 ready\./],
  },
  {
    name: 'the ELBv2 API throttled while the live colour errors',
    arrange: async (j) => {
      await rolledOut(j, 'blue', '1.3.1-errors');
      await trafficWindow(j);
      j.sandbox!.world.faults.set('elbv2', { throttle: 100_000 });
    },
    summary:
      /^Incomplete: could not read the ELBv2 API \((throttled, )?no answer within 2\.5 s\); what could be read/,
    first: {
      analyzer: 'colour-metrics',
      colour: 'blue',
      severity: 'critical',
      finding: /^Error rate of checkout-blue \(1\.3\.1-errors, weight unknown, serving traffic\)/,
    },
  },
];

describe('diagnosis of rehearsed incidents', () => {
  it.each([...incidents, ...blind])('$name', async (incident) => {
    // Arrange
    await incident.arrange(h.jarvis);
    // Act
    const { d, text } = await diagnose(h.jarvis);
    // Assert
    if (incident.summary) expect(d.summary).toMatch(incident.summary);
    if (d.unreadable.length > 0) {
      expect(d.complete).toBe(false);
      expect(text).not.toContain('No problems found');
    }
    if (incident.first) {
      const first = d.findings[0]!;
      expect({ analyzer: first.analyzer, colour: first.colour, severity: first.severity }).toEqual({
        analyzer: incident.first.analyzer,
        colour: incident.first.colour,
        severity: incident.first.severity,
      });
      if (incident.first.finding) expect(first.finding).toMatch(incident.first.finding);
      if (incident.jarvis !== undefined) expect(first.next.jarvis).toBe(incident.jarvis ?? undefined);
      if (incident.step) expect(first.next.step).toMatch(incident.step);
      expect(first.next.command).toMatch(/^(kubectl -n shop |kubectl describe node |aws elbv2 )/);
    } else if (!incident.summary?.source.startsWith('^Incomplete')) {
      expect(d.findings).toEqual([]);
    }
    for (const a of incident.absent ?? []) expect(d.findings.map((f) => f.analyzer)).not.toContain(a);
    for (const pattern of incident.text ?? []) expect(text).toMatch(pattern);
    // Never an empty selector, never advice to roll back onto the colour that already has the traffic.
    expect(text).not.toMatch(/-l ''/);
    expect(text).not.toMatch(/roll back to the (other|standby) colour/);
  });
});
