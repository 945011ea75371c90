import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';

const sandboxText = readFileSync(SANDBOX_CONFIG_PATH, 'utf8');

/** The sandbox configuration with its pagerduty section replaced by `section`. */
function withPagerDuty(section: string): string {
  return `${sandboxText.slice(0, sandboxText.indexOf('\npagerduty:'))}\n${section}\n`;
}

function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('pagerduty configuration', () => {
  it('maps PagerDuty services to an environment and a service in the shipped sandbox configuration', () => {
    const cfg = loadConfig(SANDBOX_CONFIG_PATH);

    expect(cfg.pagerduty.services.PCHKPRD).toEqual({ env: 'prd', service: 'checkout' });
  });

  it('defaults to no mapping when the section is absent', () => {
    const cfg = parseConfig(withPagerDuty(''), 'test.yaml');

    expect(cfg.pagerduty).toEqual({ services: {}, maxEventAgeSeconds: 600 });
  });

  it.each([
    [
      'an unknown environment',
      'pagerduty:\n  services:\n    PABCDEF: { env: staging, service: checkout }',
      /pagerduty\.services\.PABCDEF\.env.*unknown environment "staging"; known: dev, tst, prd/,
    ],
    [
      'an unknown service',
      'pagerduty:\n  services:\n    PABCDEF: { env: prd, service: catalog }',
      /pagerduty\.services\.PABCDEF\.service.*prd has no service "catalog"; it has checkout/,
    ],
    [
      'a malformed service id',
      'pagerduty:\n  services:\n    checkout-prd: { env: prd, service: checkout }',
      /must be a PagerDuty service id such as PF9KMXH/,
    ],
    ['a misspelt key', 'pagerduty:\n  service:\n    PABCDEF: { env: prd, service: checkout }', /pagerduty/],
  ])('refuses %s with its path and the valid options', (_what, section, problem) => {
    expect(problemsOf(withPagerDuty(section)).join('\n')).toMatch(problem);
  });

  it('reads the REST API base URL from the environment, defaulting to PagerDuty US', () => {
    expect(loadEnvSettings({}).PAGERDUTY_API_URL).toBe('https://api.pagerduty.com');
    expect(loadEnvSettings({ PAGERDUTY_API_URL: 'http://127.0.0.1:9999' }).PAGERDUTY_API_URL).toBe(
      'http://127.0.0.1:9999',
    );
  });
});
