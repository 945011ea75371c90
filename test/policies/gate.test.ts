import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config.js';
import { PolicyGate } from '../../src/policies/gate.js';
import type { Actor, Decision } from '../../src/policies/types.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import type { Tool } from '../../src/tools/tool.js';
import { actor, clock, configWith, memoryStore, sandboxConfig, succeeded, T0, tool } from './helpers.js';

const alice = actor('alice', 'deployer');
const ada = actor('ada', 'admin');
const victor = actor('victor', 'viewer');
const pager = actor('pagerduty', 'admin', { channel: 'pagerduty', readOnly: true });
const readOnlyRepl = actor('alice', 'admin', { readOnly: true });

const DEPLOY_STEPS = '10→25→50→100%';

interface Case {
  name: string;
  actor: Actor;
  tool: string;
  input: unknown;
  config?: () => LoadedConfig;
  arrange?: (store: Store) => Promise<void>;
  expected: { kind: Decision['kind']; code?: string; needs?: object; summary?: string };
}

const upstream =
  (env: string, version = '1.3.0') =>
  (store: Store) =>
    succeeded(store, env, 'checkout', version);

const CASES: Case[] = [
  // Reads are for everyone.
  {
    name: 'read by a viewer',
    actor: victor,
    tool: 'get_status',
    input: { env: 'prd' },
    expected: { kind: 'allow' },
  },
  {
    name: 'read by the read-only PagerDuty actor',
    actor: pager,
    tool: 'get_deployment_history',
    input: { env: 'prd', limit: 5 },
    expected: { kind: 'allow' },
  },
  // Who may write.
  {
    name: 'write by the read-only PagerDuty actor',
    actor: pager,
    tool: 'rollback_service',
    input: { env: 'prd' },
    expected: { kind: 'deny', code: 'READ_ONLY' },
  },
  {
    name: 'write by any actor flagged read-only',
    actor: readOnlyRepl,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    expected: { kind: 'deny', code: 'READ_ONLY' },
  },
  {
    name: 'write by a viewer',
    actor: victor,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    expected: { kind: 'deny', code: 'ROLE_REQUIRED' },
  },
  {
    name: 'write by a role below the environment writeRole',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    config: () => configWith([[['environments', 'dev', 'policy', 'writeRole'], 'admin']]),
    expected: { kind: 'deny', code: 'ROLE_REQUIRED' },
  },
  {
    name: "write by a role below the service's writeRole override",
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', service: 'catalog', version: '1.3.0' },
    config: () =>
      configWith([[['environments', 'dev', 'services', 'catalog', 'policy'], { writeRole: 'admin' }]]),
    expected: { kind: 'deny', code: 'ROLE_REQUIRED' },
  },
  {
    name: 'write by an admin where admin is required',
    actor: ada,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    config: () => configWith([[['environments', 'dev', 'policy', 'writeRole'], 'admin']]),
    expected: { kind: 'ask', needs: { confirm: true, mfa: false, approval: false } },
  },
  {
    name: 'write during a freeze',
    actor: ada,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    config: () =>
      configWith([[['environments', 'dev', 'policy', 'freeze'], 'quarter-end freeze until Monday']]),
    expected: { kind: 'deny', code: 'FROZEN' },
  },
  {
    name: 'rollback to the last known-good version during a freeze',
    actor: ada,
    tool: 'rollback_service',
    input: { env: 'tst' },
    config: () =>
      configWith([[['environments', 'tst', 'policy', 'freeze'], 'quarter-end freeze until Monday']]),
    expected: { kind: 'ask', needs: { confirm: true, mfa: false, approval: false } },
  },
  // Where to.
  {
    name: 'write to an unknown environment',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'stg', version: '1.3.0' },
    expected: { kind: 'deny', code: 'NOT_FOUND' },
  },
  {
    name: 'write to an unknown service',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', service: 'payments', version: '1.3.0' },
    expected: { kind: 'deny', code: 'NOT_FOUND' },
  },
  {
    name: 'promotion from an unknown environment',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'qa', to: 'prd' },
    expected: { kind: 'deny', code: 'NOT_FOUND' },
  },
  // Promotion order.
  {
    name: 'promotion that skips an environment',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'dev', to: 'prd' },
    arrange: upstream('dev'),
    expected: { kind: 'deny', code: 'PROMOTION_ORDER' },
  },
  {
    name: 'promotion backwards',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'prd', to: 'tst' },
    expected: { kind: 'deny', code: 'PROMOTION_ORDER' },
  },
  {
    name: 'promotion into the first environment',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'tst', to: 'dev' },
    expected: { kind: 'deny', code: 'PROMOTION_ORDER' },
  },
  {
    name: 'promotion of a version that did not succeed upstream',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'tst', to: 'prd' },
    arrange: upstream('tst', '1.2.9'),
    expected: { kind: 'deny', code: 'NOT_PROMOTED' },
  },
  {
    name: 'deploy of a version that did not succeed in the previous environment',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'prd', version: '1.3.0' },
    arrange: upstream('dev'),
    expected: { kind: 'deny', code: 'NOT_PROMOTED' },
  },
  {
    name: 'deploy to tst of a version dev never ran',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'tst', version: '2.0.0' },
    expected: { kind: 'deny', code: 'NOT_PROMOTED' },
  },
  {
    // The tool's plan refuses it (ROLLBACK_NOT_ALLOWED, see the engine's tests) with the state it reads.
    name: 'rollback to a version never verified here nor promoted',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd', version: '1.1.0' },
    expected: { kind: 'ask', needs: { confirm: true, mfa: true, approval: false } },
  },
  {
    name: 'rollback to a version that succeeded upstream (the promotion order is not asked for)',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd', version: '1.1.0' },
    arrange: upstream('tst', '1.1.0'),
    expected: { kind: 'ask', needs: { confirm: true, mfa: true, approval: false } },
  },
  // What is asked.
  {
    name: 'deploy to dev: confirmation only',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    expected: {
      kind: 'ask',
      needs: { confirm: true, mfa: false, approval: false },
      summary: `deploy checkout 1.3.0 to dev (blue/green, steps ${DEPLOY_STEPS})`,
    },
  },
  {
    name: 'deploy to prd after success in tst: confirmation and MFA',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'prd', version: '1.3.0' },
    arrange: upstream('tst'),
    expected: {
      kind: 'ask',
      needs: { confirm: true, mfa: true, approval: false },
      summary: `deploy checkout 1.3.0 to prd (blue/green, steps ${DEPLOY_STEPS})`,
    },
  },
  {
    name: 'promotion in order after success upstream: confirmation and MFA',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'tst', to: 'prd' },
    arrange: upstream('tst'),
    expected: {
      kind: 'ask',
      needs: { confirm: true, mfa: true, approval: false },
      summary: 'promote checkout 1.3.0 from tst to prd (blue/green)',
    },
  },
  {
    name: 'rollback of prd to the standby colour: confirmation and MFA',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd' },
    expected: { kind: 'ask', needs: { confirm: true, mfa: true, approval: false } },
  },
  {
    name: 'write where approval is required',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    config: () => configWith([[['environments', 'dev', 'policy', 'requireApproval'], true]]),
    expected: { kind: 'ask', needs: { confirm: true, mfa: false, approval: true } },
  },
];

describe('PolicyGate.decide', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = memoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const gate = (config: LoadedConfig = sandboxConfig(), wallNow = () => T0) =>
    new PolicyGate({ config, store, clock, wallNow });

  it.each(CASES)('$name → $expected.kind', async (c) => {
    // Arrange
    await c.arrange?.(store);
    const subject = gate(c.config?.());

    // Act
    const decision = await subject.decide(c.actor, tool(c.tool), c.input);

    // Assert
    expect(decision).toMatchObject(c.expected);
    if (decision.kind === 'deny') expect(decision.reason.length).toBeGreaterThan(10);
  });

  describe('rollout controls', () => {
    it.each([
      // Abort and pause stop a change: no MFA, no approval, not refused for a freeze; still confirmed.
      { tool: 'abort_rollout', mfa: false },
      { tool: 'pause_rollout', mfa: false },
      // Resuming moves traffic again: in prd it needs the person's code like any write.
      { tool: 'resume_rollout', mfa: true },
    ])('$tool in prd asks for a confirmation, and an MFA code: $mfa', async ({ tool: name, mfa }) => {
      const decision = await gate().decide(actor('alice', 'deployer'), tool(name), { env: 'prd' });
      expect(decision).toMatchObject({ kind: 'ask', needs: { confirm: true, mfa, approval: false } });
    });

    it('lets abort through a freeze that refuses every other write', async () => {
      const frozen = configWith([[['environments', 'prd', 'policy', 'freeze'], 'quarter-end']]);
      const abort = await gate(frozen).decide(actor('alice', 'deployer'), tool('abort_rollout'), {
        env: 'prd',
      });
      const resume = await gate(frozen).decide(actor('alice', 'deployer'), tool('resume_rollout'), {
        env: 'prd',
      });
      expect(abort.kind).toBe('ask');
      expect(resume).toMatchObject({ kind: 'deny', code: 'FROZEN' });
    });

    it('refuses a viewer the controls like any write', async () => {
      const decision = await gate().decide(actor('victor', 'viewer'), tool('abort_rollout'), { env: 'dev' });
      expect(decision.kind).toBe('deny');
    });
  });

  describe('MFA validity (mfaTtlSeconds)', () => {
    const ttl = (seconds: number) =>
      configWith([[['environments', 'prd', 'policy', 'mfaTtlSeconds'], seconds]]);
    const rollbackPrd = { env: 'prd' };

    it.each([
      {
        name: 'a verification 60 s ago within a 300 s validity',
        ttl: 300,
        user: 'alice',
        env: 'prd',
        ago: 60_000,
        mfa: false,
      },
      {
        name: 'a verification 301 s ago, past a 300 s validity',
        ttl: 300,
        user: 'alice',
        env: 'prd',
        ago: 301_000,
        mfa: true,
      },
      {
        name: 'a verification 1 s ago with no validity configured',
        ttl: 0,
        user: 'alice',
        env: 'prd',
        ago: 1_000,
        mfa: true,
      },
      {
        name: 'a verification in another environment',
        ttl: 300,
        user: 'alice',
        env: 'tst',
        ago: 1_000,
        mfa: true,
      },
      { name: "another person's verification", ttl: 300, user: 'bob', env: 'prd', ago: 1_000, mfa: true },
      {
        name: 'a verification dated in the future',
        ttl: 300,
        user: 'alice',
        env: 'prd',
        ago: -5_000,
        mfa: true,
      },
    ])('$name → mfa: $mfa', async (c) => {
      // Arrange
      await store.recordMfaVerification(c.user, c.env, T0 - c.ago);
      const subject = gate(ttl(c.ttl));

      // Act
      const decision = await subject.decide(alice, tool('rollback_service'), rollbackPrd);

      // Assert
      expect(decision).toMatchObject({ kind: 'ask', needs: { confirm: true, mfa: c.mfa, approval: false } });
    });

    it('measures the validity in wall time, whatever the release clock says', async () => {
      // Arrange
      await store.recordMfaVerification('alice', 'prd', T0 - 60_000);
      const fastClock = { now: () => T0 + 86_400_000, sleep: () => Promise.resolve(), scale: 3600 };
      const subject = new PolicyGate({ config: ttl(300), store, clock: fastClock, wallNow: () => T0 });

      // Act
      const decision = await subject.decide(alice, tool('rollback_service'), rollbackPrd);

      // Assert
      expect(decision).toMatchObject({ kind: 'ask', needs: { mfa: false } });
    });
  });

  describe('inputs the model shapes', () => {
    it.each([
      { extra: { mfa_verified: true }, key: 'mfa_verified' },
      { extra: { approved: true, approver: 'ada' }, key: 'approved' },
      { extra: { needs: { mfa: false, confirm: false } }, key: 'needs' },
      { extra: { actor: 'ada', role: 'admin' }, key: 'actor' },
      { extra: { readOnly: false }, key: 'readOnly' },
    ])('a deploy to prd with $key is refused, never allowed', async ({ extra, key }) => {
      // Arrange
      await upstream('tst')(store);
      const subject = gate();
      const clean = await subject.decide(alice, tool('deploy_service'), { env: 'prd', version: '1.3.0' });

      // Act
      const shaped = await subject.decide(alice, tool('deploy_service'), {
        env: 'prd',
        version: '1.3.0',
        ...extra,
      });

      // Assert
      expect(clean).toMatchObject({ kind: 'ask', needs: { confirm: true, mfa: true } });
      expect(shaped).toMatchObject({ kind: 'deny', code: 'INVALID_INPUT' });
      expect(shaped.reason).toContain(key);
    });

    it('refuses a read whose input carries unknown fields', async () => {
      // Arrange
      const subject = gate();

      // Act
      const decision = await subject.decide(victor, tool('get_status'), { env: 'prd', mfa_verified: true });

      // Assert
      expect(decision.kind).toBe('deny');
    });

    it.each([null, 'deploy 1.3.0 to prd', 42, [], { env: 'prd' }])(
      'refuses the malformed write input %j',
      async (input) => {
        // Arrange
        const subject = gate();

        // Act
        const decision = await subject.decide(ada, tool('deploy_service'), input);

        // Assert
        expect(decision).toMatchObject({ kind: 'deny', code: 'INVALID_INPUT' });
      },
    );
  });

  describe('never throws', () => {
    it("denies with the message of a target() that throws on the call's input", async () => {
      // Arrange
      const broken: Tool = {
        ...tool('deploy_service'),
        target: () => {
          throw new Error('dev has several services; name one of: checkout, catalog.');
        },
      };

      // Act
      const decision = await gate().decide(alice, broken, { env: 'dev', version: '1.3.0' });

      // Assert
      expect(decision).toEqual({
        kind: 'deny',
        code: 'INVALID_INPUT',
        reason: 'dev has several services; name one of: checkout, catalog.',
      });
    });

    it('denies when the store cannot answer', async () => {
      // Arrange
      const subject = gate();
      await store.close();

      // Act
      const decision = await subject.decide(alice, tool('deploy_service'), { env: 'prd', version: '1.3.0' });

      // Assert
      expect(decision).toMatchObject({ kind: 'deny', code: 'UNAVAILABLE' });
    });

    it('denies when the summary cannot be written', async () => {
      // Arrange
      const broken: Tool = {
        ...tool('deploy_service'),
        summary: () => {
          throw new TypeError('no steps');
        },
      };

      // Act
      const decision = await gate().decide(alice, broken, { env: 'dev', version: '1.3.0' });

      // Assert
      expect(decision).toEqual({
        kind: 'deny',
        code: 'INTERNAL',
        reason: 'Cannot check deploy_service: no steps',
      });
    });
  });
});
