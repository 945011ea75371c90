import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/policies/types.js';
import {
  ACTORS,
  auditLog,
  callsOf,
  codeOf,
  enrol,
  recordDeployment,
  scriptedPerson,
  startKit,
  type Kit,
} from './helpers.js';

const ada: Actor = { id: 'ada', role: 'admin', channel: 'repl' };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().slice(0, 16) + 'Z';

describe('freezes set by an admin, as people see them', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ knownGood: ['dev', 'prd'] });
  });
  afterEach(async () => {
    await kit.close();
  });

  it('freeze dev: status shows it, a deploy is refused with the reason, rollback to known good is still asked for; unfreeze lifts it', async () => {
    // Arrange
    const until = inAnHour();
    const yes = scriptedPerson({ confirm: true });

    // Act
    const frozen = await kit.agent.command(
      't-ada',
      ada,
      {
        name: 'freeze_environment',
        input: { environment: 'dev', reason: 'INC-42 under review', until },
      },
      yes,
    );
    const status = await kit.agent.turn('t-alice', ACTORS.alice, 'status of dev', scriptedPerson());
    const deployPerson = scriptedPerson({ confirm: true });
    const deploy = await kit.agent.turn('t-alice', ACTORS.alice, 'deploy 1.3.0 to dev', deployPerson);
    const rollbackPerson = scriptedPerson({ confirm: false });
    const rollback = await kit.agent.turn('t-alice', ACTORS.alice, 'rollback dev', rollbackPerson);
    const emergencyPerson = scriptedPerson({ confirm: false });
    const emergency = await kit.agent.turn(
      't-alice',
      ACTORS.alice,
      'emergency rollback all services in dev',
      emergencyPerson,
    );
    const byDeployer = await kit.agent.command(
      't-alice',
      ACTORS.alice,
      {
        name: 'unfreeze_environment',
        input: { environment: 'dev' },
      },
      yes,
    );
    const unfrozen = await kit.agent.command(
      't-ada',
      ada,
      {
        name: 'unfreeze_environment',
        input: { environment: 'dev' },
      },
      yes,
    );
    const after = await kit.agent.turn('t-alice', ACTORS.alice, 'status of dev', scriptedPerson());
    const deployAgain = scriptedPerson({ confirm: false });
    const again = await kit.agent.turn('t-alice', ACTORS.alice, 'deploy 1.3.0 to dev', deployAgain);

    // Assert
    expect(frozen.calls[0]).toMatchObject({ decision: 'ask', outcome: 'ok' });
    expect(frozen.text).toContain('dev is frozen until');
    expect(status.text).toContain('FROZEN: INC-42 under review (until ');
    expect(deploy.calls).toMatchObject([{ tool: 'deploy_service', outcome: 'denied', code: 'FROZEN' }]);
    expect(deploy.text).toContain('INC-42 under review');
    expect(deployPerson.confirmations).toEqual([]);
    expect(callsOf(rollback.calls)).toEqual([['rollback_service', 'ask', 'declined']]);
    expect(rollbackPerson.confirmations).toHaveLength(1);
    expect(callsOf(emergency.calls)).toEqual([['emergency_rollback', 'ask', 'declined']]);
    expect(emergencyPerson.confirmations).toHaveLength(1);
    expect(byDeployer.calls[0]).toMatchObject({ outcome: 'denied', code: 'ROLE_REQUIRED' });
    expect(unfrozen.text).toContain('dev is no longer frozen');
    expect(after.text).not.toContain('FROZEN');
    expect(callsOf(again.calls)).toEqual([['deploy_service', 'ask', 'declined']]);
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    const audit = await auditLog(kit.h.jarvis.store);
    expect(
      audit.filter((a) => a.tool.endsWith('freeze_environment')).map((a) => [a.actor, a.tool, a.outcome]),
    ).toEqual([
      ['ada', 'freeze_environment', 'approved'],
      ['ada', 'freeze_environment', 'ok'],
      ['alice', 'unfreeze_environment', 'denied'],
      ['ada', 'unfreeze_environment', 'approved'],
      ['ada', 'unfreeze_environment', 'ok'],
    ]);
  });

  it('an admin breaks the glass in a frozen prd with a reason and an MFA code, audited as break-glass', async () => {
    // Arrange
    const secret = await enrol(kit, 'ada');
    await recordDeployment(kit.h.jarvis, { env: 'tst', version: '1.3.0', status: 'SUCCESS' });
    const person = scriptedPerson({ confirm: true, codes: [[codeOf(secret, -1)], [codeOf(secret)]] });
    await kit.agent.command(
      't-ada',
      ada,
      {
        name: 'freeze_environment',
        input: { environment: 'prd', reason: 'Black Friday' },
      },
      person,
    );

    // Act
    const plain = await kit.agent.command(
      't-ada',
      ada,
      {
        name: 'deploy_service',
        input: { env: 'prd', version: '1.3.0' },
      },
      person,
    );
    const broken = await kit.agent.command(
      't-ada',
      ada,
      {
        name: 'deploy_service',
        input: { env: 'prd', version: '1.3.0', breakGlass: 'payment outage, the fix cannot wait' },
      },
      person,
    );

    // Assert
    expect(plain.calls[0]).toMatchObject({ outcome: 'denied', code: 'FROZEN' });
    expect(plain.text).toContain('Black Friday');
    expect(broken.calls[0]).toMatchObject({ decision: 'ask', outcome: 'ok' });
    expect(person.mfaPrompts.map((p) => p.outcomes.at(-1)?.ok)).toEqual([true, true]);
    expect(kit.h.version('prd', 'checkout', 'green')).toBe('1.3.0');
    const audit = await auditLog(kit.h.jarvis.store);
    const glass = audit.find((a) => a.tool === 'deploy_service' && a.outcome === 'ok');
    expect(glass?.decision).toBe('ask:confirm+mfa+break-glass');
    expect(glass?.detail).toMatchObject({
      requester: 'ada',
      breakGlass: { reason: 'payment outage, the fix cannot wait', freeze: 'Black Friday' },
    });
  });

  it('status says the freeze is unknown when it cannot be read, and a write is refused, never let through', async () => {
    // Arrange: the freezes table is gone (a damaged database), everything else still answers.
    const db = new Database(kit.h.storePath);
    db.exec('DROP TABLE freezes');
    db.close();

    // Act
    const status = await kit.agent.turn('t', ACTORS.alice, 'status of dev', scriptedPerson());
    const person = scriptedPerson({ confirm: true });
    const deploy = await kit.agent.command(
      't',
      ACTORS.alice,
      { name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
      person,
    );

    // Assert
    expect(status.text).toContain('Freeze: unknown (could not read freezes');
    expect(status.text).toContain('Status of dev');
    expect(deploy.calls).toMatchObject([{ outcome: 'denied' }]);
    expect(deploy.calls[0]?.code).toBeDefined();
    expect(person.confirmations).toEqual([]);
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });
});
