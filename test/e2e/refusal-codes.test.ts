import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/policies/types.js';
import {
  ACTORS,
  auditLog,
  enrol,
  scriptedPerson,
  startKit,
  wrongCodeOf,
  type Kit,
  type PersonScript,
} from './helpers.js';

interface Case {
  name: string;
  actor: Actor;
  call: { name: string; input: Record<string, unknown> };
  person?: PersonScript | 'wrong code';
  outcome: string;
  code: string;
}

/** Each kind of refusal of a write, as the loop reports it: outcome and code, on the call and in the audit. */
const CASES: Case[] = [
  {
    name: 'a viewer deploying',
    actor: ACTORS.victor,
    call: { name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
    outcome: 'denied',
    code: 'ROLE_REQUIRED',
  },
  {
    name: 'PagerDuty rolling back',
    actor: ACTORS.pagerdutyAdmin,
    call: { name: 'rollback_service', input: { env: 'prd' } },
    outcome: 'denied',
    code: 'READ_ONLY',
  },
  {
    name: 'a deploy to prd of a version tst never ran',
    actor: ACTORS.alice,
    call: { name: 'deploy_service', input: { env: 'prd', version: '1.3.0' } },
    outcome: 'denied',
    code: 'NOT_PROMOTED',
  },
  {
    name: 'a promotion from dev straight to prd',
    actor: ACTORS.alice,
    call: { name: 'promote_version', input: { version: '1.3.0', from: 'dev', to: 'prd' } },
    outcome: 'denied',
    code: 'PROMOTION_ORDER',
  },
  {
    name: 'a rollback to a version never verified in prd',
    actor: ACTORS.alice,
    call: { name: 'rollback_service', input: { env: 'prd', version: '1.0.0' } },
    outcome: 'error',
    code: 'ROLLBACK_NOT_ALLOWED',
  },
  {
    name: 'an unknown environment',
    actor: ACTORS.alice,
    call: { name: 'deploy_service', input: { env: 'qa', version: '1.3.0' } },
    outcome: 'denied',
    code: 'NOT_FOUND',
  },
  {
    name: 'a write the person does not confirm',
    actor: ACTORS.alice,
    call: { name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
    person: { confirm: false },
    outcome: 'declined',
    code: 'DECLINED',
  },
  {
    name: 'a prd rollback with a wrong code',
    actor: ACTORS.alice,
    call: { name: 'rollback_service', input: { env: 'prd' } },
    person: 'wrong code',
    outcome: 'mfa-failed',
    code: 'MFA_FAILED',
  },
];

describe('refusal codes through the agent loop', () => {
  let kit: Kit;
  let secret: string;
  beforeAll(async () => {
    kit = await startKit({ knownGood: ['prd'] });
    secret = await enrol(kit, 'alice');
  });
  afterAll(async () => {
    await kit.close();
  });

  it.each(CASES)('$name → $outcome $code', async (c) => {
    // Arrange
    const person = scriptedPerson(
      c.person === 'wrong code'
        ? { confirm: true, codes: [[wrongCodeOf(secret)]] }
        : (c.person ?? { confirm: true }),
    );

    // Act
    const turn = await kit.agent.command(`t-${c.name}`, c.actor, c.call, person);

    // Assert
    expect(turn.calls).toMatchObject([{ tool: c.call.name, outcome: c.outcome, code: c.code }]);
    expect(turn.text.length).toBeGreaterThan(20);
    const [last] = (await auditLog(kit.h.jarvis.store)).reverse();
    expect(last?.tool).toBe(c.call.name);
    expect(JSON.stringify(last?.detail)).toContain(c.code);
    expect(kit.h.weights('prd', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });
});
