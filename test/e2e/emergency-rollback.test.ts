import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { Repl } from '../../src/channels/repl.js';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import type { RolloutResult } from '../../src/rollout/service.js';
import { servicesOf } from '../../src/tools/emergency-rollback.js';
import { until } from '../helpers/faults.js';
import {
  ACTORS,
  auditLog,
  callsOf,
  codeOf,
  enrol,
  recordKnownGood,
  scriptedPerson,
  startKit,
  tableRows,
  type Kit,
} from './helpers.js';

/** A REPL on `kit`'s agent, fed line by line; `text()` is everything it printed. */
function terminal(kit: Kit) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const repl = new Repl({ agent: kit.agent, actor: ACTORS.alice, input, output, terminal: false });
  return { input, session: repl.run(), text: () => text };
}

describe('emergency rollback', () => {
  let kit: Kit | undefined;
  let running: Promise<RolloutResult> | undefined;

  afterEach(async () => {
    await running?.catch(() => undefined);
    running = undefined;
    await kit?.close();
    kit = undefined;
  });

  it('"emergency rollback all services in dev" in the REPL: one confirmation listing each service, one verified write for the one with a known-good version, the other skipped with the reason', async () => {
    // Arrange: checkout released 1.3.0 over 1.2.0 (known good on standby); catalog has nothing verified.
    kit = await startKit();
    const released = await kit.h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'carol',
    });
    expect(released.deployment.status).toBe('SUCCESS');
    const catalogBefore = kit.h.weights('dev', 'catalog');
    const t = terminal(kit);

    // Act
    t.input.write('emergency rollback all services in dev\n');
    await until('the confirmation', () => /Confirm emergency rollback\? \(yes\/no\): /.test(t.text()));
    const asked = t.text();
    t.input.write('yes\n');
    await until('the answer', () => /Emergency rollback in dev: SUCCESS\./.test(t.text()));
    t.input.end();
    await t.session;

    // Assert: what the person was shown before and after.
    expect(asked).toContain(
      'Emergency: roll back every service in dev to its known-good version (1 of 2 services, one at a time):',
    );
    expect(asked).toMatch(
      /• checkout: roll back checkout in dev: Green \(active\) 1\.3\.0 ← 100% {2}→ {2}Blue 1\.2\.0 \(last good, verified \d+[smh] ago\); one verified weight write/,
    );
    expect(asked).toMatch(/• catalog: skipped: No known-good version of catalog in dev to roll back to/);
    expect(asked.match(/Confirm emergency rollback\?/g)).toHaveLength(1);
    const after = t.text().slice(asked.length);
    // Each service's rollback shows as it happens, as a single rollback does.
    expect(after).toContain(
      'Rolling back checkout in DEV to 1.2.0 (Blue)...\n  [100%] Blue: 100% | Green: 0%\n',
    );
    const rows = tableRows(after);
    expect(rows[0]).toEqual(['service', 'outcome', 'version', 'deployment', 'detail']);
    expect(rows[1]?.slice(0, 3)).toEqual(['checkout', 'rolled-back', '1.2.0']);
    expect(rows[1]?.[3]).toMatch(/^#\d+$/);
    expect(rows[2]?.slice(0, 4)).toEqual(['catalog', 'skipped', '', '']);
    expect(rows[2]?.[4]).toMatch(/^No known-good version of catalog in dev/);

    // The platform: checkout back on blue 1.2.0, catalog untouched.
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(kit.h.weights('dev', 'catalog')).toEqual(catalogBefore);

    // The records: one audited operation naming every service, and the rollback's own deployment.
    const audit = (await auditLog(kit.h.jarvis.store)).filter((a) => a.tool === 'emergency_rollback');
    expect(audit.map((a) => [a.actor, a.decision, a.outcome])).toEqual([
      ['alice', 'ask:confirm', 'approved'],
      ['alice', 'ask:confirm', 'ok'],
    ]);
    expect(audit[0]?.inputSummary).toMatch(/checkout: roll back checkout in dev[\s\S]*catalog: skipped/);
    const [latest] = await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 1 });
    expect(latest).toMatchObject({
      service: 'checkout',
      strategy: 'rollback',
      version: '1.2.0',
      actor: 'alice',
      status: 'SUCCESS',
    });
    expect(await kit.h.jarvis.store.listDeployments({ env: 'dev', service: 'catalog', limit: 5 })).toEqual(
      [],
    );
  });

  it('in prd asks one confirmation and one TOTP code for the whole operation', async () => {
    // Arrange
    kit = await startKit({ knownGood: ['prd'] });
    const secret = await enrol(kit, 'alice');
    const person = scriptedPerson({ confirm: true, codes: [[codeOf(secret)]] });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'emergency rollback all services in prd', person);

    // Assert
    expect(callsOf(turn.calls)).toEqual([['emergency_rollback', 'ask', 'ok']]);
    expect(turn.calls[0]?.failed).toBeUndefined();
    expect(person.confirmations).toHaveLength(1);
    expect(person.confirmations[0]?.needs).toEqual({ confirm: true, mfa: true, approval: false });
    expect(person.mfaPrompts.map((p) => p.outcomes)).toEqual([[{ ok: true }]]);
    expect(kit.h.weights('prd', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(turn.text).toMatch(/^Emergency rollback in prd: SUCCESS\.\n/);
    expect(tableRows(turn.text)[1]?.slice(0, 3)).toEqual(['checkout', 'rolled-back', '1.1.0']);
  });

  it('declined, changes nothing and records no deployment', async () => {
    // Arrange
    kit = await startKit({ knownGood: ['dev'] });
    const person = scriptedPerson({ confirm: false });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'emergency rollback dev', person);

    // Assert
    expect(callsOf(turn.calls)).toEqual([['emergency_rollback', 'ask', 'declined']]);
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toHaveLength(1);
  });

  it('refuses before asking anything when no service has anywhere safe to go', async () => {
    // Arrange: the seeded state, nothing verified by Jarvis.
    kit = await startKit();
    const person = scriptedPerson({ confirm: true });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'emergency rollback all services in dev', person);

    // Assert
    expect(callsOf(turn.calls)).toEqual([['emergency_rollback', 'ask', 'error']]);
    expect(person.confirmations).toEqual([]);
    expect(turn.text).toMatch(
      /\(CONFLICT\): Nothing to do in dev: checkout: No known-good version[\s\S]*catalog: No known-good/,
    );
  });

  it('"emergency rollback canaries in dev" aborts the rollout in progress and skips the service with none', async () => {
    // Arrange: a release of checkout running, started by someone else.
    kit = await startKit();
    const h = kit.h;
    running = h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'carol' });
    await until('the first shift', () => h.weights('dev', 'checkout').green === 10, 20_000);
    const person = scriptedPerson({ confirm: true });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'emergency rollback canaries in dev', person);

    // Assert
    expect(callsOf(turn.calls)).toEqual([['emergency_rollback', 'ask', 'ok']]);
    expect(person.confirmations[0]?.summary).toMatch(
      /^Emergency: abort every rollout in progress in dev \(1 of 2 services, one at a time\):\n {2}• checkout: abort deployment #\d+ \(1\.3\.0\), all traffic back on the stable colour\n {2}• catalog: skipped: no rollout of catalog is in progress in dev$/,
    );
    expect((await running).deployment.status).toBe('ABORTED');
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(turn.text).toMatch(/^Emergency abort in dev: SUCCESS\./);
    expect(tableRows(turn.text).map((r) => r.slice(0, 3))).toEqual([
      ['service', 'outcome', 'version'],
      ['checkout', 'aborted', '1.3.0'],
      ['catalog', 'skipped', ''],
    ]);
  });
});

/**
 * The sandbox's configuration with a second service in prd (catalog, behind its own listener rule and
 * target groups) and a group naming both: what a production with several services looks like.
 */
function twoServicesInPrd(dir: string): string {
  const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as {
    environments: Record<string, { services: Record<string, unknown> }>;
    groups?: Record<string, string[]>;
  };
  const prd = config.environments.prd!;
  const catalog = JSON.stringify(prd.services.checkout)
    .replaceAll('checkout', 'catalog')
    .replaceAll('2000000000000003', '2000000000000004')
    .replaceAll('1000000000000021', '1000000000000023')
    .replaceAll('1000000000000022', '1000000000000024');
  prd.services.catalog = JSON.parse(catalog) as unknown;
  config.groups = { backend: ['checkout', 'catalog'] };
  const path = join(dir, 'two-services.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

describe('emergency rollback of several services in prd', () => {
  let kit: Kit | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('"emergency rollback backend in prd": one confirmation and one TOTP code, then one verified write per service', async () => {
    // Arrange: both services released and verified (blue 1.2.0 live, green 1.1.0 known good on standby).
    dir = mkdtempSync(join(tmpdir(), 'jarvis-emergency-'));
    kit = await startKit({ configPath: twoServicesInPrd(dir) });
    await recordKnownGood(kit.h.jarvis, 'prd', 'checkout');
    await recordKnownGood(kit.h.jarvis, 'prd', 'catalog');
    const secret = await enrol(kit, 'alice');
    const person = scriptedPerson({ confirm: true, codes: [[codeOf(secret)]] });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'emergency rollback backend in prd', person);

    // Assert
    expect(turn.calls[0]?.input).toEqual({ env: 'prd', group: 'backend' });
    expect(callsOf(turn.calls)).toEqual([['emergency_rollback', 'ask', 'ok']]);
    expect(person.confirmations).toHaveLength(1);
    expect(person.confirmations[0]?.summary).toMatch(
      /^Emergency: roll back every service in prd to its known-good version \(2 of 2 services, one at a time\):\n {2}• checkout: roll back checkout in prd: Blue \(active\) 1\.2\.0 .*Green 1\.1\.0.*\n {2}• catalog: roll back catalog in prd: Blue \(active\) 1\.2\.0 .*Green 1\.1\.0/,
    );
    expect(person.mfaPrompts).toHaveLength(1);
    expect(person.mfaPrompts[0]?.outcomes).toEqual([{ ok: true }]);
    expect(kit.h.weights('prd', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(kit.h.weights('prd', 'catalog')).toEqual({ blue: 0, green: 100 });
    expect(tableRows(turn.text).map((r) => r.slice(0, 3))).toEqual([
      ['service', 'outcome', 'version'],
      ['checkout', 'rolled-back', '1.1.0'],
      ['catalog', 'rolled-back', '1.1.0'],
    ]);
    const rollbacks = (await kit.h.jarvis.store.listDeployments({ env: 'prd', limit: 10 })).filter(
      (d) => d.strategy === 'rollback',
    );
    expect(rollbacks.map((d) => [d.service, d.version, d.status]).sort()).toEqual([
      ['catalog', '1.1.0', 'SUCCESS'],
      ['checkout', '1.1.0', 'SUCCESS'],
    ]);
    const audit = (await auditLog(kit.h.jarvis.store)).filter((a) => a.tool === 'emergency_rollback');
    expect(audit.map((a) => [a.decision, a.outcome])).toEqual([
      ['ask:confirm+mfa', 'approved'],
      ['ask:confirm+mfa', 'ok'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(person.typedCodes()[0]);
  });
});

describe('emergency rollback: the services of a group', () => {
  const base = loadConfig(SANDBOX_CONFIG_PATH);
  const config = { ...base, groups: { web: ['catalog'], backend: ['checkout', 'catalog'] } };

  it.each([
    [{ env: 'dev' }, ['checkout', 'catalog']],
    [{ env: 'dev', group: 'web' }, ['catalog']],
    [{ env: 'prd', group: 'backend' }, ['checkout']],
  ])('%o covers %o', (input, services) => {
    expect(servicesOf(config, input)).toEqual(services);
  });

  it.each([
    [{ env: 'dev', group: 'frontend' }, /^There is no group "frontend"; groups: web, backend\.$/],
    [{ env: 'prd', group: 'web' }, /^No service of the group web runs in prd\.$/],
  ])('refuses %o', (input, message) => {
    expect(() => servicesOf(config, input)).toThrow(message);
  });
});
