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

  const ended = (thread: string, status: string): Promise<SlackCall> =>
    h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        String(c.params.text).includes(`*${status}*`),
      30_000,
    );

  it('broadcasts an automatic rollback from a jarvis-ci thread to the channel', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'deploy 1.3.1-errors to dev');
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');

    // Act
    const line = await ended(thread, 'ROLLED_BACK');
    await h.service.slack!.channel.idle();

    // Assert
    expect(line.params.channel).toBe(CI);
    expect(line.params.reply_broadcast).toBe('true');
    expect(h.version('dev', 'checkout')).toBe('1.2.0');
  });

  it('announces a rollback asked for in a direct message with a top-level post in jarvis-ci', async () => {
    // Arrange: a good release, so that the standby holds a build known to be good.
    const release = await h.say(ALICE, 'deploy 1.3.0 to dev');
    await h.press(ALICE, await h.question(release, 'jarvis_confirm'), 'jarvis_confirm');
    await ended(release, 'SUCCESS');
    await h.service.slack!.channel.idle();
    const thread = await h.say(ALICE, 'rollback dev', { channel: DM, channelType: 'im' });
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');

    // Act
    const line = await ended(thread, 'SUCCESS');
    const announcement = await h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === undefined &&
        String(c.params.text).includes('asked for by <@U0ALICE01>'),
    );
    await h.service.slack!.channel.idle();

    // Assert
    expect(line.params.channel).toBe(DM);
    expect(line.params.reply_broadcast).toBeUndefined();
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
