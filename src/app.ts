import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '@jarvis/sandbox';
import type { Clock } from './clock.js';
import type { LoadedConfig } from './config.js';
import type { EnvSettings } from './config/env.js';
import type { Logger } from './logger.js';
import { openTarget, resolveMode, type Mode } from './mode.js';
import { EcrEvidence } from './evidence/ecr.js';
import { EvidenceGate } from './evidence/gate.js';
import { GitHubEvidence } from './evidence/github.js';
import { Platform } from './platform/index.js';
import { thisProcess } from './rollout/lease.js';
import { Reconciler, type ReconcileReport } from './rollout/reconciler.js';
import { RolloutService } from './rollout/service.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';

/** Everything a channel needs, wired once. */
export interface Jarvis {
  /** `sandbox`: simulated AWS and Kubernetes, in this process or a separately started one; `aws`: real. */
  mode: Mode;
  config: LoadedConfig;
  clock: Clock;
  store: Store;
  platform: Platform;
  rollouts: RolloutService;
  /** The in-process sandbox, when Jarvis runs on it (undefined on a separately started one, and on AWS). */
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
  /**
   * Sandbox mode: true runs on the sandbox (`--sandbox`), false against AWS; undefined leaves it to
   * JARVIS_SANDBOX (unset: AWS). Never guessed from missing settings (see resolveMode).
   */
  sandbox?: boolean | undefined;
  /** Store file; default `<JARVIS_DATA_DIR>/jarvis.db`. Ignored when JARVIS_DATABASE_URL is set. */
  storePath?: string;
  /** Time scale of a sandbox started in this process; default 60. */
  timeScale?: number | undefined;
}

/**
 * Starts Jarvis: configuration, store, adapters and the rollout service. Performs no recovery and no write:
 * long-running processes start the reconciler (`startReconciler`), which adopts unfinished rollouts.
 * The mode decides the target (see openTarget): AWS, checked first (configuration file, sandbox-only
 * settings, credentials); a separately started sandbox (JARVIS_SANDBOX_URL); or an in-process sandbox
 * seeded from the configuration, sharing Jarvis's clock. Throws ConfigError when the mode cannot run.
 */
export async function startJarvis(options: StartOptions): Promise<Jarvis> {
  const { env } = options;
  const mode = resolveMode(options.sandbox, env);
  const target = await openTarget(mode, env, { timeScale: options.timeScale });
  const { config, clock, sandbox } = target;
  const storePath = options.storePath ?? join(env.JARVIS_DATA_DIR, 'jarvis.db');
  if (storePath !== ':memory:' && env.JARVIS_DATABASE_URL === undefined) {
    mkdirSync(join(storePath, '..'), { recursive: true });
  }
  const store = await openStore({
    databaseUrl: env.JARVIS_DATABASE_URL,
    file: storePath,
    dataDir: env.JARVIS_DATA_DIR,
    clock,
  });
  const platform = new Platform({ config, clock, ...target.platform });
  const rollouts = new RolloutService({
    config,
    clock,
    store,
    metrics: platform.metrics,
    evidence: new EvidenceGate(config, {
      ecr: new EcrEvidence((region) => platform.ecr(region)),
      ci: new GitHubEvidence(() => platform.github(), config.evidence.github.timeoutMs),
    }),
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
        nodes: () => kube.listNodes(),
        scalingPolicies: (ns) => kube.scalingPolicies(ns),
      };
    },
    processId: thisProcess(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let reconciler: Reconciler | undefined;
  return {
    mode,
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
