import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { startJarvis, type Jarvis } from '../../src/app.js';
import { parseConfig, SANDBOX_CONFIG_PATH, serviceOf } from '../../src/config.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { SANDBOX_CREDENTIALS } from '@jarvis/sandbox';
import { SqliteStore } from '../../src/store/sqlite.js';
import { rawRead, rawWrite } from './raw-alb.js';
import { median, type Figure } from './stats.js';

/**
 * Jarvis on an in-process sandbox (scale 1, real time, unless told), with a store file in a temp
 * directory. What is timed never sleeps on the release clock, so a faster clock only shortens set-up.
 */
export async function start(
  configText?: string,
  timeScale = 1,
): Promise<{ jarvis: Jarvis; dir: string; storePath: string; done: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-'));
  const storePath = join(dir, 'jarvis.db');
  let configPath: string | undefined;
  if (configText) {
    configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, configText);
    parseConfig(configText, configPath);
  }
  const jarvis = await startJarvis({
    env: loadEnvSettings({
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      ...(configPath ? { JARVIS_CONFIG: configPath } : {}),
    }),
    sandbox: true,
    timeScale,
    storePath,
  });
  return {
    jarvis,
    dir,
    storePath,
    done: async () => {
      await jarvis.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Rollback to a known-good standby once the person confirmed it (the plan is worked out before the
 * question), against the floor: the same SDK calls made raw, in the same order, with nothing around them
 * (no lock, no journal, no store). Each round first releases a new version (not timed), so that the
 * standby holds a verified build to go back to.
 */
export async function benchRollback(rounds = 12): Promise<Figure[]> {
  const { jarvis, done } = await start(undefined, 400);
  try {
    const route = jarvis.rollouts.route('dev', 'checkout');
    const kube = jarvis.platform.forEnv('dev').kube;
    const elb = new ElasticLoadBalancingV2Client({
      region: route.region,
      endpoint: jarvis.sandbox!.awsEndpoint,
      credentials: SANDBOX_CREDENTIALS,
    });
    const engineTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const release = await jarvis.rollouts.deploy({
        env: 'dev',
        service: 'checkout',
        version: `1.5.${i}`,
        actor: 'bench',
      });
      if (release.deployment.status !== 'SUCCESS')
        throw new Error(`set-up release ended ${release.deployment.status}`);
      const plan = await jarvis.rollouts.planRollback('dev', 'checkout');
      const t0 = performance.now();
      const back = await jarvis.rollouts.rollback({
        env: 'dev',
        service: 'checkout',
        actor: 'bench',
        expect: plan,
      });
      engineTimes.push(performance.now() - t0);
      if (back.deployment.status !== 'SUCCESS') throw new Error(`rollback ended ${back.deployment.status}`);
      const ports = { workloads: kube };

      // The same calls, raw: read weights, both Deployments, standby target health, write, read back. The
      // write keeps the weights where they are, so that the next round starts from the state just verified.
      const t1 = performance.now();
      const groups = await rawRead(elb, route);
      const live = groups.find((g) => (g.Weight ?? 0) > 0)!.TargetGroupArn!;
      const standby = groups.find((g) => g.TargetGroupArn !== live)!.TargetGroupArn!;
      await Promise.all([
        ports.workloads.getDeployment(route.namespace, route.deployments.blue, route.container),
        ports.workloads.getDeployment(route.namespace, route.deployments.green, route.container),
      ]);
      await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: standby }));
      await rawRead(elb, route);
      await rawWrite(elb, route, [
        { TargetGroupArn: live, Weight: 100 },
        { TargetGroupArn: standby, Weight: 0 },
      ]);
      await rawRead(elb, route);
      rawTimes.push(performance.now() - t1);
    }
    elb.destroy();
    const e = median(engineTimes);
    const r = median(rawTimes);
    return [
      { name: 'rollback to known-good standby, confirmed, median', value: e, unit: 'ms' },
      { name: 'same SDK calls made raw (floor), median', value: r, unit: 'ms' },
      { name: 'rollback / floor', value: e / r, unit: 'x', goal: '≤ 1.5', ok: e / r <= 1.5 },
    ];
  } finally {
    await done();
  }
}

/** The analysis the breach bench runs with: what "abort within one interval of a breach" assumes. */
const BREACH_ANALYSIS = {
  intervalSeconds: 2,
  // Abort on the first failing window (also the schema's default, set here so the bench says it).
  consecutiveFailures: 1,
  // At 10% the sandbox's 200 requests/s leave ~40 requests in a 2 s window: with the default 50 every
  // window at 10% would be "insufficient" and the rollout would stop for lack of evidence instead.
  minRequests: 20,
  maxErrorRate: 0.01,
};

/** The sandbox configuration with the dev checkout service set up for the breach bench. */
function breachConfig(): string {
  const doc = parseDocument(readFileSync(SANDBOX_CONFIG_PATH, 'utf8'));
  const svc = ['environments', 'dev', 'services', 'checkout'];
  doc.setIn([...svc, 'steps'], [10, 25, 50, 100]);
  // Long enough at 25% for a clean window, the breach and its detection; short enough to keep trials quick.
  doc.setIn([...svc, 'bakeSeconds'], 10);
  doc.setIn([...svc, 'verifySeconds'], 10);
  doc.setIn([...svc, 'analysis'], doc.createNode(BREACH_ANALYSIS));
  const text = doc.toString();
  const applied = serviceOf(parseConfig(text, 'bench'), 'dev', 'checkout').analysis;
  for (const [key, value] of Object.entries(BREACH_ANALYSIS)) {
    if (applied[key as keyof typeof applied] !== value)
      throw new Error(
        `bench config: dev/checkout analysis.${key} is ${applied[key as keyof typeof applied]}, not ${value}`,
      );
  }
  return text;
}

interface BreachTrial {
  /** Breach → verified abort, real milliseconds; undefined when the trial did not measure that. */
  totalMs?: number;
  /** Failing verdict emitted → verified abort, real milliseconds. */
  abortMs?: number;
  /** Why the trial measured nothing. */
  invalid?: string;
}

/**
 * Time from an error breach (the new version starts failing mid-step) to the verified abort, in real
 * time with a 2-second analysis interval and an abort on the first failing window. Each trial lets one
 * window pass at 25%, then breaches at a different point of the analysis interval, the last one just
 * before a window closes (too little of it fails to fail it, so the next window must): the goal, one
 * interval + 1 s, holds for each.
 */
export async function benchBreachToAbort(): Promise<Figure[]> {
  const intervalMs = BREACH_ANALYSIS.intervalSeconds * 1000;
  const goalMs = intervalMs + 1000;
  const trials: Array<[string, number]> = [
    ['just after a window', 0],
    ['mid-interval', intervalMs / 2],
    ['50 ms before a window', intervalMs - 50],
  ];
  const { jarvis, done } = await start(breachConfig());
  const figures: Figure[] = [];
  const aborts: number[] = [];
  try {
    for (const [i, [when, offsetMs]] of trials.entries()) {
      const trial = await breachTrial(jarvis, `1.3.${i}`, offsetMs);
      if (trial.abortMs !== undefined) aborts.push(trial.abortMs);
      const value = trial.totalMs ?? Number.NaN;
      figures.push({
        name: `error breach → verified abort (interval 2 s), breach ${when}`,
        value,
        unit: 'ms',
        goal: `≤ ${goalMs}`,
        ok: value <= goalMs,
        ...(trial.invalid ? { note: trial.invalid } : {}),
      });
    }
  } finally {
    await done();
  }
  figures.push({
    name: 'of which failing verdict → verified abort, median',
    value: median(aborts),
    unit: 'ms',
  });
  return figures;
}

/**
 * One deploy of `version` to dev/checkout that makes the version fail `offsetMs` after the first window
 * passed at 25%. The breach starts when the sandbox starts counting the version's errors: it settles the
 * traffic served so far, then swaps the profile.
 */
async function breachTrial(jarvis: Jarvis, version: string, offsetMs: number): Promise<BreachTrial> {
  const world = jarvis.sandbox!.world;
  // Preparing is not measured: let the new pods turn ready in a second instead of eight.
  world.versionOverrides.set(version, { ...world.profile(version), readySeconds: 1 });
  let breachAt: number | undefined;
  let failedAt: number | undefined;
  let abortedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const breach = (): void => {
    world.traffic.settle();
    world.versionOverrides.set(version, {
      behaviour: 'high-error-rate',
      errorRate: 0.2,
      p99Ms: 120,
      readySeconds: 1,
    });
    breachAt = performance.now();
  };
  const result = await jarvis.rollouts.deploy({
    env: 'dev',
    service: 'checkout',
    version,
    actor: 'bench',
    onEvent: (e) => {
      if (e.kind === 'analysis' && e.step === 25 && e.verdict.outcome === 'pass' && !timer) {
        timer = setTimeout(breach, offsetMs);
      }
      if (e.kind === 'analysis' && e.verdict.outcome === 'fail' && breachAt !== undefined) {
        failedAt ??= performance.now();
      }
      if (e.kind === 'finished') abortedAt = performance.now();
    },
  });
  clearTimeout(timer);
  const { status, reason } = result.deployment;
  const route = world.route('dev', 'checkout')!;
  const blue = world.forwardOf(route.routeArn).find((g) => g.TargetGroupArn === route.blue)?.Weight;
  if (breachAt === undefined || abortedAt === undefined) {
    return { invalid: `${version}: no breach; the deploy ended ${status}: ${reason ?? 'no reason'}` };
  }
  if (status !== 'ROLLED_BACK' || !reason?.startsWith('analysis failed') || blue !== 100) {
    return { invalid: `${version}: ended ${status} (${reason ?? 'no reason'}), blue at ${blue}%` };
  }
  return {
    totalMs: abortedAt - breachAt,
    ...(failedAt === undefined ? {} : { abortMs: abortedAt - failedAt }),
  };
}

/** Cost of one durable journal append on a real database file. */
export async function benchJournal(entries = 2000): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-store-'));
  const store = new SqliteStore(join(dir, 'jarvis.db'));
  try {
    const d = await store.startDeployment({
      env: 'dev',
      service: 'checkout',
      version: '1.0.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'bench',
      startedAt: Date.now(),
    });
    const t0 = performance.now();
    for (let seq = 1; seq <= entries; seq++) {
      await store.appendJournal({
        deploymentId: d.id,
        seq,
        state: 'shift',
        data: { step: seq % 100, from: { blue: 50, green: 50 } },
        at: Date.now(),
      });
    }
    const per = (performance.now() - t0) / entries;
    return [{ name: `journal append (file, WAL), mean of ${entries}`, value: per * 1000, unit: 'µs' }];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
