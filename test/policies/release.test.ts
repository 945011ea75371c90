import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config.js';
import { PolicyGate } from '../../src/policies/gate.js';
import { channelProblem } from '../../src/policies/release.js';
import type { Actor, Origin } from '../../src/policies/types.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { actor, clock, configWith, memoryStore, sandboxConfig, succeeded, T0, tool } from './helpers.js';

const ada = actor('ada', 'admin');
const alice = actor('alice', 'deployer');
const inSlack = (name: string, id = 'C0SOMEWHERE'): Origin => ({ kind: 'slack', channel: id, name });
const slackActor = (base: Actor, origin: Origin): Actor => ({ ...base, channel: 'slack', origin });

interface Case {
  name: string;
  actor: Actor;
  tool: string;
  input: Record<string, unknown>;
  config?: () => LoadedConfig;
  arrange?: (store: Store) => Promise<void>;
  /** The refusal's code, or undefined when the write is asked for (`ask`). */
  code: string | undefined;
  needs?: { mfa?: boolean; approval?: boolean };
}

const frozenPrd = () =>
  configWith([[['environments', 'prd', 'policy', 'freeze'], 'Black Friday: no changes until Monday']]);
const stored = (env: string, until?: number) => (store: Store) =>
  store
    .putFreeze({ env, reason: 'incident INC-42 under review', actor: 'ada', at: T0 - 60_000, until })
    .then(() => undefined);
const knownGood = (env: string, version: string) => async (store: Store) => {
  const d = await store.startDeployment({
    env,
    service: 'checkout',
    version,
    colour: 'green',
    strategy: 'blue-green',
    actor: 'alice',
    startedAt: T0 - 7_200_000,
  });
  await store.finishDeployment(d.id, 'SUCCESS', undefined, T0 - 7_000_000, {
    state: {
      live: { colour: 'green', version, verdict: 'known_good', at: T0 - 7_000_000 },
      standby: { colour: 'blue', version: '1.1.0', verdict: 'known_good', at: T0 - 9_000_000 },
    },
    verdicts: [{ version, verdict: 'known_good', at: T0 - 7_000_000, deploymentId: d.id }],
  });
};

/** Every rule of the release policy and every refusal code it gives, through the gate. */
const CASES: Case[] = [
  // Roles and tools only admins may call.
  {
    name: 'freeze_environment by a deployer',
    actor: alice,
    tool: 'freeze_environment',
    input: { environment: 'prd', reason: 'release train' },
    code: 'ROLE_REQUIRED',
  },
  {
    name: 'freeze_environment by an admin (prd wants MFA for every write)',
    actor: ada,
    tool: 'freeze_environment',
    input: { environment: 'prd', reason: 'release train' },
    code: undefined,
    needs: { mfa: true, approval: false },
  },
  {
    name: 'unfreeze_environment by a deployer',
    actor: alice,
    tool: 'unfreeze_environment',
    input: { environment: 'prd' },
    code: 'ROLE_REQUIRED',
  },
  {
    name: 'unfreeze_environment by an admin during a freeze',
    actor: ada,
    tool: 'unfreeze_environment',
    input: { environment: 'prd' },
    config: frozenPrd,
    code: undefined,
  },
  // Promotion order and previous-environment success.
  {
    name: 'promotion skipping tst',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'dev', to: 'prd' },
    code: 'PROMOTION_ORDER',
  },
  {
    name: 'promotion of a version that never ran in dev, where tst does not ask for it on deploys',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'dev', to: 'tst' },
    config: () => configWith([[['environments', 'tst', 'policy', 'requirePreviousEnvSuccess'], false]]),
    code: 'NOT_PROMOTED',
  },
  {
    name: 'deploy to prd of a version that did not succeed in tst',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'prd', version: '1.3.0' },
    code: 'NOT_PROMOTED',
  },
  // Freezes.
  {
    name: 'deploy during a configured freeze',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'prd', version: '1.3.0' },
    config: frozenPrd,
    arrange: (s) => succeeded(s, 'tst', 'checkout', '1.3.0'),
    code: 'FROZEN',
  },
  {
    name: 'promotion during a stored freeze',
    actor: alice,
    tool: 'promote_version',
    input: { version: '1.3.0', from: 'tst', to: 'prd' },
    arrange: async (s) => {
      await succeeded(s, 'tst', 'checkout', '1.3.0');
      await stored('prd')(s);
    },
    code: 'FROZEN',
  },
  {
    name: 'deploy after a stored freeze ended',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0' },
    arrange: stored('dev', T0 - 1),
    code: undefined,
  },
  {
    name: 'resume during a freeze',
    actor: alice,
    tool: 'resume_rollout',
    input: { env: 'prd' },
    config: frozenPrd,
    code: 'FROZEN',
  },
  {
    name: 'abort during a freeze',
    actor: alice,
    tool: 'abort_rollout',
    input: { env: 'prd' },
    config: frozenPrd,
    code: undefined,
  },
  {
    name: 'rollback to the last known-good version during a freeze',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd' },
    config: frozenPrd,
    code: undefined,
    needs: { mfa: true },
  },
  {
    name: 'rollback to a named known-good version during a freeze',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd', version: '1.2.0' },
    config: frozenPrd,
    arrange: knownGood('prd', '1.2.0'),
    code: undefined,
  },
  {
    name: 'rollback to a named version only promoted, never verified here, during a freeze',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd', version: '1.2.5' },
    config: frozenPrd,
    arrange: (s) => succeeded(s, 'tst', 'checkout', '1.2.5'),
    code: 'FROZEN',
  },
  {
    name: 'break-glass by a deployer',
    actor: alice,
    tool: 'deploy_service',
    input: { env: 'prd', version: '1.3.0', breakGlass: 'checkout is down for every customer' },
    config: frozenPrd,
    arrange: (s) => succeeded(s, 'tst', 'checkout', '1.3.0'),
    code: 'BREAK_GLASS_REFUSED',
  },
  {
    name: 'break-glass by an admin where MFA is not otherwise required',
    actor: ada,
    tool: 'deploy_service',
    input: { env: 'dev', version: '1.3.0', breakGlass: 'checkout is down for every customer' },
    config: () => configWith([[['environments', 'dev', 'policy', 'freeze'], 'audit week']]),
    code: undefined,
    needs: { mfa: true },
  },
  // Channel guardrails: the defaults (prd: no DMs), and a list.
  {
    name: 'prd write from a direct message (default)',
    actor: slackActor(alice, { kind: 'dm', channel: 'D0ALICE' }),
    tool: 'rollback_service',
    input: { env: 'prd' },
    code: 'CHANNEL_NOT_ALLOWED',
  },
  {
    name: 'prd write from #jarvis-ci (default)',
    actor: slackActor(alice, inSlack('jarvis-ci')),
    tool: 'rollback_service',
    input: { env: 'prd' },
    code: undefined,
  },
  {
    name: 'prd write from a channel Jarvis does not listen in (default)',
    actor: slackActor(alice, inSlack('random')),
    tool: 'rollback_service',
    input: { env: 'prd' },
    code: 'CHANNEL_NOT_ALLOWED',
  },
  {
    name: 'dev write from a direct message (default)',
    actor: slackActor(alice, { kind: 'dm', channel: 'D0ALICE' }),
    tool: 'rollback_service',
    input: { env: 'dev' },
    code: undefined,
  },
  {
    name: 'prd write from the terminal where only #jarvis-ci is listed',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd' },
    config: () => configWith([[['environments', 'prd', 'policy', 'writeFrom'], ['#jarvis-ci']]]),
    code: 'CHANNEL_NOT_ALLOWED',
  },
  {
    name: 'abort from a direct message where prd writes are not taken from DMs',
    actor: slackActor(alice, { kind: 'dm', channel: 'D0ALICE' }),
    tool: 'abort_rollout',
    input: { env: 'prd' },
    code: undefined,
  },
  // Approvals.
  {
    name: 'two approvals configured for prd',
    actor: alice,
    tool: 'rollback_service',
    input: { env: 'prd' },
    config: () => configWith([[['environments', 'prd', 'policy', 'approvals'], { required: 2 }]]),
    code: undefined,
    needs: { approval: true, mfa: true },
  },
];

describe('the release policy through the gate', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = memoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it.each(CASES)('$name → $code', async (c) => {
    // Arrange
    await c.arrange?.(store);
    const gate = new PolicyGate({ config: c.config?.() ?? sandboxConfig(), store, clock, wallNow: () => T0 });

    // Act
    const decision = await gate.decide(c.actor, tool(c.tool), c.input);

    // Assert
    if (c.code === undefined) {
      expect(decision).toMatchObject({ kind: 'ask', needs: { confirm: true, ...c.needs } });
    } else {
      expect(decision).toMatchObject({ kind: 'deny', code: c.code });
      if (decision.kind === 'deny') expect(decision.reason).not.toBe('');
    }
  });

  it('says why and until when a freeze holds, and lets an admin break the glass with MFA, recorded', async () => {
    // Arrange
    const until = Date.UTC(2026, 0, 5, 18, 0);
    await stored('prd', until)(store);
    await succeeded(store, 'tst', 'checkout', '1.3.0');
    const gate = new PolicyGate({ config: sandboxConfig(), store, clock, wallNow: () => T0 });
    const input = { env: 'prd', version: '1.3.0' };

    // Act
    const refused = await gate.decide(ada, tool('deploy_service'), input);
    const broken = await gate.decide(ada, tool('deploy_service'), {
      ...input,
      breakGlass: 'hotfix for INC-42',
    });

    // Assert
    expect(refused).toMatchObject({ kind: 'deny', code: 'FROZEN' });
    expect(refused.reason).toContain('incident INC-42 under review');
    expect(refused.reason).toContain('2026-01-05 18:00 UTC');
    expect(broken).toMatchObject({
      kind: 'ask',
      needs: { confirm: true, mfa: true },
      breakGlass: { reason: 'hotfix for INC-42', freeze: 'incident INC-42 under review' },
    });
  });
});

describe('channelProblem per channel kind', () => {
  const listed = configWith([
    [
      ['environments', 'prd', 'policy', 'writeFrom'],
      ['terminal', '#jarvis-ci', 'C0OPS00001'],
    ],
  ]);
  it.each([
    { origin: { kind: 'terminal' } as Origin, code: undefined },
    { origin: inSlack('jarvis-ci'), code: undefined },
    { origin: { kind: 'slack', channel: 'C0OPS00001' } as Origin, code: undefined },
    { origin: inSlack('general'), code: 'CHANNEL_NOT_ALLOWED' },
    { origin: { kind: 'slack', channel: 'C0JARVISCI' } as Origin, code: 'CHANNEL_NOT_ALLOWED' },
    { origin: { kind: 'dm', channel: 'D0ALICE' } as Origin, code: 'CHANNEL_NOT_ALLOWED' },
    { origin: { kind: 'pagerduty' } as Origin, code: 'CHANNEL_NOT_ALLOWED' },
  ])('$origin.kind $origin.name $origin.channel → $code', ({ origin, code }) => {
    // Act
    const problem = channelProblem(listed, 'prd', 'checkout', origin);

    // Assert
    expect(problem?.code).toBe(code);
  });
});

describe('release policy settings in the configuration', () => {
  it('reports every bad setting at once, with its path', () => {
    // Act
    const load = () =>
      configWith([
        [
          ['environments', 'prd', 'policy', 'writeFrom'],
          ['terminal', 'everywhere'],
        ],
        [['environments', 'prd', 'policy', 'approvals'], { required: 0 }],
        [
          ['environments', 'tst', 'policy', 'freezes'],
          [{ reason: 'x', timeZone: 'Mars/Olympus', weekly: { days: ['fri'] } }],
        ],
      ]);

    // Assert
    expect(load).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    try {
      load();
    } catch (err) {
      const problems = (err as { problems: string[] }).problems.join('\n');
      expect(problems).toContain('environments.prd.policy.writeFrom.1');
      expect(problems).toContain('environments.prd.policy.approvals.required');
      expect(problems).toContain('environments.tst.policy.freezes.0.timeZone');
    }
  });
});
