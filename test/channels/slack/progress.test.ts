import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSlackApi } from '../../../src/channels/slack/api.js';
import { ProgressMessage } from '../../../src/channels/slack/progress.js';
import type { RolloutEvent } from '../../../src/rollout/events.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';

const base = { env: 'prd', service: 'checkout', deploymentId: 7 } as const;

function weights(step: number): RolloutEvent {
  return {
    ...base,
    kind: 'weights',
    step,
    stepIndex: [10, 25, 50, 100].indexOf(step),
    steps: 4,
    weights: { blue: 100 - step, green: step },
    newColour: 'green',
  };
}

const finished: RolloutEvent = {
  ...base,
  kind: 'finished',
  status: 'SUCCESS',
  reason: undefined,
  durationMs: 754_000,
  version: '1.3.0',
};

describe('ProgressMessage', () => {
  let slack: FakeSlack;
  let api: WebSlackApi;

  beforeEach(async () => {
    slack = await startFakeSlack();
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    api = new WebSlackApi(client);
  });
  afterEach(async () => {
    await slack.close();
  });

  const message = (intervalMs: number) =>
    new ProgressMessage({
      api,
      channel: 'C1',
      threadTs: '1.1',
      title: 'deploy checkout 1.3.0 to prd',
      intervalMs,
    });

  it('posts once, then coalesces a burst of events into as few edits as the interval allows', async () => {
    // Arrange
    const progress = message(10_000);

    // Act
    for (const step of [10, 25, 50, 100]) progress.apply(weights(step));
    progress.apply(finished);
    await progress.settled();

    // Assert: the post, then one edit with the final state (the interval is waived for it).
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    const shown = [...slack.messages.values()][0]!;
    expect(shown.text).toBe('SUCCESS: prd/checkout 1.3.0');
    expect(JSON.stringify(shown.blocks)).toContain('Green *100%*');
  });

  it('spaces edits by the interval', async () => {
    // Arrange
    const progress = message(300);

    // Act
    progress.apply(weights(10));
    await progress.settled();
    progress.apply(weights(25));
    progress.apply(weights(50));
    await progress.settled();

    // Assert
    const [post, update] = [slack.callsOf('chat.postMessage')[0]!, slack.callsOf('chat.update')[0]!];
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    expect(update.at - post.at).toBeGreaterThanOrEqual(290);
    expect(JSON.stringify(update.params.blocks)).toContain('Green *50%*');
  });

  it('waits out Retry-After when Slack answers 429, then shows the latest state', async () => {
    // Arrange
    const progress = message(0);
    progress.apply(weights(10));
    await progress.settled();
    slack.rateLimit('chat.update', 1);

    // Act
    progress.apply(weights(25));
    await new Promise((r) => setTimeout(r, 100));
    progress.apply(weights(50));
    progress.apply(finished);
    await progress.settled();

    // Assert: the refused edit, then one edit a second later with the final state.
    const updates = slack.callsOf('chat.update');
    expect(updates).toHaveLength(2);
    expect(updates[1]!.at - updates[0]!.at).toBeGreaterThanOrEqual(990);
    expect(updates[1]!.params.text).toBe('SUCCESS: prd/checkout 1.3.0');
  });

  it('retries its first post after Retry-After', async () => {
    // Arrange
    slack.rateLimit('chat.postMessage', 1);
    const progress = message(0);

    // Act
    progress.apply(weights(10));
    await progress.settled();

    // Assert
    const posts = slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(990);
    expect(slack.messages.size).toBe(1);
  });

  it('gives up after repeated failures instead of retrying forever', async () => {
    // Arrange
    const progress = message(0);
    progress.apply(weights(10));
    await progress.settled();
    slack.fail('chat.update', 'message_not_found', 10);

    // Act
    progress.apply(weights(25));
    await progress.settled();

    // Assert
    expect(slack.callsOf('chat.update')).toHaveLength(3);
  });
});
