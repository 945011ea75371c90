import { beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { profileOf } from '../../../packages/sandbox/src/scenarios.js';
import { KubeSimulation } from '../../../packages/sandbox/src/kube/simulation.js';
import { KubeApiError } from '../../../packages/sandbox/src/kube/status.js';
import type { KubeEvent, Pod } from '../../../packages/sandbox/src/kube/types.js';

/** A clock that only moves when told to. */
class ManualClock implements Clock {
  readonly scale = 1;
  constructor(private t = Date.parse('2025-03-01T12:00:00Z')) {}
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

const CLUSTER = 'c1';
const NS = 'shop';
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout';

let clock: ManualClock;
let sim: KubeSimulation;

beforeEach(() => {
  clock = new ManualClock();
  sim = new KubeSimulation(clock, (v) => profileOf(v));
  sim.ensureNamespace(CLUSTER, NS);
});

function seed(name: string, tag: string, replicas = 1): void {
  sim.seedDeployment(CLUSTER, NS, {
    name,
    app: name,
    colour: 'blue',
    container: 'app',
    image: `${REPO}:${tag}`,
    replicas,
  });
}

function setImage(name: string, tag: string, replicas?: number): void {
  const next = structuredClone(sim.deployment(CLUSTER, NS, name));
  next.spec.template.spec.containers[0]!.image = `${REPO}:${tag}`;
  if (replicas !== undefined) next.spec.replicas = replicas;
  sim.updateDeployment(CLUSTER, NS, name, next);
}

function podOf(name: string): Pod {
  const [first] = sim.podsOf(CLUSTER, NS, name);
  if (!first) throw new Error(`no pod of ${name}`);
  return sim.pod(CLUSTER, NS, first.name);
}

function eventsAbout(podName: string): KubeEvent[] {
  return sim
    .namespace(CLUSTER, NS)!
    .events.items.list({ index: { name: 'involvedObject.name', value: podName } }).items;
}

describe('KubeSimulation: what each scenario version does to its pods', () => {
  const cases: Array<{
    tag: string;
    phase: string;
    ready: boolean;
    waiting?: RegExp;
    last?: { reason: string; exitCode: number };
    event: { type: string; reason: string; message: RegExp };
  }> = [
    {
      tag: '1.3.0',
      phase: 'Running',
      ready: true,
      event: { type: 'Normal', reason: 'Started', message: /^Started container app$/ },
    },
    {
      tag: '1.3.0-errors',
      phase: 'Running',
      ready: true,
      event: { type: 'Normal', reason: 'Pulled', message: /Successfully pulled image/ },
    },
    {
      tag: '1.3.0-slow',
      phase: 'Running',
      ready: true,
      event: { type: 'Normal', reason: 'Created', message: /^Created container: app$/ },
    },
    {
      tag: '1.3.1-crashloop',
      phase: 'Running',
      ready: false,
      waiting: /^CrashLoopBackOff$/,
      last: { reason: 'Error', exitCode: 1 },
      event: {
        type: 'Warning',
        reason: 'BackOff',
        message: /^Back-off restarting failed container app in pod /,
      },
    },
    {
      tag: '1.3.1-oom',
      phase: 'Running',
      ready: false,
      waiting: /^CrashLoopBackOff$/,
      last: { reason: 'OOMKilled', exitCode: 137 },
      event: { type: 'Warning', reason: 'BackOff', message: /^Back-off restarting failed container/ },
    },
    {
      tag: '1.3.1-missing',
      phase: 'Pending',
      ready: false,
      waiting: /^(ErrImagePull|ImagePullBackOff)$/,
      event: {
        type: 'Warning',
        reason: 'Failed',
        message: /^Failed to pull image ".*:1\.3\.1-missing": .*: not found$/,
      },
    },
    {
      tag: '1.3.1-notready',
      phase: 'Running',
      ready: false,
      event: {
        type: 'Warning',
        reason: 'Unhealthy',
        message: /^Readiness probe failed: HTTP probe failed with statuscode: 503$/,
      },
    },
    {
      tag: '1.3.1-pending',
      phase: 'Pending',
      ready: false,
      event: {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: /^0\/3 nodes are available: 3 Insufficient cpu\.$/,
      },
    },
  ];

  it.each(cases)(
    '$tag: $phase, ready=$ready, $event.reason',
    ({ tag, phase, ready, waiting, last, event }) => {
      // Arrange
      seed('web', '1.2.0');
      // Act
      setImage('web', tag);
      clock.advance(120);
      const pods = sim.podsOf(CLUSTER, NS, 'web').filter((p) => p.image.endsWith(`:${tag}`));
      // Assert
      expect(pods).toHaveLength(1);
      const pod = sim.pod(CLUSTER, NS, pods[0]!.name);
      expect(pod.status.phase).toBe(phase);
      expect(pods[0]!.ready).toBe(ready);
      expect(pod.status.conditions.find((c) => c.type === 'Ready')?.status ?? 'False').toBe(
        ready ? 'True' : 'False',
      );
      const container = pod.status.containerStatuses?.[0];
      if (waiting) expect(container?.state.waiting?.reason).toMatch(waiting);
      if (last) {
        expect(container?.lastState.terminated).toMatchObject(last);
        expect(container?.restartCount).toBeGreaterThanOrEqual(2);
      }
      const events = eventsAbout(pod.metadata.name);
      expect(
        events.some(
          (e) => e.type === event.type && e.reason === event.reason && event.message.test(e.message),
        ),
      ).toBe(true);
    },
  );

  it('marks an unschedulable pod PodScheduled=False, Unschedulable, without node or IP', () => {
    // Arrange
    seed('pending', '1.3.1-pending');
    // Act
    const pod = podOf('pending');
    // Assert
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    );
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.podIP).toBeUndefined();
  });

  it('folds repeated events into one with a rising count', () => {
    // Arrange
    seed('flaky', '1.3.1-notready');
    const name = podOf('flaky').metadata.name;
    const before = eventsAbout(name).find((e) => e.reason === 'Unhealthy')!.count;
    // Act
    clock.advance(300);
    const after = eventsAbout(name).filter((e) => e.reason === 'Unhealthy');
    // Assert
    expect(after).toHaveLength(1);
    expect(after[0]!.count).toBe(before + 30);
    expect(after[0]!.lastTimestamp > after[0]!.firstTimestamp).toBe(true);
  });

  it('moves ErrImagePull to ImagePullBackOff with back-off events', () => {
    // Arrange
    seed('typo', '1.2.0');
    setImage('typo', '1.3.1-missing');
    // Act
    clock.advance(6);
    const pod = sim.podsOf(CLUSTER, NS, 'typo').find((p) => p.image.endsWith('missing'))!;
    // Assert
    expect(pod.reason).toBe('ImagePullBackOff');
    const reasons = eventsAbout(pod.name).map((e) => `${e.reason}: ${e.message}`);
    expect(reasons).toContain('Failed: Error: ErrImagePull');
    expect(reasons).toContain('Failed: Error: ImagePullBackOff');
  });
});

describe('KubeSimulation: the Deployment controller', () => {
  it('seeds Deployments whose pods are Ready at start, with IPs and status filled in', () => {
    // Arrange / Act
    seed('api', '1.2.0', 3);
    const dep = sim.deployment(CLUSTER, NS, 'api');
    const pods = sim.podsOf(CLUSTER, NS, 'api');
    // Assert
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.ready && /^10\.\d+\.\d+\.\d+$/.test(p.ip ?? ''))).toBe(true);
    expect(dep.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(dep.status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Available=True/MinimumReplicasAvailable',
      'Progressing=True/NewReplicaSetAvailable',
    ]);
  });

  it('rolls out a good version: new ReplicaSet scaled up, old one down, generation observed', () => {
    // Arrange
    seed('api', '1.2.0', 3);
    const rvBefore = sim.deployment(CLUSTER, NS, 'api').metadata.resourceVersion;
    // Act
    setImage('api', '1.3.0');
    const justPatched = structuredClone(sim.deployment(CLUSTER, NS, 'api'));
    clock.advance(120);
    const dep = sim.deployment(CLUSTER, NS, 'api');
    // Assert
    expect(justPatched.metadata.generation).toBe(2);
    expect(justPatched.metadata.resourceVersion).not.toBe(rvBefore);
    expect(dep.status).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(dep.status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
    const pods = sim.podsOf(CLUSTER, NS, 'api');
    expect(pods.map((p) => p.image)).toEqual([`${REPO}:1.3.0`, `${REPO}:1.3.0`, `${REPO}:1.3.0`]);
    const scaling = sim
      .namespace(CLUSTER, NS)!
      .events.items.list({ index: { name: 'involvedObject.name', value: 'api' } })
      .items.filter((e) => e.reason === 'ScalingReplicaSet');
    expect(scaling.some((e) => /^Scaled up replica set api-\w+ from 0 to 1$/.test(e.message))).toBe(true);
    expect(scaling.some((e) => /^Scaled down replica set api-\w+ from 1 to 0$/.test(e.message))).toBe(true);
  });

  it('keeps the old pods serving while a crash-looping version never becomes available, then reports ProgressDeadlineExceeded', () => {
    // Arrange
    seed('api', '1.2.0', 3);
    setImage('api', '1.3.1-crashloop');
    // Act
    clock.advance(300);
    const midway = structuredClone(sim.deployment(CLUSTER, NS, 'api'));
    clock.advance(400);
    const dep = sim.deployment(CLUSTER, NS, 'api');
    // Assert
    expect(midway.status.conditions?.find((c) => c.type === 'Progressing')?.status).toBe('True');
    expect(dep.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(dep.status).toMatchObject({ updatedReplicas: 1, availableReplicas: 3, replicas: 4 });
    expect(sim.podsOf(CLUSTER, NS, 'api').filter((p) => p.ready)).toHaveLength(3);
  });

  it('scales without a new ReplicaSet when only replicas change', () => {
    // Arrange
    seed('api', '1.2.0', 2);
    // Act
    setImage('api', '1.2.0', 5);
    clock.advance(60);
    const pods = sim.podsOf(CLUSTER, NS, 'api');
    // Assert
    expect(pods).toHaveLength(5);
    expect(new Set(pods.map((p) => p.name.split('-').slice(0, -1).join('-'))).size).toBe(1);
    expect(sim.deployment(CLUSTER, NS, 'api').status.readyReplicas).toBe(5);
  });

  it('lists Ready pods first and leaves terminating ones out', () => {
    // Arrange
    seed('api', '1.2.0', 2);
    setImage('api', '1.3.1-notready');
    // Act
    clock.advance(30);
    const pods = sim.podsOf(CLUSTER, NS, 'api');
    // Assert
    expect(pods.map((p) => p.ready)).toEqual([true, true, false]);
  });

  it.each([
    {
      change: 'negative replicas',
      field: 'spec.replicas',
      mutate: (d: { spec: { replicas: number } }) => void (d.spec.replicas = -1),
    },
    {
      change: 'an empty image',
      field: 'spec.template.spec.containers[0].image',
      mutate: (d: { spec: { template: { spec: { containers: Array<{ image: string }> } } } }) =>
        void (d.spec.template.spec.containers[0]!.image = ''),
    },
  ])('refuses $change with 422 Invalid naming $field', ({ field, mutate }) => {
    // Arrange
    seed('api', '1.2.0');
    const next = structuredClone(sim.deployment(CLUSTER, NS, 'api'));
    mutate(next);
    // Act
    const act = (): unknown => sim.updateDeployment(CLUSTER, NS, 'api', next);
    // Assert
    expect(act).toThrow(KubeApiError);
    try {
      act();
    } catch (err) {
      expect((err as KubeApiError).code).toBe(422);
      expect((err as KubeApiError).details?.causes?.[0]?.field).toBe(field);
    }
  });
});

describe('KubeSimulation: logs, Ingresses and bulk population', () => {
  it.each([
    { tag: '1.3.0', expected: /INFO GET \/api\/\w+ 200/ },
    { tag: '1.3.0-errors', expected: /ERROR .* 500[\s\S]*\n {4}at \w+/ },
    { tag: '1.3.0-slow', expected: /WARN slow request/ },
    { tag: '1.3.1-crashloop', expected: /panic: runtime error/ },
    { tag: '1.3.1-notready', expected: /ERROR readiness check failed/ },
  ])('writes $tag logs matching $expected', ({ tag, expected }) => {
    // Arrange
    seed('web', tag);
    clock.advance(600);
    // Act
    const log = sim.podLog(CLUSTER, NS, podOf('web').metadata.name, {});
    // Assert
    expect(log).toMatch(expected);
  });

  it('writes nothing after start-up for an OOM-killed container', () => {
    // Arrange
    seed('web', '1.3.1-oom');
    // Act
    const lines = sim.podLog(CLUSTER, NS, podOf('web').metadata.name, {}).trim().split('\n');
    // Assert
    expect(lines.at(-1)).toMatch(/warming product cache/);
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it('bounds logs by tailLines and limitBytes and prefixes timestamps on request', () => {
    // Arrange
    seed('web', '1.3.0');
    clock.advance(3600);
    const name = podOf('web').metadata.name;
    // Act
    const tail = sim.podLog(CLUSTER, NS, name, { tailLines: 5, timestamps: true });
    const bytes = sim.podLog(CLUSTER, NS, name, { limitBytes: 100 });
    // Assert
    expect(tail.trimEnd().split('\n')).toHaveLength(5);
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z INFO /);
    expect(Buffer.byteLength(bytes)).toBeLessThanOrEqual(100);
  });

  it('reads the whole previous instance of a crash-looping container, however recently it restarted', () => {
    // Arrange: step until the container has just been restarted (back-off reaches 5 minutes).
    seed('web', '1.3.1-crashloop');
    const name = podOf('web').metadata.name;
    let restarts = podOf('web').status.containerStatuses![0]!.restartCount;
    let restarted = false;
    for (let i = 0; i < 2400 && !restarted; i++) {
      clock.advance(0.25);
      const status = podOf('web').status.containerStatuses![0]!;
      restarted = status.restartCount > restarts && status.state.running !== undefined;
      restarts = status.restartCount;
    }
    expect(restarted).toBe(true);
    // Act
    const previous = sim.podLog(CLUSTER, NS, name, { previous: true });
    const current = sim.podLog(CLUSTER, NS, name, {});
    // Assert
    expect(previous).toMatch(/FATAL cannot connect to database[\s\S]*panic: runtime error/);
    expect(current).not.toMatch(/FATAL/);
  });

  it('refuses the log of a container that never started with 400', () => {
    // Arrange
    seed('web', '1.3.1-missing');
    // Act
    const act = (): unknown => sim.podLog(CLUSTER, NS, podOf('web').metadata.name, {});
    // Assert
    expect(act).toThrow(/is waiting to start: trying and failing to pull image/);
  });

  it('moves an Ingress’s updatedAt only when its annotations change', () => {
    // Arrange
    sim.seedIngress(CLUSTER, NS, {
      name: 'web',
      annotations: { a: '1' },
      host: 'web.example',
      action: 'blue-green',
    });
    const seeded = sim.ingress(CLUSTER, NS, 'web')!.updatedAt;
    const labelled = structuredClone(sim.getIngress(CLUSTER, NS, 'web'));
    labelled.metadata.labels = { team: 'shop' };
    // Act
    sim.updateIngress(CLUSTER, NS, 'web', labelled);
    const afterLabel = sim.ingress(CLUSTER, NS, 'web')!.updatedAt;
    clock.advance(5);
    const annotated = structuredClone(sim.getIngress(CLUSTER, NS, 'web'));
    annotated.metadata.annotations = { a: '2' };
    sim.updateIngress(CLUSTER, NS, 'web', annotated);
    // Assert
    expect(afterLabel).toBe(seeded);
    expect(sim.ingress(CLUSTER, NS, 'web')).toEqual({ annotations: { a: '2' }, updatedAt: clock.now() });
  });

  it('populates a namespace with 5,000 settled pods and exactly 20,000 events', () => {
    // Arrange
    sim.ensureNamespace(CLUSTER, 'load');
    // Act
    const result = sim.populate(CLUSTER, 'load', { pods: 5000, events: 20_000 });
    clock.advance(3600);
    const ns = sim.namespace(CLUSTER, 'load')!;
    // Assert
    expect(result.pods).toBe(5000);
    expect(result.events).toBe(20_000);
    expect(ns.pods.size).toBe(5000);
    expect(ns.events.items.size).toBe(20_000);
    expect(result.behaviours['crash-loop']).toBe(50);
    const crashing = ns.pods.list({
      filter: (p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff',
    });
    expect(crashing.items).toHaveLength(50 + 25);
  });
});
