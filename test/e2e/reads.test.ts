import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { platformOf } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

const BIN = resolvePath('bin/jarvis.js');

/** `jarvis ask` for reads, in its own process, against the sandbox this test runs and its store. */
function ask(h: Harness, request: string): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'ask', '--user', 'erin', request], {
      env: { ...process.env, ...h.jarvis.sandbox!.settings(), JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, stdout }));
  });
}

describe('reads never write', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness(100);
  });
  afterEach(async () => {
    await h.close();
  });

  it('status and diagnose leave an orphaned, split rollout exactly as they found it, writing only their audit rows', async () => {
    // Arrange: a rollout whose process died at 25%, its lease long gone.
    const { store } = h.jarvis;
    const orphan = await store.startDeployment({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      colour: 'green',
      previousVersion: '1.2.0',
      previousColour: 'blue',
      strategy: 'blue-green',
      actor: 'ghost',
      startedAt: h.jarvis.clock.now(),
    });
    await store.appendJournal({
      deploymentId: orphan.id,
      seq: 1,
      state: 'shift',
      data: { step: 25 },
      at: h.jarvis.clock.now(),
    });
    const { route, ports } = platformOf(h.jarvis, 'dev', 'checkout');
    await ports.traffic.setWeights(route, { blue: 75, green: 25 }, { blue: 100, green: 0 });
    const writes = h.jarvis.sandbox!.world.writes;

    // Act
    const status = await ask(h, 'status of dev');
    const diagnosis = await ask(h, 'diagnose dev');

    // Assert
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('checkout: Blue 75% | Green 25%');
    expect(status.stdout).toMatch(/Rollout in progress: 1\.3\.0 by ghost/);
    expect(diagnosis.status).toBe(0);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 75, green: 25 });
    expect(h.jarvis.sandbox!.world.writes).toBe(writes);
    expect(await store.getDeployment(orphan.id)).toMatchObject({ status: 'RUNNING' });
    expect((await store.journal(orphan.id)).map((j) => j.state)).toEqual(['shift']);
    expect(await store.getReleaseState('dev', 'checkout')).toBeUndefined();
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.map((a) => [a.actor, a.tool, a.decision, a.outcome])).toEqual([
      ['erin', 'diagnose_service', 'allow', 'ok'],
      ['erin', 'diagnose_service', 'allow', 'approved'],
      ['erin', 'get_status', 'allow', 'ok'],
      ['erin', 'get_status', 'allow', 'approved'],
    ]);
  });
});
