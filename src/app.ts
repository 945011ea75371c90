import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ScaledClock, type Clock } from './clock.js';
import { loadConfig, SANDBOX_CONFIG_PATH, type LoadedConfig } from './config.js';
import type { EnvSettings } from './config/env.js';
import type { Logger } from './logger.js';
import { Platform } from './platform/index.js';
import { thisProcess } from './rollout/lease.js';
import { Reconciler, type ReconcileReport } from './rollout/reconciler.js';
import { RolloutService } from './rollout/service.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from './sandbox/index.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

/** Everything a channel needs, wired once. */
export interface Jarvis {
  config: LoadedConfig;
  clock: Clock;
  store: Store;
  platform: Platform;
  rollouts: RolloutService;
  /** The in-process sandbox, when Jarvis runs on it. */
  sandbox: Sandbox | undefined;
  /**
   * Starts the reconcile loop of a long-running process: one pass at once (adopting what a previous
   * process left unfinished before the first request is served), then one every
   * `reconciler.intervalSeconds`. Resolves with the first pass's reports. Stopped by `close`.
   */
  startReconciler(onReport?: (report: ReconcileReport) => void | Promise<void>): Promise<ReconcileReport[]>;
  close(): Promise<void>;
}

export interface StartOptions {
  env: EnvSettings;
  logger?: Logger;
  /** Run on an in-process sandbox (as `npm start` does when no AWS settings are given). */
  sandbox?: boolean;
  /** Store file; default `<JARVIS_DATA_DIR>/jarvis.db`. */
  storePath?: string;
  /** Sandbox time scale when `sandbox` is set; default 60. */
  timeScale?: number;
}

/** True when the environment names no AWS account or endpoint, so the sandbox is the only sensible target. */
export function wantsSandbox(env: NodeJS.ProcessEnv): boolean {
  const aws = [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ];
  return !aws.some((k) => env[k]) && !env.JARVIS_CONFIG;
}

/**
 * Starts Jarvis: configuration, store, adapters and the rollout service. Performs no recovery and no write:
 * long-running processes start the reconciler (`startReconciler`), which adopts unfinished rollouts.
 * With `sandbox`, an in-process sandbox seeded from the sandbox configuration shares Jarvis's clock.
 */
export async function startJarvis(options: StartOptions): Promise<Jarvis> {
  const { env } = options;
  let sandbox: Sandbox | undefined;
  let config: LoadedConfig;
  let clock: Clock;
  if (options.sandbox) {
    config = loadConfig(env.JARVIS_CONFIG ?? SANDBOX_CONFIG_PATH);
    sandbox = await startSandbox({ config, timeScale: options.timeScale ?? 60 });
    clock = sandbox.clock;
  } else {
    config = loadConfig(env.JARVIS_CONFIG ?? 'jarvis.config.yaml');
    clock = new ScaledClock(env.JARVIS_TIME_SCALE, env.JARVIS_TIME_ANCHOR);
  }
  const storePath = options.storePath ?? join(env.JARVIS_DATA_DIR, 'jarvis.db');
  if (storePath !== ':memory:') mkdirSync(join(storePath, '..'), { recursive: true });
  const store = new SqliteStore(storePath);
  const platform = new Platform({
    config,
    clock,
    credentials: sandbox ? SANDBOX_CREDENTIALS : undefined,
    endpoints: sandbox ? { elbv2: sandbox.awsEndpoint, eks: sandbox.awsEndpoint } : undefined,
    sandboxUrl: sandbox?.awsEndpoint ?? env.JARVIS_SANDBOX_URL,
  });
  const rollouts = new RolloutService({
    config,
    clock,
    store,
    metrics: platform.metrics,
    ports: (name) => {
      const p = platform.forEnv(name);
      return { traffic: p.alb, workloads: p.kube };
    },
    reader: (name) => {
      const { alb, kube } = platform.forEnv(name);
      return {
        readWeights: (route) => alb.readWeights(route),
        targetHealth: (arn) => alb.targetHealth(arn),
        getDeployment: (ns, n, c) => kube.getDeployment(ns, n, c),
        listPods: (ns, selector, opts) => kube.listPods(ns, selector, opts),
        podLogs: (ns, pod, opts) => kube.podLogs(ns, pod, opts),
        events: (ns, opts) => kube.events(ns, opts),
      };
    },
    processId: thisProcess(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let reconciler: Reconciler | undefined;
  return {
    config,
    clock,
    store,
    platform,
    rollouts,
    sandbox,
    startReconciler: async (onReport) => {
      await reconciler?.stop();
      reconciler = new Reconciler({
        rollouts,
        store,
        intervalMs: config.reconciler.intervalSeconds * 1000,
        now: () => clock.now(),
        logger: options.logger,
        onReport,
      });
      const first = await reconciler.runOnce();
      reconciler.start();
      return first;
    },
    close: async () => {
      await reconciler?.stop();
      await platform.destroy();
      await store.close();
      await sandbox?.close();
    },
  };
}
