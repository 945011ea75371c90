import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeRollback } from '../../src/rollout/rollback.js';
import { statusTool } from '../../src/tools/status.js';
import { toolContext } from '../helpers/faults.js';
import { recorder, startHarness, type Harness } from '../helpers/jarvis.js';

const DEV = { env: 'dev', service: 'checkout' } as const;

/** The sequences an SRE lives through: failed releases, then rollback to what is known good. */
describe('release state and rollback to known good', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness(400);
  });
  afterEach(async () => {
    await h.close();
  });

  const deploy = (version: string) => h.jarvis.rollouts.deploy({ ...DEV, version, actor: 'alice' });

  it('after a failed analysis, rolls back to the last good build, preparing it, never to the failed one', async () => {
    expect((await deploy('1.3.0')).deployment.status).toBe('SUCCESS');
    const failed = await deploy('1.3.0-errors');
    expect(failed.deployment).toMatchObject({ status: 'ROLLED_BACK', colour: 'blue' });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });

    const state = await h.jarvis.rollouts.releaseState('dev', 'checkout');
    expect(state.live).toMatchObject({ colour: 'green', version: '1.3.0', verdict: 'known_good' });
    expect(state.standby).toMatchObject({ colour: 'blue', version: '1.3.0-errors', verdict: 'failed' });

    // What people see in status: the rollback target is bad, and why.
    const status = statusTool.render!(
      await statusTool.run(toolContext(h.jarvis), { env: 'dev', service: 'checkout' }),
    );
    expect(status).toMatch(
      /Release state: live green 1\.3\.0 \(known good\) · standby blue 1\.3\.0-errors \(failed: analysis failed at 10%: error rate/,
    );

    const plan = await h.jarvis.rollouts.planRollback('dev', 'checkout');
    expect(plan).toMatchObject({
      kind: 'switch',
      from: { colour: 'green', version: '1.3.0' },
      to: { colour: 'blue', version: '1.2.0', prepare: true },
    });
    const summary = describeRollback(plan, h.jarvis.clock.now());
    expect(summary).toMatch(
      /Green \(active\) 1\.3\.0 ← 100% {2}→ {2}Blue 1\.2\.0 \(last good, verified \d+[smhd] ago\)/,
    );
    expect(summary).toMatch(/prepares Blue with 1\.2\.0 first/);

    const back = await h.jarvis.rollouts.rollback({
      ...DEV,
      actor: 'bob',
      reason: 'checkout errors',
      expect: plan,
    });

    expect(back.deployment).toMatchObject({
      status: 'SUCCESS',
      strategy: 'rollback',
      version: '1.2.0',
      colour: 'blue',
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(h.version('dev', 'checkout', 'blue')).toBe('1.2.0');
    const history = await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 });
    expect(history.map((d) => [d.version, d.strategy, d.status])).toEqual([
      ['1.2.0', 'rollback', 'SUCCESS'],
      ['1.3.0-errors', 'blue-green', 'ROLLED_BACK'],
      ['1.3.0', 'blue-green', 'ROLLED_BACK'],
    ]);
    expect(history[2]!.reason).toBe('rolled back by bob: checkout errors');
    const after = await h.jarvis.rollouts.releaseState('dev', 'checkout');
    expect(after.live).toMatchObject({ colour: 'blue', version: '1.2.0', verdict: 'known_good' });
    expect(after.standby).toMatchObject({ colour: 'green', version: '1.3.0', verdict: 'failed' });
  });

  it('after a successful release, rolls back to the standby in one verified write', async () => {
    await deploy('1.3.0');
    const writes = h.jarvis.sandbox!.world.writes;

    const plan = await h.jarvis.rollouts.planRollback('dev', 'checkout');
    const back = await h.jarvis.rollouts.rollback({ ...DEV, actor: 'bob', expect: plan });

    expect(plan).toMatchObject({ kind: 'switch', to: { colour: 'blue', version: '1.2.0', prepare: false } });
    expect(back.deployment).toMatchObject({ status: 'SUCCESS', version: '1.2.0', colour: 'blue' });
    expect(h.jarvis.sandbox!.world.writes - writes).toBe(1);
  });

  it('after a failed prepare with a known-good standby, the standby is restored and still the target', async () => {
    await deploy('1.3.0');
    const failed = await deploy('1.4.0-missing');
    expect(failed.deployment.status).toBe('FAILED');

    const plan = await h.jarvis.rollouts.planRollback('dev', 'checkout');
    expect(plan).toMatchObject({ kind: 'switch', to: { colour: 'blue', version: '1.2.0', prepare: false } });
    const back = await h.jarvis.rollouts.rollback({ ...DEV, actor: 'bob', expect: plan });
    expect(back.deployment).toMatchObject({ status: 'SUCCESS', version: '1.2.0' });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('refuses a rollback when no version is known good, saying why and what to do, changing nothing', async () => {
    // A first start on an existing ALB: the standby's build was never verified by Jarvis.
    const state = await h.jarvis.rollouts.releaseState('dev', 'checkout');
    expect(state).toMatchObject({ source: 'rebuilt', standby: { verdict: 'unknown', version: '1.1.0' } });
    const status = statusTool.render!(
      await statusTool.run(toolContext(h.jarvis), { env: 'dev', service: 'checkout' }),
    );
    expect(status).toContain(
      'Release state: live blue 1.2.0 (not verified) · standby green 1.1.0 (not verified) [read from the ALB and the Deployments; Jarvis has not released it yet]',
    );

    await expect(h.jarvis.rollouts.planRollback('dev', 'checkout')).rejects.toMatchObject({
      code: 'CONFLICT',
      message:
        /No known-good version of checkout in dev: the standby green runs 1\.1\.0, which Jarvis never verified.*rollback dev to <version>/,
    });
    await expect(h.jarvis.rollouts.rollback({ ...DEV, actor: 'bob' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(await h.jarvis.store.listDeployments({ env: 'dev', limit: 5 })).toEqual([]);
  });

  it('after a failed prepare with an unknown standby, refuses rather than switch to an unverified build', async () => {
    const failed = await deploy('1.3.0-missing');
    expect(failed.deployment.status).toBe('FAILED');

    await expect(h.jarvis.rollouts.planRollback('dev', 'checkout')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: /No known-good version/,
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('after a failed analysis on a first release, refuses: the only verified build is the live one', async () => {
    const failed = await deploy('1.3.0-errors');
    expect(failed.deployment.status).toBe('ROLLED_BACK');

    const state = await h.jarvis.rollouts.releaseState('dev', 'checkout');
    expect(state.live).toMatchObject({ version: '1.2.0', verdict: 'known_good' });
    expect(state.standby).toMatchObject({ version: '1.3.0-errors', verdict: 'failed' });
    await expect(h.jarvis.rollouts.planRollback('dev', 'checkout')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: /the standby green runs 1\.3\.0-errors, which failed \(analysis failed at 10%/,
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('refuses a confirmed rollback when the state changed since the confirmation', async () => {
    await deploy('1.3.0');
    const plan = await h.jarvis.rollouts.planRollback('dev', 'checkout');
    await deploy('1.4.0');

    await expect(h.jarvis.rollouts.rollback({ ...DEV, actor: 'bob', expect: plan })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: /changed since you confirmed/,
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('turns a rollback asked for during a rollout into an abort back to the stable colour', async () => {
    const { listener } = recorder();
    let rollbackAsked: Promise<unknown> | undefined;
    const running = h.jarvis.rollouts.deploy({
      ...DEV,
      version: '1.3.0',
      actor: 'alice',
      onEvent: (e) => {
        listener(e);
        if (e.kind === 'weights' && e.step === 25 && !rollbackAsked) {
          rollbackAsked = h.jarvis.rollouts.rollback({ ...DEV, actor: 'bob', reason: 'latency' });
        }
      },
    });

    const done = await running;
    const result = (await rollbackAsked) as { deployment: { status: string; reason?: string } };
    expect(done.deployment).toMatchObject({ status: 'ABORTED', reason: 'aborted by bob: latency' });
    expect(result.deployment.status).toBe('ABORTED');
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
  });

  it('refuses to abort when the press names another deployment than the one running, and says which runs', async () => {
    let refused: Promise<unknown> | undefined;
    let abort: Promise<unknown> | undefined;
    const result = await h.jarvis.rollouts.deploy({
      ...DEV,
      version: '1.3.0',
      actor: 'alice',
      onEvent: (e) => {
        if (e.kind === 'weights' && e.step === 10 && !refused) {
          refused = h.jarvis.rollouts.abort({ ...DEV, actor: 'bob', deploymentId: e.deploymentId + 100 });
          abort = refused.catch(() =>
            h.jarvis.rollouts.abort({ ...DEV, actor: 'bob', deploymentId: e.deploymentId }),
          );
        }
      },
    });

    await expect(refused).rejects.toMatchObject({
      code: 'CONFLICT',
      message: /is no longer running; #\d+ \(1\.3\.0 by alice\) is/,
    });
    await abort;
    expect(result.deployment).toMatchObject({ status: 'ABORTED', reason: 'aborted by bob' });
  });

  it('pauses a rollout at its step while analysis goes on, then resumes it to the end', async () => {
    const steps: number[] = [];
    let pausedAnalyses = 0;
    let paused = false;
    const done = h.jarvis.rollouts.deploy({
      ...DEV,
      version: '1.3.0',
      actor: 'alice',
      onEvent: (e) => {
        if (e.kind === 'weights') steps.push(e.step);
        if (e.kind === 'weights' && e.step === 25 && !paused) {
          paused = true;
          void h.jarvis.rollouts.pause({ ...DEV, actor: 'bob', reason: 'waiting for the DB team' });
        }
        if (paused && e.kind === 'analysis' && e.step === 25) {
          pausedAnalyses += 1;
          // Well past the step's bake time: still at 25% because it is paused.
          if (pausedAnalyses === 12) void h.jarvis.rollouts.resume({ ...DEV, actor: 'bob' });
        }
      },
    });

    const result = await done;
    expect(result.deployment.status).toBe('SUCCESS');
    expect(pausedAnalyses).toBeGreaterThanOrEqual(12);
    expect(steps).toEqual([10, 25, 50, 100]);
    const journal = await h.jarvis.store.journal(result.deployment.id);
    const states = journal.map((j) => j.state);
    expect(states.indexOf('pause')).toBeGreaterThan(states.indexOf('shift'));
    expect(states.indexOf('resume')).toBeGreaterThan(states.indexOf('pause'));
    expect(journal.find((j) => j.state === 'pause')?.data).toMatchObject({
      actor: 'bob',
      reason: 'waiting for the DB team',
    });
  });
});
