import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadConfig,
  parseConfig,
  policyOf,
  previousEnvironment,
  SANDBOX_CONFIG_PATH,
  serviceOf,
} from '../src/config.js';
import { loadEnvSettings } from '../src/config/env.js';
import { ConfigError, JarvisError } from '../src/errors.js';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup';
const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/1a2b3c4d5e6f7a80/0d1e2f3a4b5c6d01';

function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('loads the shipped sandbox configuration with defaults filled in', () => {
    const cfg = loadConfig(SANDBOX_CONFIG_PATH);

    expect(cfg.order).toEqual(['dev', 'tst', 'prd']);
    const checkout = serviceOf(cfg, 'dev', 'checkout');
    expect(checkout.steps).toEqual([10, 25, 50, 100]);
    expect(checkout.analysis.maxErrorRate).toBe(0.01);
    expect(checkout.analysis.maxLatencyRatio).toBe(2);
    expect(serviceOf(cfg, 'dev', 'catalog').mode).toBe('ingress');
    expect(policyOf(cfg, 'prd', 'checkout').requireMfa).toBe(true);
    expect(policyOf(cfg, 'dev', 'checkout').requireMfa).toBe(false);
    expect(previousEnvironment(cfg, 'prd')).toBe('tst');
    expect(previousEnvironment(cfg, 'dev')).toBeUndefined();
  });

  it('reports every problem at once, each with its path, line and fix', () => {
    const text = `
environments:
  dev:
    region: mars-1
    cluster: jarvis-dev
    namespace: Shop
    colour: blue
    services:
      checkout:
        listenerArn: ${LISTENER}
        ruleArn: ${LISTENER.replace(':listener/', ':listener-rule/')}/2000000000000001
        blue: { targetGroupArn: 'not-an-arn', deployment: checkout-blue }
        green: { targetGroupArn: '${TG}/g/1000000000000002', deployment: checkout-blue }
        container: app
        imageRepository: repo/checkout
        steps: [10, 50, 25]
        analysis: { maxErrorRate: 2 }
promotionOrder: [dev, stg]
`;
    const problems = problemsOf(text);

    const expectations: Array<[string, RegExp]> = [
      ['region', /^environments\.dev\.region \(line 4\): .*AWS region/],
      ['namespace', /^environments\.dev\.namespace \(line 6\): .*Kubernetes name/],
      ['unknown key', /^environments\.dev \(line \d+\): unknown key "colour"\. Remove it/],
      [
        'target group',
        /^environments\.dev\.services\.checkout\.blue\.targetGroupArn \(line 12\): .*target group ARN/,
      ],
      ['both route kinds', /ruleArn.*exactly one of listenerArn .* or ruleArn/],
      ['same deployment', /green\.deployment.*different Deployments/],
      ['increasing steps', /steps.*strictly increasing/],
      ['steps end at 100', /steps.*must end at 100/],
      ['error rate bound', /analysis\.maxErrorRate.*<=1/],
      ['promotion order', /promotionOrder\.1.*unknown environment "stg"/],
    ];
    for (const [what, pattern] of expectations) {
      expect(
        problems.some((p) => pattern.test(p)),
        `${what}: ${problems.join('\n')}`,
      ).toBe(true);
    }
    expect(problems).toHaveLength(expectations.length);
  });

  it('reports missing required settings and YAML syntax errors', () => {
    expect(problemsOf('environments:\n  dev:\n    region: eu-west-1\n')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^environments\.dev\.cluster \(line 3\): required, missing\. Add it/),
        expect.stringMatching(/^environments\.dev\.services .*required, missing/),
      ]),
    );
    expect(problemsOf('environments: [unclosed')[0]).toMatch(/^YAML syntax: /);
  });

  it('names the file and the fix when the configuration file does not exist', () => {
    expect(() => loadConfig('/nonexistent/jarvis.config.yaml')).toThrow(/file not found\. Set JARVIS_CONFIG/);
  });

  it('answers unknown environments and services with the valid options', () => {
    const cfg = loadConfig(SANDBOX_CONFIG_PATH);

    const unknownEnv = (() => {
      try {
        serviceOf(cfg, 'stg', 'checkout');
      } catch (err) {
        return err;
      }
    })();
    expect(unknownEnv).toBeInstanceOf(JarvisError);
    expect((unknownEnv as JarvisError).code).toBe('NOT_FOUND');
    expect((unknownEnv as JarvisError).details.options).toEqual(['dev', 'tst', 'prd']);
    expect(() => serviceOf(cfg, 'dev', 'billing')).toThrow(/Services there: checkout, catalog/);
  });

  it('validates the environment variables and lists every bad one', () => {
    expect(loadEnvSettings({}).JARVIS_TIME_SCALE).toBe(1);
    expect(() =>
      loadEnvSettings({ JARVIS_TIME_SCALE: '-3', SLACK_BOT_TOKEN: 'xoxp-1', JARVIS_MFA_KEY: 'short' }),
    ).toThrow(/JARVIS_TIME_SCALE.*\n.*SLACK_BOT_TOKEN: must start with xoxb-.*\n.*JARVIS_MFA_KEY/);
  });

  it('makes `jarvis config` exit non-zero with the readable list of problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-config-'));
    const bad = join(dir, 'bad.yaml');
    const sandbox = readFileSync(SANDBOX_CONFIG_PATH, 'utf8');
    writeFileSync(
      bad,
      sandbox
        .replace('region: eu-west-1', 'region: nowhere')
        .replace('steps: [10, 25, 50, 100]', 'steps: [10, 25]'),
    );

    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'config', '--config', bad], {
      encoding: 'utf8',
      env: { ...process.env, JARVIS_CONFIG: '' },
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`Invalid configuration in ${bad}`);
    expect(run.stderr).toMatch(/- environments\.dev\.region \(line \d+\)/);
    expect(run.stderr).toMatch(
      /- environments\.dev\.services\.checkout\.steps \(line \d+\): must end at 100/,
    );

    const good = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'config', '--sandbox', '--config', SANDBOX_CONFIG_PATH],
      {
        encoding: 'utf8',
      },
    );
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(
      'valid for the sandbox. Environments in promotion order: dev (checkout, catalog) → tst (checkout) → prd (checkout)',
    );

    // The same file is refused for AWS: its metrics are the sandbox's.
    const forAws = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'config', '--config', SANDBOX_CONFIG_PATH],
      { encoding: 'utf8', env: { ...process.env, JARVIS_SANDBOX: '', JARVIS_TIME_SCALE: '' } },
    );
    expect(forAws.status).toBe(2);
    expect(forAws.stderr).toMatch(
      /- metrics\.provider: "sandbox" .* Set metrics\.provider: cloudwatch .*, or prometheus/,
    );
  });
});
