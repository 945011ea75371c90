import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJarvis, type Jarvis } from '../../src/app.js';
import { parseConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { rollback } from '../../src/rollout/rollback.js';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { median, type Figure } from './stats.js';

/** Jarvis on an in-process sandbox at scale 1 (real time), with a store file in a temp directory. */
async function start(configText?: string): Promise<{ jarvis: Jarvis; done: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-'));
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
    timeScale: 1,
    storePath: join(dir, 'jarvis.db'),
  });
  return {
    jarvis,
    done: async () => {
      await jarvis.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Rollback to the standby colour through the engine, against the floor: the same SDK calls made raw, in
 * the same order, with nothing around them (no lock, no journal, no store).
 */
export async function benchRollback(rounds = 30): Promise<Figure[]> {
  const { jarvis, done } = await start();
  try {
    const { route, ports } = jarvis.engine.resolve('prd', 'checkout');
    const elb = new ElasticLoadBalancingV2Client({
      region: route.region,
      endpoint: jarvis.sandbox!.awsEndpoint,
      credentials: SANDBOX_CREDENTIALS,
    });
    const engineTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await rollback(jarvis.engine, { env: 'prd', service: 'checkout', actor: 'bench' });
      engineTimes.push(performance.now() - t0);

      // The same calls, raw: read weights, both Deployments, standby target health, write, read back.
      const t1 = performance.now();
      const rules = await elb.send(new DescribeRulesCommand({ RuleArns: [route.ruleArn!] }));
      const groups = rules.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups ?? [];
      const live = groups.find((g) => (g.Weight ?? 0) > 0)?.TargetGroupArn;
      const standby = groups.find((g) => g.TargetGroupArn !== live)!.TargetGroupArn!;
      await Promise.all([
        ports.workloads.getDeployment(route.namespace, route.deployments.blue, route.container),
        ports.workloads.getDeployment(route.namespace, route.deployments.green, route.container),
      ]);
      await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: standby }));
      await elb.send(new DescribeRulesCommand({ RuleArns: [route.ruleArn!] }));
      await elb.send(
        new ModifyRuleCommand({
          RuleArn: route.ruleArn!,
          Actions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: standby, Weight: 100 },
                  { TargetGroupArn: live!, Weight: 0 },
                ],
              },
            },
          ],
        }),
      );
      await elb.send(new DescribeRulesCommand({ RuleArns: [route.ruleArn!] }));
      rawTimes.push(performance.now() - t1);
    }
    elb.destroy();
    const e = median(engineTimes);
    const r = median(rawTimes);
    return [
      { name: 'rollback to standby (engine), median', value: e, unit: 'ms' },
      { name: 'same SDK calls made raw (floor), median', value: r, unit: 'ms' },
      { name: 'rollback / floor', value: e / r, unit: 'x', goal: '≤ 1.5', ok: e / r <= 1.5 },
    ];
  } finally {
    await done();
  }
}

/**
 * Time from an error breach (the new version starts failing mid-step) to the verified abort, in real
 * time with a 2-second analysis interval.
 */
export async function benchBreachToAbort(): Promise<Figure[]> {
  const text = readFileSync(SANDBOX_CONFIG_PATH, 'utf8')
    .replace('bakeSeconds: 60', 'bakeSeconds: 30')
    .replace(
      'verifySeconds: 120',
      'verifySeconds: 30\n        analysis: { intervalSeconds: 2, minRequests: 50 }',
    );
  const { jarvis, done } = await start(text);
  try {
    const world = jarvis.sandbox!.world;
    let breachAt = 0;
    let abortedAt = 0;
    await jarvis.engine.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'bench',
      onEvent: (e) => {
        if (e.kind === 'weights' && e.step === 25) {
          // Let one window pass cleanly at 25%, then make the new version fail.
          setTimeout(() => {
            world.traffic.settle();
            world.versionOverrides.set('1.3.0', {
              behaviour: 'high-error-rate',
              errorRate: 0.2,
              p99Ms: 120,
              readySeconds: 0,
            });
            breachAt = performance.now();
          }, 2500);
        }
        if (e.kind === 'finished') abortedAt = performance.now();
      },
    });
    const ms = abortedAt - breachAt;
    return [
      {
        name: 'error breach → verified abort (interval 2 s)',
        value: ms,
        unit: 'ms',
        goal: '≤ 3000',
        ok: ms <= 3000,
      },
    ];
  } finally {
    await done();
  }
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
