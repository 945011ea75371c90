import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import type { LoadedConfig } from './config.js';
import type { EnvSettings } from './config/env.js';
import type { Logger } from './logger.js';
import { openTarget, resolveMode, type Mode } from './mode.js';
import { Platform } from './platform/index.js';
import { RolloutEngine } from './rollout/engine.js';
import { recover, type RecoveryReport } from './rollout/recovery.js';
import type { Sandbox } from './sandbox/index.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

/** Everything a channel needs, wired once. */
export interface Jarvis {
  /** `sandbox`: simulated AWS and Kubernetes, in this process or a separately started one; `aws`: real. */
  mode: Mode;
  config: LoadedConfig;
  clock: Clock;
  store: Store;
  platform: Platform;
  engine: RolloutEngine;
  /** The in-process sandbox, when Jarvis runs on it (undefined on a separately started one, and on AWS). */
  sandbox: Sandbox | undefined;
  /** What start-up recovery did with rollouts left unfinished by a previous process. */
  recovered: RecoveryReport[];
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
  /** Store file; default `<JARVIS_DATA_DIR>/jarvis.db`. */
  storePath?: string;
  /** Time scale of a sandbox started in this process; default 60. */
  timeScale?: number | undefined;
}

/**
 * Starts Jarvis: configuration, store, adapters, engine, and start-up recovery of unfinished rollouts.
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
  if (storePath !== ':memory:') mkdirSync(join(storePath, '..'), { recursive: true });
  const store = new SqliteStore(storePath);
  const platform = new Platform({ config, clock, ...target.platform });
  const engine = new RolloutEngine({
    config,
    clock,
    store,
    metrics: platform.metrics,
    ports: (name) => {
      const p = platform.forEnv(name);
      return { traffic: p.alb, workloads: p.kube };
    },
    processId: `${hostname()}:${process.pid}`,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const recovered = await recover(engine);
  for (const r of recovered)
    options.logger?.warn({ deploymentId: r.deployment.id, action: r.action }, r.detail);
  return {
    mode,
    config,
    clock,
    store,
    platform,
    engine,
    sandbox,
    recovered,
    close: async () => {
      await platform.destroy();
      await store.close();
      await sandbox?.close();
    },
  };
}
