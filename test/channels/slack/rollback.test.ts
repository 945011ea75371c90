import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../helpers/fake-slack.js';
import { ALICE, CI, startSlackHarness, type SlackHarness } from './harness.js';

const DM = 'D0ALICEDM';

describe('rollbacks are told in jarvis-ci', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** The outcome of the turn in `thread`: its last message, once the turn is over. */
  const outcome = async (thread: string): Promise<SlackCall> => {
    await h.service.slack!.channel.idle();
    return h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread)
      .at(-1)!;
  };

  it('broadcasts the outcome of an automatic rollback from a jarvis-ci thread to the channel', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'deploy 1.3.1-errors to dev');
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');

    // Act
    await h.ended(thread, 'ROLLED_BACK');
    const told = await outcome(thread);

    // Assert: the outcome message itself goes to the channel too; nothing else of the thread does.
    expect(told.params.channel).toBe(CI);
    expect(told.params.reply_broadcast).toBe('true');
    expect(String(told.params.text)).toMatch(
      /✗ Deployment of checkout 1\.3\.1-errors to dev was rolled back/,
    );
    const broadcast = h.slack.callsOf('chat.postMessage').filter((c) => c.params.reply_broadcast);
    expect(broadcast).toEqual([told]);
    // The post-rollback actions as the terminal shows them, the links as Slack links under them.
    const final = h.slack.messages.get(String(told.response?.ts))!;
    expect(final.text).toContain('Post-rollback actions:');
    expect(final.text).toContain('Investigate 1.3.1-errors: "diagnose checkout in dev"');
    expect(final.text).toContain('Check logs: kubectl -n shop logs deployment/checkout-green');
    expect(final.text).toMatch(/Review metrics: https:\/\/grafana\.example\.com\//);
    expect(final.text).not.toMatch(/\nALB: https:/);
    const footer = JSON.stringify(final.blocks.filter((b) => (b as { type: string }).type === 'context'));
    expect(footer).toMatch(
      /:link: \*checkout\* in dev: <https:\/\/grafana[^|]*\|Dashboard> · <https:[^|]*\|ALB>/,
    );
    expect(footer).not.toContain('Next:');
    expect(h.version('dev', 'checkout')).toBe('1.2.0');
  });

  it('announces a rollback asked for in a direct message with a top-level post in jarvis-ci', async () => {
    // Arrange: a good release, so that the standby holds a build known to be good.
    const release = await h.say(ALICE, 'deploy 1.3.0 to dev');
    await h.press(ALICE, await h.question(release, 'jarvis_confirm'), 'jarvis_confirm');
    await h.ended(release, 'SUCCESS');
    await h.service.slack!.channel.idle();
    const thread = await h.say(ALICE, 'rollback dev', { channel: DM, channelType: 'im' });
    const confirm = await h.question(thread, 'jarvis_confirm');
    await h.press(ALICE, confirm, 'jarvis_confirm');

    // Act
    await h.ended(thread, 'SUCCESS');
    const announcement = await h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === undefined &&
        String(c.params.text).includes('asked for by <@U0ALICE01>'),
    );
    const told = await outcome(thread);

    // Assert
    // Asked as the terminal asks, the plan (current state, where traffic goes) quoted line by line.
    const asked = (confirm.params.blocks as Array<{ text?: { text: string } }>)[0]!.text!.text;
    expect(asked).toMatch(/^:warning: <@U0ALICE01>, \*Confirm rollback\?\*\n> /);
    expect(asked.split('\n').slice(1).length).toBeGreaterThan(1);
    expect(
      asked
        .split('\n')
        .slice(1)
        .every((line) => line.startsWith('> ')),
    ).toBe(true);
    expect(told.params.channel).toBe(DM);
    expect(told.params.reply_broadcast).toBeUndefined();
    expect(String(h.slack.messages.get(String(told.response?.ts))?.text)).toMatch(
      /✓ Rollback of checkout 1\.2\.0 to dev succeeded/,
    );
    expect(announcement.response?.channel).toBe(CI);
    expect(String(announcement.params.text)).toContain('checkout');
  });

  it('counts both rollbacks in /metrics', async () => {
    const text = await (await fetch(`${h.service.url}/metrics`)).text();

    expect(text).toContain(
      'deployment_rollback_total{environment="dev",service="checkout",trigger="automatic"} 1',
    );
    expect(text).toContain(
      'deployment_rollback_total{environment="dev",service="checkout",trigger="manual"} 1',
    );
  });
});
