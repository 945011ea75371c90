import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { after, AnswerMessage } from '../../../src/channels/slack/answer-message.js';
import { WebSlackApi } from '../../../src/channels/slack/api.js';
import { answerMessageView } from '../../../src/channels/slack/answer-view.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';

describe('AnswerMessage', () => {
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

  const answer = (intervalMs: number, ready?: () => Promise<void>) =>
    new AnswerMessage({
      api,
      where: { channel: 'C1', threadTs: '1.1' },
      intervalMs,
      view: (text, footer) => answerMessageView(text, footer, { sandbox: false }),
      ready,
    });
  const texts = () => slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => c.params.text);

  it('posts on the first text, then edits at most once per interval, and sends the whole answer at the end', async () => {
    // Arrange
    const message = answer(200);

    // Act: a burst of deltas over 0.5 s.
    for (let i = 0; i < 10; i++) {
      message.append(`w${i} `);
      await new Promise((r) => setTimeout(r, 50));
    }
    await message.finish({
      text: 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9',
      footer: [':link: <https://x.example|Dashboard>'],
    });

    // Assert
    const posts = slack.callsOf('chat.postMessage');
    const edits = slack.callsOf('chat.update');
    expect(posts).toHaveLength(1);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(edits.length).toBeLessThanOrEqual(4);
    expect(edits.every((e) => e.params.ts === posts[0]?.response?.ts)).toBe(true);
    const shown = [...slack.messages.values()][0]!;
    expect(shown.text).toBe('w0 w1 w2 w3 w4 w5 w6 w7 w8 w9');
    expect(JSON.stringify(shown.blocks.at(-1))).toContain('<https://x.example|Dashboard>');
  });

  it('ends the part streamed so far where something else is posted, and continues in a new message below', async () => {
    // Arrange
    const message = answer(50);
    message.append('Deploying 1.3.0.');

    // Act
    await message.break();
    await api.post({ channel: 'C1', threadTs: '1.1', text: 'Confirm?' });
    message.append('\n\nDeployment succeeded.');
    await message.finish({ text: 'Deploying 1.3.0.\n\nDeployment succeeded.\n\nDone.' });

    // Assert: the rest of the composed answer goes under the question, the first part stays as it was.
    expect(slack.callsOf('chat.postMessage').map((c) => c.params.text)).toEqual([
      'Deploying 1.3.0.',
      'Confirm?',
      'Deployment succeeded.\n\nDone.',
    ]);
  });

  it('waits for what must stand above a new message, unless it must go above something itself', async () => {
    // Arrange: `ready` resolves only when released.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const message = answer(0, () => held);

    // Act
    message.append('The outcome.');
    await new Promise((r) => setTimeout(r, 100));
    const before = texts();
    release();
    await message.finish({});

    // Assert
    expect(before).toEqual([]);
    expect(texts()).toEqual(['The outcome.']);

    // A part that a question must follow is posted at once, held or not.
    const second = answer(0, () => new Promise(() => undefined));
    second.append('Let me check.');
    await second.break();
    expect(texts()).toEqual(['The outcome.', 'Let me check.']);
  });

  it('waits out Retry-After when Slack answers 429 to an edit, then shows the whole answer', async () => {
    // Arrange
    const message = answer(0);
    message.append('first');
    await new Promise((r) => setTimeout(r, 300));
    slack.rateLimit('chat.update', 1);

    // Act
    const started = Date.now();
    await message.finish({ text: 'first and last' });

    // Assert
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect([...slack.messages.values()][0]?.text).toBe('first and last');
  });

  it('says Done. for an answer with no words, and puts links that follow a break in a message of their own', async () => {
    // Arrange
    const quiet = answer(0);
    quiet.append('\n\n');
    const broken = answer(0);
    broken.append('Rolled back.');

    // Act
    await quiet.finish({ text: '' });
    await broken.break();
    await broken.finish({ text: 'Rolled back.', footer: [':link: <https://x.example|ALB>'] });

    // Assert
    const [done, said, links] = slack.callsOf('chat.postMessage');
    expect(done?.params.text).toBe('Done.');
    expect(said?.params.text).toBe('Rolled back.');
    expect(links?.params.text).toBe('Links for this release');
    expect(JSON.stringify(links?.params.blocks)).toContain('<https://x.example|ALB>');
  });

  it.each([
    ['the same text', 'a\n\nb', 'a', '\n\nb'],
    ['other paragraph breaks', 'a\n\nb c', 'a\nb', ' c'],
    ['nothing above', 'a b', '', 'a b'],
    ['text that does not start with it', 'x y', 'a', undefined],
  ])('after() with %s', (_, text, prefix, rest) => {
    expect(after(text, prefix)).toBe(rest);
  });
});
