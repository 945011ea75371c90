import { describe, expect, it } from 'vitest';
import { controlProblem } from '../../src/policies/controls.js';
import { configWith } from './helpers.js';

const config = configWith([
  [['access', 'defaultRole'], 'viewer'],
  [['access', 'users'], { alice: 'deployer', bob: 'deployer', ada: 'admin', victor: 'viewer' }],
  [['environments', 'prd', 'policy', 'writeRole'], 'admin'],
]);

describe('controlProblem: who may stop, pause or resume a rollout', () => {
  it.each([
    { user: 'alice', env: 'dev', requester: 'alice', allowed: true },
    { user: 'bob', env: 'dev', requester: 'alice', allowed: true },
    { user: 'victor', env: 'dev', requester: 'alice', allowed: false },
    { user: 'stranger', env: 'dev', requester: 'alice', allowed: false },
    { user: 'bob', env: 'prd', requester: 'alice', allowed: false },
    { user: 'ada', env: 'prd', requester: 'alice', allowed: true },
    { user: 'victor', env: 'prd', requester: 'victor', allowed: true },
  ])('$user on a rollout of $requester in $env: allowed $allowed', ({ user, env, requester, allowed }) => {
    // Act
    const problem = controlProblem(config, { env, service: 'checkout', requester }, user);

    // Assert
    expect(problem === undefined).toBe(allowed);
  });

  it('names the role that is needed', () => {
    const problem = controlProblem(config, { env: 'prd', service: 'checkout', requester: 'alice' }, 'bob');

    expect(problem).toBe(
      'bob is deployer; controlling a rollout of checkout in prd started by someone else needs the role admin.',
    );
  });

  it('refuses, without throwing, a rollout of an unknown service', () => {
    const problem = controlProblem(config, { env: 'dev', service: 'billing', requester: 'alice' }, 'bob');

    expect(problem).toMatch(/Unknown service "billing"/);
  });
});
