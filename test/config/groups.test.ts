import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const base = readFileSync(SANDBOX_CONFIG_PATH, 'utf8');
const withGroups = (groups: string) => parseConfig(`${base}\ngroups:\n${groups}\n`, 'test.yaml');

/** Groups of services for an emergency rollback ("emergency rollback backend in prd"). */
describe('config: groups', () => {
  it('has none by default, and reads the ones given', () => {
    expect(parseConfig(base, 'test.yaml').groups).toEqual({});
    expect(withGroups('  backend: [checkout, catalog]\n  web: [catalog]').groups).toEqual({
      backend: ['checkout', 'catalog'],
      web: ['catalog'],
    });
  });

  it.each([
    [
      '  backend: [checkout, payments]',
      /groups\.backend\.1.*no environment has a service "payments"; known: checkout, catalog/,
    ],
    ['  checkout: [catalog]', /groups\.checkout.*already the name of an environment or a service/],
    ['  prd: [checkout]', /groups\.prd.*already the name of an environment or a service/],
    ['  backend: []', /groups\.backend/],
  ])('refuses %j, saying why', (groups, problem) => {
    let error: unknown;
    try {
      withGroups(groups);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(problem);
  });
});
