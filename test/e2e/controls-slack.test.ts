import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../helpers/fake-slack.js';
import { until } from '../helpers/faults.js';
import { ALICE, BOB, startSlackHarness, type SlackHarness } from '../channels/slack/harness.js';

/** Stop, Pause and Resume pressed on a real rollout's progress message: the real Bolt app and engine. */
describe('rollout controls from Slack, end to end', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness({ timeScale: 100 });
  });
  afterEach(async () => {
    await h.close();
  });

  const weights = () => {
    const world = h.jarvis.sandbox!.world;
    const route = world.route('dev', 'checkout')!;
    const forward = world.forwardOf(route.routeArn);
    const of = (arn: string): number => forward.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
    return { blue: of(route.blue), green: of(route.green) };
  };

  const posted = (thread: string, text: string): Promise<SlackCall> =>
    h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        String(c.params.text).includes(text),
      30_000,
    );

  /** The latest version of the progress message (its last post or edit) carrying `actionId`. */
  const withButton = (thread: string, progressTs: string, actionId: string): Promise<SlackCall> =>
    h.slack.waitFor(
      (c) =>
        (c.method === 'chat.update' && c.params.ts === progressTs) ||
        (c.method === 'chat.postMessage' && c.params.thread_ts === thread && c.response?.ts === progressTs)
          ? JSON.stringify(c.params.blocks ?? '').includes(`"${actionId}"`)
          : false,
      30_000,
    );

  async function startRelease(): Promise<{ thread: string; progress: SlackCall }> {
    const thread = await h.say(ALICE, 'deploy 1.3.0 to dev');
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');
    const progress = await h.question(thread, 'jarvis_stop');
    await until('the first shift', () => weights().green === 10, 20_000);
    return { thread, progress };
  }

  it('Stop, pressed by another deployer, aborts the rollout: traffic back on stable, recorded ABORTED with who', async () => {
    const { thread, progress } = await startRelease();

    await h.press(BOB, progress, 'jarvis_stop');
    await h.ended(thread, 'ABORTED');
    await h.service.slack!.channel.idle();

    expect(weights()).toEqual({ blue: 100, green: 0 });
    const [d] = await h.jarvis.store.listDeployments({ env: 'dev', limit: 1 });
    expect(d).toMatchObject({
      version: '1.3.0',
      status: 'ABORTED',
      reason: `aborted by ${BOB}: Stop pressed in Slack by ${BOB}`,
    });
    const audit = await h.jarvis.store.listAudit({ actor: BOB, limit: 5 });
    expect(audit.map((a) => [a.tool, a.outcome])).toContainEqual(['abort_rollout', 'ok']);
    // The outcome of the press is told in the thread, and the final message has no buttons left.
    await posted(thread, 'Aborted deployment #');
    const final = h.slack.messages.get(String(progress.response?.ts));
    expect(JSON.stringify(final?.blocks ?? [])).not.toContain('jarvis_stop');
  });

  it('Pause holds the step while analysis goes on; Resume takes the rollout to the end', async () => {
    const { thread, progress } = await startRelease();
    const ts = String(progress.response?.ts);

    await h.press(ALICE, progress, 'jarvis_pause');
    const paused = await withButton(thread, ts, 'jarvis_resume');
    const bake = 60_000 / h.jarvis.clock.scale;
    await new Promise((r) => setTimeout(r, 3 * bake));

    expect(weights()).toEqual({ blue: 90, green: 10 });
    await h.press(ALICE, paused, 'jarvis_resume');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    expect(weights()).toEqual({ blue: 0, green: 100 });
    const [d] = await h.jarvis.store.listDeployments({ env: 'dev', limit: 1 });
    const states = (await h.jarvis.store.journal(d!.id)).map((j) => j.state);
    expect(states.filter((s) => s === 'pause' || s === 'resume')).toEqual(['pause', 'resume']);
  });
});

describe('reconciler reports in Slack and /metrics', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness({ timeScale: 400 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('announces drift found by the reconcile loop in jarvis-ci and counts it in deployment_drift_total', async () => {
    const release = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
    });
    expect(release.deployment.status).toBe('SUCCESS');
    const before = await (await fetch(`${h.service.url}/metrics`)).text();
    expect(before).toContain('deployment_drift_total{environment="dev",service="checkout"} 0');
    const { alb } = h.jarvis.platform.forEnv('dev');
    const route = h.jarvis.rollouts.route('dev', 'checkout');
    await alb.setWeights(route, { blue: 30, green: 70 }, { blue: 0, green: 100 });

    const reports = await h.jarvis.startReconciler((r) => h.service.report(r));

    expect(reports.map((r) => r.kind)).toEqual(['drift']);
    const announced = await h.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('*Reconciler*'),
    );
    expect(String(announced.params.text)).toMatch(
      /:warning: \*Reconciler\*: checkout in dev: the ALB holds blue 30 \/ green 70/,
    );
    const after = await (await fetch(`${h.service.url}/metrics`)).text();
    expect(after).toContain('deployment_drift_total{environment="dev",service="checkout"} 1');
  });
});
