import { describe, expect, it } from 'vitest';
import { approverProblem } from '../../src/policies/release.js';
import { roleAtLeast, roleOf } from '../../src/policies/rbac.js';
import { actor, configWith } from './helpers.js';

const config = configWith([
  [['access', 'defaultRole'], 'viewer'],
  [['access', 'users'], { alice: 'deployer', bob: 'deployer', ada: 'admin', victor: 'viewer' }],
  [['environments', 'prd', 'policy', 'writeRole'], 'admin'],
]);
const alice = actor('alice', 'deployer').id;

describe('roleOf and roleAtLeast', () => {
  it.each([
    { id: 'ada', role: 'admin' },
    { id: 'bob', role: 'deployer' },
    { id: 'stranger', role: 'viewer' },
    { id: 'constructor', role: 'viewer' },
    { id: 'ALICE', role: 'viewer' },
  ] as const)('$id is $role', ({ id, role }) => {
    // Act
    const found = roleOf(config, id);

    // Assert
    expect(found).toBe(role);
  });

  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'deployer', false],
    ['deployer', 'deployer', true],
    ['deployer', 'admin', false],
    ['admin', 'deployer', true],
  ] as const)('%s at least %s: %s', (role, least, expected) => {
    // Act
    const result = roleAtLeast(role, least);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('approverProblem', () => {
  it.each([
    { name: 'a second deployer in dev', approver: 'bob', env: 'dev', code: undefined },
    { name: 'an admin in prd', approver: 'ada', env: 'prd', code: undefined },
    { name: 'nobody', approver: undefined, env: 'dev', code: 'FORBIDDEN', says: 'a second person' },
    {
      name: 'the requester',
      approver: 'alice',
      env: 'dev',
      code: 'FORBIDDEN',
      says: 'alice asked for this change and cannot approve it',
    },
    { name: 'a viewer', approver: 'victor', env: 'dev', code: 'FORBIDDEN', says: 'victor is viewer' },
    {
      name: 'someone unlisted (default viewer)',
      approver: 'eve',
      env: 'dev',
      code: 'FORBIDDEN',
      says: 'eve is viewer',
    },
    {
      name: 'a deployer where admin is required',
      approver: 'bob',
      env: 'prd',
      code: 'FORBIDDEN',
      says: 'needs the role admin',
    },
    {
      name: 'PagerDuty',
      approver: 'pagerduty',
      env: 'dev',
      code: 'FORBIDDEN',
      says: 'PagerDuty cannot approve',
    },
    {
      name: 'anyone, for an unknown environment',
      approver: 'ada',
      env: 'stg',
      code: 'NOT_FOUND',
      says: 'Unknown environment "stg"',
    },
  ])('$name', ({ approver, env, code, says }) => {
    // Act
    const result = approverProblem(config, { requester: alice, env, service: 'checkout' }, approver);

    // Assert
    expect(result?.code).toBe(code);
    if (says) expect(result?.reason).toContain(says);
  });
});

describe('approvals.from: roles, groups and ids', () => {
  const withFrom = (from: string[]) =>
    configWith([
      [['access', 'defaultRole'], 'viewer'],
      [['access', 'users'], { alice: 'deployer', bob: 'deployer', carol: 'deployer', ada: 'admin' }],
      [['access', 'groups'], { oncall: ['carol'] }],
      [['environments', 'dev', 'policy', 'approvals'], { required: 1, from }],
    ]);
  it.each([
    { from: ['admin'], approver: 'ada', code: undefined },
    { from: ['admin'], approver: 'bob', code: 'FORBIDDEN' },
    { from: ['deployer'], approver: 'ada', code: undefined },
    { from: ['oncall'], approver: 'carol', code: undefined },
    { from: ['oncall'], approver: 'bob', code: 'FORBIDDEN' },
    { from: ['bob'], approver: 'bob', code: undefined },
    { from: ['bob'], approver: 'carol', code: 'FORBIDDEN' },
    { from: ['oncall', 'admin'], approver: 'ada', code: undefined },
  ])('from $from: $approver → $code', ({ from, approver, code }) => {
    // Act
    const result = approverProblem(
      withFrom(from),
      { requester: 'alice', env: 'dev', service: 'checkout' },
      approver,
    );

    // Assert
    expect(result?.code).toBe(code);
  });
});
