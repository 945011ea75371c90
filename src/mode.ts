import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Sandbox } from '@jarvis/sandbox';
import { systemClock, ScaledClock, type Clock } from './clock.js';
import { loadConfig, SANDBOX_CONFIG_PATH, type LoadedConfig } from './config.js';
import type { EnvSettings } from './config/env.js';
import { ConfigError } from './errors.js';
import { resolveAwsCredentials } from './platform/credentials.js';
import type { PlatformOptions } from './platform/index.js';

/**
 * What Jarvis runs against. `sandbox`: the simulated AWS and Kubernetes of the sandbox (in this process,
 * or a separately started `jarvis sandbox`); `aws`: real AWS accounts and EKS clusters. Only ever chosen
 * explicitly: `--sandbox`, JARVIS_SANDBOX, `npm start`, `jarvis sandbox`.
 */
export type Mode = 'sandbox' | 'aws';

/** The line that marks an answer given on the sandbox, wherever the channel can show one line. */
export const SANDBOX_NOTICE = '[sandbox] simulated AWS and Kubernetes — not your real environments';

/** How to ask for the sandbox, for messages. */
const ASK_FOR_SANDBOX = 'add --sandbox (or set JARVIS_SANDBOX=1)';

/**
 * The mode asked for: `flag` when given (true: `--sandbox`), else JARVIS_SANDBOX; AWS when neither asks
 * for the sandbox. Never guessed from settings that are missing.
 */
export function resolveMode(flag: boolean | undefined, env: Pick<EnvSettings, 'JARVIS_SANDBOX'>): Mode {
  return (flag ?? env.JARVIS_SANDBOX) ? 'sandbox' : 'aws';
}

/**
 * The configuration file of a run against AWS: JARVIS_CONFIG, else `jarvis.config.yaml` in `cwd`.
 * Throws a ConfigError naming JARVIS_CONFIG and `--sandbox` when neither is given.
 */
export function awsConfigPath(env: Pick<EnvSettings, 'JARVIS_CONFIG'>, cwd = process.cwd()): string {
  if (env.JARVIS_CONFIG) return env.JARVIS_CONFIG;
  const local = resolve(cwd, 'jarvis.config.yaml');
  if (existsSync(local)) return local;
  throw new ConfigError(
    [
      `No configuration: JARVIS_CONFIG is unset and ${local} does not exist. Set JARVIS_CONFIG to the path of your jarvis.config.yaml (config/sandbox.yaml is a commented example), or ${ASK_FOR_SANDBOX} to run on the simulated AWS and Kubernetes of the sandbox.`,
    ],
    'the environment',
  );
}

/**
 * Settings that only make sense on the sandbox, each as a problem with what to set instead; empty when
 * there is none. Against AWS they would shrink bake windows or read simulated figures.
 */
export function sandboxOnlySettings(
  env: Pick<EnvSettings, 'JARVIS_TIME_SCALE' | 'JARVIS_TIME_ANCHOR' | 'JARVIS_SANDBOX_URL'>,
  config: Pick<LoadedConfig, 'metrics'>,
): string[] {
  const problems: string[] = [];
  if (env.JARVIS_TIME_SCALE !== 1) {
    problems.push(
      `JARVIS_TIME_SCALE: ${env.JARVIS_TIME_SCALE}, but simulated time is for the sandbox only: against AWS it would cut bake and verification windows short. Unset it (or set 1), or ${ASK_FOR_SANDBOX}.`,
    );
  }
  if (env.JARVIS_TIME_ANCHOR !== undefined) {
    problems.push(
      `JARVIS_TIME_ANCHOR: set, but it anchors the sandbox's simulated clock and is refused against AWS. Unset it, or ${ASK_FOR_SANDBOX}.`,
    );
  }
  if (env.JARVIS_SANDBOX_URL !== undefined) {
    problems.push(
      `JARVIS_SANDBOX_URL: set to ${env.JARVIS_SANDBOX_URL}, but sandbox mode is off, so it would not be used. Unset it to run against AWS, or set JARVIS_SANDBOX=1 to use that sandbox (jarvis sandbox prints both).`,
    );
  }
  if (config.metrics.provider === 'sandbox') {
    problems.push(
      'metrics.provider: "sandbox" reads the simulated figures of the sandbox and is refused against AWS. Set metrics.provider: cloudwatch (the default when there is no metrics section: the ALB\'s CloudWatch metrics), or prometheus with metrics.prometheus.url (the base URL of your Prometheus HTTP API), or ' +
        `${ASK_FOR_SANDBOX}.`,
    );
  }
  return problems;
}

/**
 * Checks that Jarvis can run against AWS with `config`: no sandbox-only setting, and credentials that the
 * SDK's default provider chain finds (resolved once, here). Every problem is thrown at once as one
 * ConfigError; resolves with the credentials' provider for the SDK clients.
 */
export async function checkAws(
  env: EnvSettings,
  config: LoadedConfig,
): Promise<AwsCredentialIdentityProvider> {
  const problems = sandboxOnlySettings(env, config);
  const first = config.environments[config.order[0] ?? ''];
  let credentials: AwsCredentialIdentityProvider | undefined;
  try {
    credentials = await resolveAwsCredentials(first?.region ?? env.AWS_REGION ?? 'us-east-1');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !credentials) {
    throw new ConfigError(problems, `${config.source} and the environment`);
  }
  return credentials;
}

/**
 * Loads the sandbox package (@jarvis/sandbox): the one place the product reaches it other than for types,
 * called in sandbox mode only, so that Jarvis against AWS never loads the simulator. By path rather than by
 * name: the build compiles the package beside the product (dist/packages/sandbox), while its name leads to
 * its TypeScript sources.
 */
export function loadSandbox() {
  return import('../packages/sandbox/src/index.js');
}

/** Where Jarvis runs, once chosen: its configuration, its clock, and how its SDK clients reach it. */
export interface Target {
  mode: Mode;
  config: LoadedConfig;
  clock: Clock;
  /** The sandbox started in this process; undefined against AWS and on a separately started sandbox. */
  sandbox: Sandbox | undefined;
  /** Credentials, endpoints and the sandbox's URL for the platform adapters. */
  platform: Pick<PlatformOptions, 'credentials' | 'endpoints' | 'sandboxUrl' | 'githubUrl' | 'githubToken'>;
}

/**
 * Opens the target of `mode`. AWS: the configuration of {@link awsConfigPath}, checked by
 * {@link checkAws}, and the wall clock. Sandbox with JARVIS_SANDBOX_URL: that separately started sandbox,
 * through the AWS_ENDPOINT_URL_* variables it printed (its URL when they are unset, so that sandbox mode
 * never reaches AWS), on its clock (JARVIS_TIME_SCALE and JARVIS_TIME_ANCHOR). Sandbox otherwise: a
 * sandbox started in this process at `timeScale` (default 60), seeded from JARVIS_CONFIG or the sandbox
 * configuration. Throws ConfigError when the mode cannot run.
 */
export async function openTarget(
  mode: Mode,
  env: EnvSettings,
  options: { timeScale?: number | undefined } = {},
): Promise<Target> {
  if (mode === 'aws') {
    const config = loadConfig(awsConfigPath(env));
    const credentials = await checkAws(env, config);
    return {
      mode,
      config,
      clock: systemClock,
      sandbox: undefined,
      platform: {
        credentials,
        githubUrl: env.GITHUB_API_URL,
        githubToken: env.GITHUB_TOKEN,
        endpoints: { ecr: env.AWS_ENDPOINT_URL_ECR },
      },
    };
  }
  const { startSandbox, SANDBOX_CREDENTIALS } = await loadSandbox();
  const config = loadConfig(env.JARVIS_CONFIG ?? SANDBOX_CONFIG_PATH);
  const external = env.JARVIS_SANDBOX_URL;
  if (external) {
    return {
      mode,
      config,
      clock: new ScaledClock(env.JARVIS_TIME_SCALE, env.JARVIS_TIME_ANCHOR),
      sandbox: undefined,
      platform: {
        credentials: SANDBOX_CREDENTIALS,
        endpoints: {
          elbv2: env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? external,
          eks: env.AWS_ENDPOINT_URL_EKS ?? external,
          cloudwatch: env.AWS_ENDPOINT_URL_CLOUDWATCH ?? external,
          ecr: env.AWS_ENDPOINT_URL_ECR ?? external,
        },
        githubUrl: env.GITHUB_API_URL ?? `${external}/github`,
        sandboxUrl: external,
      },
    };
  }
  const sandbox = await startSandbox({ config, timeScale: options.timeScale ?? 60 });
  return {
    mode,
    config,
    clock: sandbox.clock,
    sandbox,
    platform: {
      credentials: SANDBOX_CREDENTIALS,
      endpoints: {
        elbv2: sandbox.awsEndpoint,
        eks: sandbox.awsEndpoint,
        cloudwatch: sandbox.awsEndpoint,
        ecr: sandbox.awsEndpoint,
      },
      sandboxUrl: sandbox.awsEndpoint,
      githubUrl: sandbox.githubUrl,
    },
  };
}
