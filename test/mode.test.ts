import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { startJarvis, type Jarvis } from '../src/app.js';
import { SANDBOX_CONFIG_PATH } from '../src/config.js';
import { loadEnvSettings } from '../src/config/env.js';
import { ConfigError } from '../src/errors.js';
import { resolveMode } from '../src/mode.js';
import { routeOf } from '../src/platform/types.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';

/** Every variable through which the SDK's default chain could find credentials, unset or made empty. */
function withoutAwsCredentials(home: string): void {
  for (const name of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_ROLE_ARN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
    'AWS_ENDPOINT_URL_EKS',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('HOME', home);
  vi.stubEnv('AWS_CONFIG_FILE', join(home, 'no-such-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, 'no-such-credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

/** The sandbox configuration as a file, with `metrics` replaced (undefined: no metrics section). */
function configFile(dir: string, metrics: Record<string, unknown> | undefined): string {
  const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  delete config.metrics;
  if (metrics) config.metrics = metrics;
  const path = join(dir, `jarvis-${metrics ? String(metrics.provider) : 'default'}.config.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

const PROMETHEUS = { provider: 'prometheus', prometheus: { url: 'http://127.0.0.1:9090' } };

/** The problems of the ConfigError `start` rejects with. */
async function problemsOf(start: Promise<Jarvis>): Promise<readonly string[]> {
  const err: unknown = await start.then(
    async (jarvis) => {
      await jarvis.close();
      throw new Error(`expected a ConfigError, but Jarvis started (${jarvis.mode})`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('mode resolution', () => {
  const cases: Array<[string, boolean | undefined, Record<string, string>, 'sandbox' | 'aws']> = [
    ['--sandbox', true, {}, 'sandbox'],
    ['--sandbox with JARVIS_SANDBOX=0', true, { JARVIS_SANDBOX: '0' }, 'sandbox'],
    ['JARVIS_SANDBOX=1', undefined, { JARVIS_SANDBOX: '1' }, 'sandbox'],
    ['JARVIS_SANDBOX=true', undefined, { JARVIS_SANDBOX: 'true' }, 'sandbox'],
    ['JARVIS_SANDBOX=0', undefined, { JARVIS_SANDBOX: '0' }, 'aws'],
    ['JARVIS_SANDBOX=false', undefined, { JARVIS_SANDBOX: 'false' }, 'aws'],
    ['JARVIS_SANDBOX blank', undefined, { JARVIS_SANDBOX: '' }, 'aws'],
    ['neither, and no AWS or Jarvis settings at all', undefined, {}, 'aws'],
    ['an explicit false over JARVIS_SANDBOX=1', false, { JARVIS_SANDBOX: '1' }, 'aws'],
  ];
  it.each(cases)('%s → %s', (_name, flag, vars, expected) => {
    expect(resolveMode(flag, loadEnvSettings(vars))).toBe(expected);
  });

  it('refuses a JARVIS_SANDBOX that is not a yes or a no', () => {
    expect(() => loadEnvSettings({ JARVIS_SANDBOX: 'yes' })).toThrow(
      /JARVIS_SANDBOX: must be 1, true, 0 or false/,
    );
  });
});

describe('startJarvis outside sandbox mode', () => {
  let dir: string;
  let sandbox: Sandbox;
  let cwd: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 1 });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-mode-'));
    mkdirSync(join(dir, 'home'));
    withoutAwsCredentials(join(dir, 'home'));
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Credentials and endpoints that lead the SDK's default chain to the sandbox, as AWS would be reached. */
  function withSandboxAsAws(): void {
    vi.stubEnv('AWS_ACCESS_KEY_ID', SANDBOX_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', SANDBOX_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', sandbox.awsEndpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_EKS', sandbox.awsEndpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', sandbox.awsEndpoint);
  }

  function start(vars: Record<string, string>): Promise<Jarvis> {
    return startJarvis({
      env: loadEnvSettings({ JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent', ...vars }),
      storePath: ':memory:',
    });
  }

  it('starts on AWS with credentials from the default chain, reaching what the endpoints name', async () => {
    // Arrange
    withSandboxAsAws();

    // Act
    const jarvis = await start({ JARVIS_CONFIG: configFile(dir, PROMETHEUS) });
    try {
      const weights = await jarvis.platform
        .forEnv('dev')
        .alb.readWeights(routeOf(jarvis.config, 'dev', 'checkout'));

      // Assert
      expect(jarvis.mode).toBe('aws');
      expect(jarvis.sandbox).toBeUndefined();
      expect(jarvis.clock.scale).toBe(1);
      expect(weights).toEqual({ blue: 100, green: 0 });
    } finally {
      await jarvis.close();
    }
  });

  it('reads the ALB’s CloudWatch metrics when the configuration has no metrics section', async () => {
    // Arrange
    withSandboxAsAws();
    const jarvis = await start({ JARVIS_CONFIG: configFile(dir, undefined) });
    try {
      const route = routeOf(jarvis.config, 'prd', 'checkout');

      // Act: the window ending two minutes ago, before the sandbox had any traffic.
      const read = jarvis.platform.metrics.window({
        env: 'prd',
        service: 'checkout',
        colour: 'blue',
        targetGroupArn: route.targetGroups.blue,
        windowSeconds: 60,
      });

      // Assert: CloudWatch answered, and what it has not published is no verdict.
      expect(jarvis.platform.metrics.name).toBe('cloudwatch');
      await expect(read).rejects.toThrow(
        /^No verdict yet: CloudWatch has not published RequestCount of load balancer app\/shop-prd\//,
      );
    } finally {
      await jarvis.close();
    }
  });

  const refusals: Array<[string, Record<string, string>, 'prometheus' | 'sandbox', boolean, RegExp]> = [
    [
      'a time scale',
      { JARVIS_TIME_SCALE: '60' },
      'prometheus',
      true,
      /^JARVIS_TIME_SCALE: 60, but simulated time is for the sandbox only: .*Unset it \(or set 1\), or add --sandbox/,
    ],
    [
      'a time anchor',
      { JARVIS_TIME_ANCHOR: '1700000000000' },
      'prometheus',
      true,
      /^JARVIS_TIME_ANCHOR: set, .*refused against AWS\. Unset it, or add --sandbox/,
    ],
    [
      'a sandbox URL without sandbox mode',
      { JARVIS_SANDBOX_URL: 'http://127.0.0.1:4566' },
      'prometheus',
      true,
      /^JARVIS_SANDBOX_URL: set to http:\/\/127\.0\.0\.1:4566, but sandbox mode is off.*JARVIS_SANDBOX=1/,
    ],
    [
      'metrics.provider sandbox',
      {},
      'sandbox',
      true,
      /^metrics\.provider: "sandbox" reads the simulated figures .*refused against AWS\. Set metrics\.provider: cloudwatch \(the default when there is no metrics section.*\), or prometheus with metrics\.prometheus\.url/,
    ],
    [
      'no credentials',
      {},
      'prometheus',
      false,
      /^AWS credentials: none found \(.*\)\. Set AWS_PROFILE .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*instance role.*EKS Pod Identity.*--sandbox/,
    ],
  ];
  it.each(refusals)(
    'refuses %s with a ConfigError saying what to set',
    async (_name, vars, metrics, credentials, message) => {
      // Arrange
      if (credentials) withSandboxAsAws();
      const config = configFile(dir, metrics === 'prometheus' ? PROMETHEUS : { provider: 'sandbox' });

      // Act
      const problems = await problemsOf(start({ JARVIS_CONFIG: config, ...vars }));

      // Assert
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    },
  );

  it('names JARVIS_CONFIG and --sandbox when there is no configuration file', async () => {
    process.chdir(dir);

    const problems = await problemsOf(start({}));

    expect(problems).toEqual([
      expect.stringMatching(
        /^No configuration: JARVIS_CONFIG is unset and .*\/jarvis\.config\.yaml does not exist\. Set JARVIS_CONFIG .*, or add --sandbox/,
      ),
    ]);
  });

  it('reads ./jarvis.config.yaml when JARVIS_CONFIG is unset, and still refuses what is sandbox-only', async () => {
    process.chdir(dir);
    writeFileSync(join(dir, 'jarvis.config.yaml'), readFileSync(SANDBOX_CONFIG_PATH));

    const err: unknown = await start({}).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(
      `Invalid configuration in ${join(dir, 'jarvis.config.yaml')}`,
    );
  });

  it('reports every problem at once', async () => {
    const problems = await problemsOf(
      start({ JARVIS_CONFIG: configFile(dir, { provider: 'sandbox' }), JARVIS_TIME_SCALE: '60' }),
    );

    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'JARVIS_TIME_SCALE',
      'metrics.provider',
      'AWS credentials',
    ]);
  });
});

describe('startJarvis in sandbox mode', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-mode-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses a separately started sandbox from the settings it prints, with no flag and no credentials', async () => {
    // Arrange: `jarvis sandbox` elsewhere; its export lines in this environment.
    const sandbox = await startSandbox({ timeScale: 60 });
    const settings = sandbox.settings();
    try {
      // Act
      const jarvis = await startJarvis({
        env: loadEnvSettings({ ...settings, JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent' }),
        storePath: ':memory:',
      });
      try {
        const route = routeOf(jarvis.config, 'dev', 'checkout');
        const weights = await jarvis.platform.forEnv('dev').alb.readWeights(route);
        const figures = await jarvis.platform.metrics.window({
          env: 'dev',
          service: 'checkout',
          colour: 'blue',
          targetGroupArn: route.targetGroups.blue,
          windowSeconds: 60,
        });

        // Assert
        expect(settings).toMatchObject({ JARVIS_SANDBOX: '1', AWS_DEFAULT_REGION: 'eu-west-1' });
        expect(jarvis.mode).toBe('sandbox');
        expect(jarvis.sandbox).toBeUndefined();
        expect(jarvis.clock.scale).toBe(60);
        expect(weights).toEqual({ blue: 100, green: 0 });
        expect(figures.requests).toBeGreaterThanOrEqual(0);
      } finally {
        await jarvis.close();
      }
    } finally {
      await sandbox.close();
    }
  });

  it('runs an in-process sandbox with --sandbox, time scale and sandbox metrics included', async () => {
    const jarvis = await startJarvis({
      env: loadEnvSettings({ JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent', JARVIS_TIME_SCALE: '60' }),
      sandbox: true,
      timeScale: 60,
      storePath: ':memory:',
    });
    try {
      expect(jarvis.mode).toBe('sandbox');
      expect(jarvis.sandbox).toBeDefined();
      expect(jarvis.platform.metrics.name).toBe('sandbox');
    } finally {
      await jarvis.close();
    }
  });
});
