import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACTORS,
  auditLog,
  callsOf,
  codeOf,
  enrol,
  recordDeployment,
  scriptedPerson,
  startedChecks,
  startKit,
  tableRows,
  weightSteps,
  type Kit,
} from './helpers.js';

/**
 * The seed transcripts, typed as people type them, answered by the offline planner (no API key) against
 * the sandbox: the tool calls, the gate's decisions, what the person was asked, and the state the ALB and
 * the store are left in.
 */
/** Any text: what a summary must be when its lines are checked one by one. */
const SOME_TEXT = expect.any(String) as unknown as string;

describe('offline planner scenarios', () => {
  let kit: Kit;

  beforeEach(async () => {
    kit = await startKit();
  });
  afterEach(async () => {
    await kit.close();
  });

  describe('troubleshooting (seed 001)', () => {
    it('"Deployment failed - how do I troubleshoot?" finds the failed deployment and answers with its cause and the fix', async () => {
      // Arrange: a deploy whose analysis fails; Jarvis rolls it back.
      const failed = await kit.h.jarvis.rollouts.deploy({
        env: 'dev',
        service: 'checkout',
        version: '1.3.0-errors',
        actor: 'alice',
      });
      expect(failed.deployment.status).toBe('ROLLED_BACK');

      // Act
      const turn = await kit.agent.turn(
        't',
        ACTORS.alice,
        'Deployment failed - how do I troubleshoot?',
        scriptedPerson({}),
      );

      // Assert: one read, no write; the answer names the deployment, what failed and what to do.
      expect(callsOf(turn.calls)).toEqual([['diagnose_service', 'allow', 'ok']]);
      expect(turn.calls[0]?.input).toEqual({ deployment: 'last_failed' });
      expect(turn.text).toMatch(/^Diagnosis of checkout in dev/);
      expect(turn.text).toContain(`Deployment #${failed.deployment.id} of checkout 1.3.0-errors`);
      expect(turn.text).toMatch(/ROLLED_BACK/);
      expect(turn.text).toMatch(/error rate/);
    });
  });

  describe('deploy', () => {
    it('"deploy 1.3.0 to dev using blue-green" confirms, shifts 10 → 25 → 50 → 100 and records SUCCESS', async () => {
      // Arrange
      const person = scriptedPerson({ confirm: true });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev using blue-green', person);

      // Assert
      expect(turn.planner).toBe('offline');
      expect(callsOf(turn.calls)).toEqual([['deploy_service', 'ask', 'ok']]);
      expect(turn.calls[0]?.input).toEqual({ env: 'dev', version: '1.3.0' });
      expect(person.confirmations).toEqual([
        {
          summary: 'deploy checkout 1.3.0 to dev (blue/green, steps 10→25→50→100%)',
          needs: { confirm: true, mfa: false, approval: false },
        },
      ]);
      expect(person.mfaPrompts).toEqual([]);
      expect(weightSteps(person.events)).toEqual([10, 25, 50, 100]);
      expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
      expect(kit.h.version('dev', 'checkout', 'green')).toBe('1.3.0');
      expect(kit.h.version('dev', 'checkout', 'blue')).toBe('1.2.0');
      expect(await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toEqual([
        expect.objectContaining({
          version: '1.3.0',
          colour: 'green',
          previousVersion: '1.2.0',
          strategy: 'blue-green',
          actor: 'alice',
          status: 'SUCCESS',
        }),
      ]);
      expect(turn.text).toMatch(/^✓ Deployment of checkout 1\.3\.0 to dev succeeded \(green\)/);
      expect(turn.text).toContain(
        '  Blue (Standby): v1.2.0  ← Ready for rollback\n  Green (Active): v1.3.0  ← 100% traffic',
      );
      expect(turn.calls[0]?.output).toMatchObject({
        state: [
          { colour: 'blue', version: '1.2.0', weight: 0, role: 'standby' },
          { colour: 'green', version: '1.3.0', weight: 100, role: 'active' },
        ],
      });
    });

    it('changes nothing when the person does not confirm', async () => {
      // Arrange
      const person = scriptedPerson({ confirm: false });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['deploy_service', 'ask', 'declined']]);
      expect(person.confirmations).toHaveLength(1);
      expect(person.events).toEqual([]);
      expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
      expect(kit.h.version('dev', 'checkout', 'green')).toBe('1.1.0');
      expect(await kit.h.jarvis.store.listDeployments({ limit: 10 })).toEqual([]);
      expect(turn.text).toMatch(/^Cancelled \(DECLINED\): The person did not confirm this action/);
    });

    it('"deploy 1.3.0 to prd using blue-green" asks for confirmation and a code, then releases to prd', async () => {
      // Arrange
      await recordDeployment(kit.h.jarvis, { env: 'tst', version: '1.3.0', status: 'SUCCESS' });
      const secret = await enrol(kit, 'alice');
      const person = scriptedPerson({ confirm: true, codes: [[codeOf(secret)]] });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to prd using blue-green', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['deploy_service', 'ask', 'ok']]);
      expect(person.confirmations).toEqual([
        {
          summary: 'deploy checkout 1.3.0 to prd (blue/green, steps 10→25→50→100%)',
          needs: { confirm: true, mfa: true, approval: false },
        },
      ]);
      expect(person.mfaPrompts.map((p) => p.outcomes)).toEqual([[{ ok: true }]]);
      expect(weightSteps(person.events)).toEqual([10, 25, 50, 100]);
      expect(kit.h.weights('prd', 'checkout')).toEqual({ blue: 0, green: 100 });
      expect(kit.h.version('prd', 'checkout', 'green')).toBe('1.3.0');
      expect(startedChecks(person.events)).toContain('✓ promotion: 1.3.0 succeeded in tst (deployment #1)');
      const audit = await auditLog(kit.h.jarvis.store);
      expect(audit.map((a) => [a.tool, a.decision, a.outcome])).toEqual([
        ['deploy_service', 'ask:confirm+mfa', 'approved'],
        ['deploy_service', 'ask:confirm+mfa', 'ok'],
      ]);
    });
  });

  describe('rollback', () => {
    it('"rollback dev to previous version" switches all traffic back to the standby in one write', async () => {
      // Arrange
      await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev', scriptedPerson({ confirm: true }));
      const person = scriptedPerson({ confirm: true });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'rollback dev to previous version', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['rollback_service', 'ask', 'ok']]);
      expect(turn.calls[0]?.input).toEqual({ env: 'dev' });
      // The confirmation names the current state and the exact switch (seed 001, "Rollback").
      expect(person.confirmations.map((c) => [c.summary, c.question])).toEqual([
        [
          expect.stringMatching(
            /^Rollback of checkout in DEV\.\n\nCurrent state:\n {2}Blue \(Standby\): v1\.2\.0\n {2}Green \(Active\): v1\.3\.0 {2}← 100% traffic\n\nRollback will shift all traffic to Blue \(v1\.2\.0, last good, verified \d+[smh] ago\) in one verified write\.$/,
          ),
          'Confirm rollback?',
        ],
      ]);
      expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
      const [latest] = await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 1 });
      expect(latest).toMatchObject({
        strategy: 'rollback',
        version: '1.2.0',
        colour: 'blue',
        previousVersion: '1.3.0',
        status: 'SUCCESS',
      });
      const journal = await kit.h.jarvis.store.journal(latest!.id);
      expect(journal.map((j) => j.state)).toEqual(['switch']);
      // One write, all traffic at once.
      expect(weightSteps(person.events)).toEqual([100]);
      expect(turn.text).toMatch(/^✓ Rollback of checkout 1\.2\.0 to dev succeeded \(blue\)/);
      expect(turn.text).toContain(
        'Post-rollback actions:\n  • Investigate 1.3.0: "diagnose checkout in dev"',
      );
      expect(turn.text).toContain(
        '  • Check logs: kubectl -n shop logs deployment/checkout-green -c app --tail=200',
      );
    });

    it('"rollback prd to 1.2.0" after a prd release asks for a fresh code, goes back in one write and verifies', async () => {
      // Arrange
      await recordDeployment(kit.h.jarvis, { env: 'tst', version: '1.3.0', status: 'SUCCESS' });
      const secret = await enrol(kit, 'alice');
      // Two writes, two codes: the first from the previous TOTP step (still accepted), the second from the
      // current one, since a code is accepted once and the step after now is not.
      const person = scriptedPerson({ confirm: true, codes: [[codeOf(secret, -1)], [codeOf(secret)]] });
      await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to prd', person);

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'rollback prd to 1.2.0', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['rollback_service', 'ask', 'ok']]);
      expect(turn.calls[0]?.input).toEqual({ env: 'prd', version: '1.2.0' });
      expect(person.confirmations.map((c) => [c.summary, c.needs.mfa])).toEqual([
        ['deploy checkout 1.3.0 to prd (blue/green, steps 10→25→50→100%)', true],
        [
          expect.stringMatching(
            /^Rollback of checkout in PRD\.[\s\S]*Rollback will shift all traffic to Blue \(v1\.2\.0, verified here before, verified \d+[smh] ago\) in one verified write\. It is then held for the verification window with analysis/,
          ),
          true,
        ],
      ]);
      expect(person.mfaPrompts.map((p) => p.outcomes)).toEqual([[{ ok: true }], [{ ok: true }]]);
      expect(kit.h.weights('prd', 'checkout')).toEqual({ blue: 100, green: 0 });
      expect(kit.h.version('prd', 'checkout', 'blue')).toBe('1.2.0');
      const [latest] = await kit.h.jarvis.store.listDeployments({ env: 'prd', limit: 1 });
      expect(latest).toMatchObject({ strategy: 'rollback', version: '1.2.0', status: 'SUCCESS' });
      expect((await kit.h.jarvis.store.journal(latest!.id)).map((j) => j.state)).toEqual([
        'switch',
        'verify',
      ]);
    });

    it('answers a rollback to the version already live with the valid option, changing nothing', async () => {
      // Arrange
      const person = scriptedPerson({ confirm: true });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'rollback dev to 1.2.0', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['rollback_service', 'ask', 'error']]);
      expect(turn.text).toBe(
        'rollback_service failed (INVALID_INPUT): dev/checkout already runs 1.2.0 on blue: nothing to roll back to.',
      );
      expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
      expect(await kit.h.jarvis.store.listDeployments({ limit: 10 })).toEqual([]);
    });
  });

  describe('promote', () => {
    it('"promote 1.3.0 from dev to tst" releases to tst once dev succeeded', async () => {
      // Arrange
      await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev', scriptedPerson({ confirm: true }));
      const person = scriptedPerson({ confirm: true });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'promote 1.3.0 from dev to tst', person);

      // Assert
      expect(callsOf(turn.calls)).toEqual([['promote_version', 'ask', 'ok']]);
      expect(turn.calls[0]?.input).toEqual({ version: '1.3.0', from: 'dev', to: 'tst' });
      // The checklist comes first, then how tst deploys it (seed 001, "Promotion Command").
      expect(person.confirmations).toEqual([
        {
          summary: SOME_TEXT,
          needs: { confirm: true, mfa: false, approval: false },
          question: 'Proceed with TST promotion?',
        },
      ]);
      const shown = person.confirmations[0]!.summary.split('\n');
      const order = [
        'Promotion of checkout 1.3.0 from DEV to TST.',
        'Pre-promotion checklist:',
        '  ✓ DEV deployment status: SUCCESSFUL (1.3.0 succeeded in dev (deployment #1))',
        '  ✓ DEV version: 1.3.0',
        '  ✓ security scan: No CRITICAL vulnerabilities',
        '  ✓ Integration tests: 156/156 passed',
        'TST deployment:',
      ].map((line) => shown.indexOf(line));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(shown.at(-1)).toMatch(
        /^ {2}• Blue\/Green deployment strategy: steps 10→25→50→100%, 60s of analysis each/,
      );
      expect(weightSteps(person.events)).toEqual([10, 25, 50, 100]);
      expect(kit.h.weights('tst', 'checkout')).toEqual({ blue: 0, green: 100 });
      expect(kit.h.version('tst', 'checkout', 'green')).toBe('1.3.0');
      expect(await kit.h.jarvis.store.listDeployments({ env: 'tst', limit: 10 })).toEqual([
        expect.objectContaining({ version: '1.3.0', strategy: 'promote', status: 'SUCCESS' }),
      ]);
      expect(startedChecks(person.events)).toContain(
        '✓ upstream success: 1.3.0 succeeded in dev (deployment #1)',
      );
    });

    it.each([
      {
        name: 'a version that never ran upstream',
        request: 'promote 1.4.0 from dev to tst',
        target: 'tst',
        seed: undefined,
        why: /1\.4\.0 has not succeeded in dev, and tst only takes versions that did/,
      },
      {
        name: 'a version rolled back upstream',
        request: 'promote 1.3.1-errors from dev to tst',
        target: 'tst',
        seed: { env: 'dev', version: '1.3.1-errors', status: 'ROLLED_BACK' as const },
        why: /1\.3\.1-errors has not succeeded in dev/,
      },
      {
        name: 'skipping tst',
        request: 'promote 1.3.0 from dev to prd',
        target: 'prd',
        seed: { env: 'dev', version: '1.3.0', status: 'SUCCESS' as const },
        why: /prd takes versions from tst, not from dev/,
      },
    ])(
      'refuses to promote $name, asking nothing and changing nothing',
      async ({ request, target, seed, why }) => {
        // Arrange
        if (seed) await recordDeployment(kit.h.jarvis, seed);
        const before = await kit.h.jarvis.store.listDeployments({ limit: 10 });
        const person = scriptedPerson({ confirm: true });

        // Act
        const turn = await kit.agent.turn('t', ACTORS.alice, request, person);

        // Assert
        expect(callsOf(turn.calls)).toEqual([['promote_version', 'deny', 'denied']]);
        expect(person.confirmations).toEqual([]);
        expect(person.mfaPrompts).toEqual([]);
        expect(turn.text).toMatch(/^Not allowed \(DENIED\): The policy refused this call: /);
        expect(turn.text).toMatch(why);
        expect(kit.h.weights(target, 'checkout')).toEqual({ blue: 100, green: 0 });
        expect(kit.h.version(target, 'checkout', 'green')).toBe('1.1.0');
        expect(await kit.h.jarvis.store.listDeployments({ limit: 10 })).toEqual(before);
        const [entry] = await kit.h.jarvis.store.listAudit({ limit: 1 });
        expect(entry).toMatchObject({ tool: 'promote_version', decision: 'deny', outcome: 'denied' });
      },
    );
  });

  describe('help and unknown requests', () => {
    it.each([
      { text: 'help', expected: /^I run blue\/green releases on dev, tst, prd/ },
      { text: 'make me a sandwich', expected: /^I did not understand "make me a sandwich"\.\n\nI run blue/ },
      { text: 'deploy 1.3.0 to staging-eu', expected: /^There is no environment "staging-eu"/ },
    ])('answers "$text" with text and no tool call', async ({ text, expected }) => {
      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, text, scriptedPerson({ confirm: true }));

      // Assert
      expect(turn.calls).toEqual([]);
      expect(turn.text).toMatch(expected);
      expect(await kit.h.jarvis.store.listAudit({ limit: 10 })).toEqual([]);
    });
  });
});

describe('offline planner reads after a release and a rollback', () => {
  let kit: Kit;

  beforeAll(async () => {
    kit = await startKit();
    const yes = scriptedPerson({ confirm: true });
    await kit.agent.turn('setup', ACTORS.alice, 'deploy 1.3.0 to dev', yes);
    await kit.agent.turn('setup', ACTORS.alice, 'rollback dev to previous version', yes);
  });
  afterAll(async () => {
    await kit.close();
  });

  it('"show deployment history for dev" shows the release as ROLLBACK with its reason, and the rollback counted', async () => {
    // Act
    const turn = await kit.agent.turn('h', ACTORS.alice, 'show deployment history for dev', scriptedPerson());

    // Assert
    expect(callsOf(turn.calls)).toEqual([['get_deployment_history', 'allow', 'ok']]);
    expect(turn.calls[0]?.input).toEqual({ env: 'dev', limit: 20 });
    const lines = turn.text.split('\n');
    expect(lines[0]).toBe('DEV Deployment History (dates UTC):');
    expect(lines[2]?.split(/ {2,}/)).toEqual([
      'Version',
      'Service',
      'Date',
      'Duration',
      'Strategy',
      'Deployer',
      'Status',
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(lines[4]).toMatch(
      new RegExp(`^1\\.3\\.0 +checkout +${today} +\\d+m \\d\\ds +Blue/Green +alice +ROLLBACK$`),
    );
    expect(lines[5]).toBe('  └─ Reason: rolled back by alice');
    expect(lines.slice(-3)).toEqual([
      'Rollback events: 1 in last 30 days',
      expect.stringMatching(/^Average deployment time: \d+m \d\ds$/),
      'Success rate: 0% (0/1)',
    ]);
  });

  it('"show deployment metrics for last 7 days" shows the range, the release failed, one rollback, its MTTR and the recent list', async () => {
    // Act
    const turn = await kit.agent.turn(
      'm',
      ACTORS.alice,
      'show deployment metrics for last 7 days',
      scriptedPerson(),
    );

    // Assert
    expect(callsOf(turn.calls)).toEqual([['get_deployment_metrics', 'allow', 'ok']]);
    expect(turn.calls[0]?.input).toEqual({ days: 7 });
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const lines = turn.text.split('\n');
    expect(lines[0]).toBe(
      `Deployment metrics (${day(Date.now() - 7 * 86_400_000)} to ${day(Date.now())}, UTC):`,
    );
    const row = (env: string): string[] => lines.find((l) => l.startsWith(env))?.split(/ {2,}/) ?? [];
    // One release, rolled back by a person: a failure, and one rollback (not two), restored in seconds.
    expect(row('DEV').slice(0, 5)).toEqual(['DEV', '1', '0', '1', '1']);
    expect(row('DEV')[5]).toMatch(/^\d+s$/);
    expect(row('DEV')[6]).toBe('100%');
    expect(row('TST').slice(0, 7)).toEqual(['TST', '0', '0', '0', '0', '–', '–']);
    const recent = lines.slice(lines.indexOf('Recent deployments:') + 3);
    expect(recent[0]).toMatch(/^\S+ +DEV +checkout +1\.2\.0 +\d+s +SUCCESS \(rollback\)$/);
    expect(recent[1]).toMatch(/^\S+ +DEV +checkout +1\.3\.0 +\d+m \d\ds +ROLLBACK \(B\/G\)$/);
    expect(recent[2]).toBe('  └─ Reason: rolled back by alice');
  });

  it('"diagnose dev" reports what changed: the release and the rollback', async () => {
    // Act
    const turn = await kit.agent.turn('d', ACTORS.alice, 'diagnose dev', scriptedPerson());

    // Assert
    expect(callsOf(turn.calls)).toEqual([['diagnose_service', 'allow', 'ok']]);
    expect(turn.calls[0]?.input).toEqual({ env: 'dev' });
    expect(turn.text).toMatch(/^Diagnosis of checkout in dev /);
    expect(turn.text).toContain('Traffic: blue 100% stable, 1.2.0, 3/3 ready · green 0% standby, 1.3.0');
    expect(turn.text).toMatch(
      /Last deployments: #2 1\.2\.0 → blue SUCCESS \(rollback, alice, .*\); #1 1\.3\.0 → green ROLLED_BACK \(blue-green, alice, .*\): rolled back by alice\./,
    );
  });

  it('"status of dev" shows the weights and versions the sandbox holds', async () => {
    // Act
    const turn = await kit.agent.turn('s', ACTORS.alice, 'status of dev', scriptedPerson());

    // Assert
    expect(callsOf(turn.calls)).toEqual([['get_status', 'allow', 'ok']]);
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(turn.text).toContain('checkout: Blue 100% | Green 0%');
    const rows = tableRows(turn.text).filter((r) => r[0] === 'blue' || r[0] === 'green');
    expect(rows.slice(0, 2).map((r) => [r[0], r[2]])).toEqual([
      ['blue', '1.2.0'],
      ['green', '1.3.0'],
    ]);
  });
});
