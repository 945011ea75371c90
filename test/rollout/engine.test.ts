import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JarvisError } from '../../src/errors.js';
import { formatEvent } from '../../src/rollout/events.js';
import { recorder, startHarness, type Harness } from '../helpers/jarvis.js';

describe('rollout engine against the sandbox', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('takes a good version through 10 → 25 → 50 → 100, verifies and finalises with the old colour as standby', async () => {
    const { events, listener } = recorder();

    const result = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
      onEvent: listener,
    });

    expect(result.deployment).toMatchObject({
      status: 'SUCCESS',
      version: '1.3.0',
      colour: 'green',
      previousVersion: '1.2.0',
    });
    const steps = events.flatMap((e) => (e.kind === 'weights' ? [e.weights] : []));
    expect(steps).toEqual([
      { blue: 90, green: 10 },
      { blue: 75, green: 25 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
    ]);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(h.version('dev', 'checkout', 'green')).toBe('1.3.0');
    expect(h.version('dev', 'checkout', 'blue')).toBe('1.2.0');
    const analysis = events.filter((e) => e.kind === 'analysis');
    expect(analysis.length).toBeGreaterThanOrEqual(5);
    expect(analysis.every((e) => e.verdict.outcome !== 'fail')).toBe(true);
    expect(events.map(formatEvent)).toContainEqual(
      expect.stringMatching(/^\[25%\] Blue: 75% \| Green: 25% ✓ Error rate: \d+\.\d\d%/),
    );
    const journal = await h.jarvis.store.journal(result.deployment.id);
    expect(journal.map((j) => j.state)).toEqual([
      'prepare',
      'shift',
      'shift',
      'shift',
      'shift',
      'verify',
      'finalise',
    ]);
    expect(await h.jarvis.store.getLock('dev/checkout')).toBeUndefined();
    // What 1.3.0 measured while verified at 100 % is kept with its verdict: a diagnosis's baseline later.
    const verdict = (await h.jarvis.store.versionVerdicts('dev', 'checkout')).find(
      (v) => v.version === '1.3.0',
    );
    expect(verdict).toMatchObject({ verdict: 'known_good', deploymentId: result.deployment.id });
    expect(verdict?.figures?.requests).toBeGreaterThan(0);
    expect(verdict?.figures?.p99Ms).toBeGreaterThan(0);
    expect(verdict?.figures?.errorRate).toBeLessThan(0.01);
    expect(verdict?.figures?.seconds).toBeGreaterThan(0);
  });

  it('aborts a version with a high error rate at the first failing step and verifies traffic back on stable', async () => {
    const { events, listener } = recorder();

    const result = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.1-errors',
      actor: 'alice',
      onEvent: listener,
    });

    expect(result.deployment.status).toBe('ROLLED_BACK');
    expect(result.deployment.reason).toMatch(
      /^analysis failed at 10%: error rate \d+\.\d\d% over the 1\.00% threshold/,
    );
    expect(
      events.filter((e) => e.kind === 'weights').map((e) => (e.kind === 'weights' ? e.step : 0)),
    ).toEqual([10]);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    const journal = await h.jarvis.store.journal(result.deployment.id);
    expect(journal.at(-1)).toMatchObject({ state: 'abort', data: { to: { blue: 100, green: 0 } } });
  });

  it('fails a version whose image does not exist while preparing, without touching traffic, and restores the standby', async () => {
    const result = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.1-missing',
      actor: 'alice',
    });

    expect(result.deployment.status).toBe('FAILED');
    expect(result.deployment.reason).toMatch(/^prepare failed/);
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(h.version('dev', 'checkout', 'green')).toBe('1.1.0');
  });

  it('rolls back to the standby colour in one verified write', async () => {
    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' });
    const writesBefore = h.jarvis.sandbox!.world.writes;

    const result = await h.jarvis.rollouts.rollback({ env: 'dev', service: 'checkout', actor: 'bob' });

    expect(result.deployment).toMatchObject({
      status: 'SUCCESS',
      strategy: 'rollback',
      version: '1.2.0',
      colour: 'blue',
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(h.jarvis.sandbox!.world.writes - writesBefore).toBe(1);
  });

  it('refuses a named rollback to a version never verified here, and analyses one that was', async () => {
    const refused = h.jarvis.rollouts.rollback({
      env: 'dev',
      service: 'checkout',
      actor: 'bob',
      version: '1.0.0',
    });
    await expect(refused).rejects.toMatchObject({ code: 'ROLLBACK_NOT_ALLOWED' });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });

    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' });
    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.4.0', actor: 'alice' });
    const { events, listener } = recorder();
    const result = await h.jarvis.rollouts.rollback({
      env: 'dev',
      service: 'checkout',
      actor: 'bob',
      version: '1.2.0',
      onEvent: listener,
    });

    expect(result.deployment).toMatchObject({ status: 'SUCCESS', version: '1.2.0', colour: 'green' });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(h.version('dev', 'checkout', 'green')).toBe('1.2.0');
    const phases = events.filter((e) => e.kind === 'phase').map((e) => (e.kind === 'phase' ? e.phase : ''));
    expect(phases).toEqual(expect.arrayContaining(['prepare', 'switch', 'verify']));
    expect(events.some((e) => e.kind === 'analysis' && e.step === 100)).toBe(true);
  });

  it('refuses to promote a version that did not succeed upstream, and promotes one that did', async () => {
    const refused = h.jarvis.rollouts.promote({
      version: '1.3.0',
      from: 'dev',
      to: 'tst',
      service: 'checkout',
      actor: 'alice',
    });
    await expect(refused).rejects.toMatchObject({ code: 'NOT_PROMOTED' });
    expect(h.weights('tst', 'checkout')).toEqual({ blue: 100, green: 0 });
    await expect(
      h.jarvis.rollouts.promote({
        version: '1.3.0',
        from: 'dev',
        to: 'prd',
        service: 'checkout',
        actor: 'alice',
      }),
    ).rejects.toMatchObject({ code: 'PROMOTION_ORDER' });

    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' });
    const promoted = await h.jarvis.rollouts.promote({
      version: '1.3.0',
      from: 'dev',
      to: 'tst',
      service: 'checkout',
      actor: 'alice',
    });

    expect(promoted.deployment).toMatchObject({ env: 'tst', status: 'SUCCESS', strategy: 'promote' });
    expect(promoted.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['order', 'upstream success', 'promotion', 'stable health']),
    );
  });

  it('runs one of two concurrent deploys of a service and refuses the other naming the holder', async () => {
    const first = h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
    });
    await new Promise((r) => setTimeout(r, 20));

    const second = h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.4.0',
      actor: 'bob',
    });

    await expect(second).rejects.toBeInstanceOf(JarvisError);
    await expect(second).rejects.toMatchObject({ code: 'LOCKED' });
    await expect(second).rejects.toThrow('alice deploying checkout 1.3.0');
    expect((await first).deployment.status).toBe('SUCCESS');
    expect(h.version('dev', 'checkout', 'green')).toBe('1.3.0');
  });

  it('survives throttling of the ALB API during a shift', async () => {
    const world = h.jarvis.sandbox!.world;
    const { events, listener } = recorder();
    const throttleOnFirstStep = (e: Parameters<typeof listener>[0]): void => {
      listener(e);
      if (e.kind === 'weights' && e.step === 10) world.faults.set('elbv2', { throttle: 2 });
    };

    const result = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
      onEvent: throttleOnFirstStep,
    });

    expect(result.deployment.status).toBe('SUCCESS');
    expect(world.faults.get('elbv2').throttle).toBe(0);
    expect(events.filter((e) => e.kind === 'weights')).toHaveLength(4);
  });

  it('refuses a deploy when traffic is split, changing nothing', async () => {
    const route = h.jarvis.sandbox!.world.route('dev', 'checkout')!;
    h.jarvis.sandbox!.world.writeForward(route.routeArn, [
      { TargetGroupArn: route.blue, Weight: 70 },
      { TargetGroupArn: route.green, Weight: 30 },
    ]);

    await expect(
      h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(h.weights('dev', 'checkout')).toEqual({ blue: 70, green: 30 });
    expect(await h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toEqual([]);
  });
});
