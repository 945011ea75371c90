import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_USER_ID } from '../../helpers/fake-slack.js';
import { eventCallback } from '../../helpers/slack-requests.js';
import { ALICE, CI, nextTs, OTHER, startSlackHarness, VIEWER, type SlackHarness } from './harness.js';

describe('where and to whom Jarvis answers', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const repliesIn = (thread: string) =>
    h.slack.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === thread);

  it('answers a message in jarvis-ci in its thread', async () => {
    const ts = await h.say(ALICE, 'help');
    await h.service.slack!.channel.idle();

    expect(repliesIn(ts)).toHaveLength(1);
    expect(repliesIn(ts)[0]!.params.channel).toBe(CI);
  });

  it('acknowledges a request it takes with :eyes: at once, before the answer, and chatter elsewhere with nothing', async () => {
    // Act
    const chatter = await h.say(ALICE, 'status of dev', { channel: OTHER });
    const ts = await h.say(ALICE, 'status of dev');
    const reaction = await h.slack.waitFor((c) => c.method === 'reactions.add' && c.params.timestamp === ts);
    await h.service.slack!.channel.idle();

    // Assert
    const calls = h.slack.calls;
    expect(reaction.params).toMatchObject({ channel: CI, name: 'eyes' });
    expect(calls.indexOf(reaction)).toBeLessThan(calls.indexOf(repliesIn(ts)[0]!));
    expect(h.slack.callsOf('reactions.add').filter((c) => c.params.timestamp === chatter)).toHaveLength(0);
  });

  it('answers a direct message in its thread', async () => {
    const ts = await h.say(ALICE, 'status of dev', { channel: 'D0ALICEDM', channelType: 'im' });
    await h.service.slack!.channel.idle();

    expect(repliesIn(ts)).toHaveLength(1);
    expect(String(repliesIn(ts)[0]!.params.text)).toContain('dev');
  });

  it('ignores chatter in other channels, and points a mention there to jarvis-ci', async () => {
    // Arrange
    const chatter = await h.say(ALICE, 'deploy 1.3.0 to dev', { channel: OTHER });
    const ts = nextTs();

    // Act
    await h.send(
      eventCallback({
        type: 'app_mention',
        channel: OTHER,
        user: ALICE,
        text: `<@${BOT_USER_ID}> deploy 1.3.0 to dev`,
        ts,
      }),
    );
    await h.service.slack!.channel.idle();

    // Assert
    expect(repliesIn(chatter)).toHaveLength(0);
    expect(repliesIn(ts)).toHaveLength(1);
    expect(String(repliesIn(ts)[0]!.params.text)).toContain('#jarvis-ci');
  });

  it('answers a mention in jarvis-ci once, although Slack sends it as a message and as a mention', async () => {
    // Arrange
    const ts = nextTs();
    const text = `<@${BOT_USER_ID}> help`;

    // Act
    await Promise.all([
      h.send(eventCallback({ type: 'app_mention', channel: CI, user: ALICE, text, ts })),
      h.send(eventCallback({ type: 'message', channel: CI, channel_type: 'channel', user: ALICE, text, ts })),
    ]);
    await h.service.slack!.channel.idle();

    // Assert
    expect(repliesIn(ts)).toHaveLength(1);
  });

  it('ignores messages from bots and message edits', async () => {
    const bot = nextTs();
    const edit = nextTs();
    await h.send(
      eventCallback({
        type: 'message',
        channel: CI,
        channel_type: 'channel',
        bot_id: 'B0OTHER',
        user: 'U0OTHERBOT',
        text: 'help',
        ts: bot,
      }),
    );
    await h.send(
      eventCallback({
        type: 'message',
        subtype: 'message_changed',
        channel: CI,
        channel_type: 'channel',
        ts: edit,
        message: { text: 'help' },
      }),
    );
    await h.service.slack!.channel.idle();

    expect(repliesIn(bot)).toHaveLength(0);
    expect(repliesIn(edit)).toHaveLength(0);
  });

  it('maps the Slack user id to its configured role: a viewer cannot deploy', async () => {
    const ts = await h.say(VIEWER, 'deploy 1.3.0 to dev');
    await h.service.slack!.channel.idle();

    const replies = repliesIn(ts);
    expect(replies).toHaveLength(1);
    expect(String(replies[0]!.params.text)).toMatch(/viewer/);
  });

  it('escapes what it repeats, so a request cannot ping the channel', async () => {
    const ts = await h.say(ALICE, 'deploy 1.3.0 to <!channel>');
    await h.service.slack!.channel.idle();

    const text = String(repliesIn(ts)[0]!.params.text);
    expect(text).not.toContain('<!channel>');
  });
});
