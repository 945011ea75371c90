import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf } from '../../helpers/fake-slack.js';
import { ALICE, startSlackHarness, type SlackHarness } from './harness.js';

const DM = 'D0ALICEDM';

describe('channel guardrails through the Bolt app (defaults: prd writes not from direct messages)', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const answerIn = async (thread: string) => {
    await h.service.slack!.channel.idle();
    return h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread)
      .at(-1)!;
  };

  it.each([
    {
      name: 'a prd write in a direct message',
      text: 'rollback prd',
      where: { channel: DM, channelType: 'im' },
      asked: false,
    },
    {
      name: 'a prd read in a direct message',
      text: 'status of prd',
      where: { channel: DM, channelType: 'im' },
      asked: false,
    },
    { name: 'a prd write in #jarvis-ci', text: 'deploy 1.3.0 to prd', where: {}, asked: true },
  ])('$name', async ({ text, where, asked }) => {
    // Act
    const thread = await h.say(ALICE, text, where);
    if (asked) await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_cancel');
    const answer = await answerIn(thread);

    // Assert
    const questions = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread && buttonOf(c, 'jarvis_confirm') !== undefined);
    expect(questions.length > 0).toBe(asked);
    if (text.startsWith('rollback') && !asked) {
      expect(String(answer.params.text)).toContain('Writes to prd cannot be asked for from a direct message');
      const [entry] = await h.jarvis.store.listAudit({ actor: ALICE, limit: 1 });
      expect(entry).toMatchObject({ tool: 'rollback_service', decision: 'deny', outcome: 'denied' });
      expect(entry?.detail).toMatchObject({ code: 'DENIED', rule: 'CHANNEL_NOT_ALLOWED', requester: ALICE });
    }
    if (text.startsWith('status')) expect(String(answer.params.text)).toContain('Status of prd');
    if (asked) expect(String(answer.params.text)).not.toContain('cannot be asked for');
    expect(h.version('prd', 'checkout')).toBe('1.2.0');
  });
});
