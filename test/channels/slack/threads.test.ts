import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf } from '../../helpers/fake-slack.js';
import { ALICE, BOB, startSlackHarness, type SlackHarness } from './harness.js';

describe('two threads at once', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('keep their questions, progress, results and answers apart', async () => {
    // Arrange: two people start two releases in two threads at the same moment.
    const [threadA, threadB] = await Promise.all([
      h.say(ALICE, 'deploy 1.3.0 to dev'),
      h.say(BOB, 'deploy catalog 1.4.0 to dev'),
    ]);
    const [confirmA, confirmB] = await Promise.all([
      h.question(threadA, 'jarvis_confirm'),
      h.question(threadB, 'jarvis_confirm'),
    ]);

    // Act: ALICE presses BOB's button (refused), then each confirms their own.
    await h.press(ALICE, confirmB, 'jarvis_confirm');
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === ALICE);
    await Promise.all([h.press(ALICE, confirmA, 'jarvis_confirm'), h.press(BOB, confirmB, 'jarvis_confirm')]);
    await Promise.all([h.ended(threadA, 'SUCCESS'), h.ended(threadB, 'SUCCESS')]);
    await h.service.slack!.channel.idle();

    // Assert
    const inThread = (thread: string) => [...h.slack.messages.values()].filter((m) => m.threadTs === thread);
    const a = inThread(threadA)
      .map((m) => m.text + JSON.stringify(m.blocks))
      .join('\n');
    const b = inThread(threadB)
      .map((m) => m.text + JSON.stringify(m.blocks))
      .join('\n');
    expect(buttonOf(confirmA, 'jarvis_confirm')?.value).not.toBe(buttonOf(confirmB, 'jarvis_confirm')?.value);
    expect(a).toContain('dev/checkout');
    expect(a).not.toContain('catalog');
    expect(b).toContain('dev/catalog');
    expect(b).not.toContain('checkout');
    for (const thread of [threadA, threadB]) {
      const progress = inThread(thread).filter((m) => JSON.stringify(m.blocks).includes('Deployment #'));
      expect(progress).toHaveLength(1);
    }
    expect(h.version('dev', 'checkout')).toBe('1.3.0');
    expect(h.version('dev', 'catalog')).toBe('1.4.0');
  });

  it('answer a follow-up in its own thread only', async () => {
    // Arrange
    const threadA = await h.say(ALICE, 'status of dev');
    const threadB = await h.say(BOB, 'help');
    await h.service.slack!.channel.idle();

    // Act: a follow-up in thread A is answered in thread A only.
    await h.say(ALICE, 'history of dev', { thread: threadA });
    await h.service.slack!.channel.idle();

    // Assert
    const replies = (thread: string) =>
      h.slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === thread);
    expect(replies(threadA)).toHaveLength(2);
    expect(replies(threadB)).toHaveLength(1);
  });
});

describe('one turn at a time (slack.maxConcurrentTurns: 1)', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness({
      configure: (config) => {
        (config.slack as Record<string, unknown>).maxConcurrentTurns = 1;
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('still answers others while a request waits for its confirmation', async () => {
    // Arrange: ALICE's deploy waits for her button.
    const waiting = await h.say(ALICE, 'deploy 1.3.0 to dev');
    await h.question(waiting, 'jarvis_confirm');

    // Act
    const other = await h.say(BOB, 'help');
    const answer = await h.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && c.params.thread_ts === other,
    );

    // Assert
    expect(String(answer.params.text).length).toBeGreaterThan(0);
    expect(h.service.slack!.channel.decisions.size).toBe(1);
  });
});
