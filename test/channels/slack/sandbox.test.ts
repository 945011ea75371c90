import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CONTEXT } from '../../../src/channels/slack/answer-view.js';
import { ALICE, startSlackHarness, type SlackHarness } from './harness.js';

describe('answers on the sandbox', () => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** The answer posted in the thread of `user`'s message `text`. */
  async function answerTo(harness: SlackHarness, text: string) {
    const ts = await harness.say(ALICE, text);
    await harness.service.slack!.channel.idle();
    const replies = harness.slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === ts);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  }

  it('open with a context line saying they are simulated when Jarvis runs on the sandbox', async () => {
    // Arrange
    h = await startSlackHarness();

    // Act
    const answer = await answerTo(h, 'status of prd');

    // Assert
    const blocks = answer.params.blocks as Array<{
      type: string;
      elements?: Array<{ text: string }>;
      text?: { text: string };
    }>;
    expect(blocks[0]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: SANDBOX_CONTEXT }] });
    expect(SANDBOX_CONTEXT).toMatch(/simulated AWS and Kubernetes, not your real environments/);
    expect(
      blocks
        .slice(1)
        .map((b) => b.text?.text)
        .join('\n'),
    ).toContain('Status of prd');
    expect(String(answer.params.text)).toMatch(/^\[sandbox\] Status of prd/);
  });

  it('carry no such line against AWS', async () => {
    // Arrange
    h = await startSlackHarness({ mode: 'aws' });

    // Act
    const answer = await answerTo(h, 'status of prd');

    // Assert
    expect(JSON.stringify(answer.params.blocks ?? [])).not.toContain('Sandbox');
    expect(String(answer.params.text)).toMatch(/^Status of prd/);
  });
});
