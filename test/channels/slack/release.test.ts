import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../../helpers/fake-slack.js';
import { ALICE, BOB, CI, startSlackHarness, type SlackHarness } from './harness.js';

/** Every text block of a message, joined: what people read. */
function shown(blocks: unknown[]): string {
  return JSON.stringify(blocks);
}

describe('a prd release from a Slack thread', () => {
  let h: SlackHarness;
  let thread: string;
  let confirm: SlackCall;
  let mfaPrompt: SlackCall;
  let goodCode: string;
  let wrongCode: string;

  beforeAll(async () => {
    h = await startSlackHarness();
    // Arrange + Act: the whole conversation, step by step; each `it` below asserts one part of it.
    thread = await h.say(ALICE, 'deploy 1.3.0 to prd');
    confirm = await h.question(thread, 'jarvis_confirm');
  });
  afterAll(async () => {
    await h.close();
  });

  it('asks the requester to confirm the exact action in the thread, with buttons', () => {
    expect(confirm.params.channel).toBe(CI);
    expect(confirm.params.thread_ts).toBe(thread);
    expect(shown(confirm.params.blocks as unknown[])).toContain('deploy checkout 1.3.0 to prd');
    expect(buttonOf(confirm, 'jarvis_cancel')?.value).toBe(buttonOf(confirm, 'jarvis_confirm')?.value);
  });

  it("refuses another person's click with an ephemeral message, and nothing happens", async () => {
    const sent = await h.press(BOB, confirm, 'jarvis_confirm');
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === BOB);

    expect(sent.status).toBe(200);
    expect(String(refusal.params.text)).toMatch(/Only <@U0ALICE01> can confirm/);
    expect(refusal.params.thread_ts).toBe(thread);
    expect(h.slack.callsOf('chat.update')).toHaveLength(0);
    expect(h.slack.callsOf('chat.postMessage').filter((c) => buttonOf(c, 'jarvis_mfa'))).toHaveLength(0);
  });

  it('after the requester confirms, asks for the MFA code with a button', async () => {
    await h.press(ALICE, confirm, 'jarvis_confirm');
    mfaPrompt = await h.question(thread, 'jarvis_mfa');

    const decided = await h.slack.waitFor(
      (c) => c.method === 'chat.update' && c.params.ts === confirm.response?.ts,
    );
    expect(shown(decided.params.blocks as unknown[])).toContain('Confirmed by <@U0ALICE01>');
    expect(buttonOf(decided, 'jarvis_confirm')).toBeUndefined();
  });

  it('opens the code modal for the requester only', async () => {
    await h.press(BOB, mfaPrompt, 'jarvis_mfa', 'trigger-bob');
    await h.press(ALICE, mfaPrompt, 'jarvis_mfa', 'trigger-alice');
    const opened = await h.slack.waitFor((c) => c.method === 'views.open');

    expect(opened.params.trigger_id).toBe('trigger-alice');
    const view = opened.params.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('jarvis_mfa');
    expect(view.private_metadata).toBe(buttonOf(mfaPrompt, 'jarvis_mfa')?.value);
    expect(h.slack.callsOf('views.open')).toHaveLength(1);
    const refusal = h.slack.callsOf('chat.postEphemeral').at(-1)!;
    expect(refusal.params.user).toBe(BOB);
  });

  it('shows a wrong code as an error in the modal and keeps waiting', async () => {
    const id = buttonOf(mfaPrompt, 'jarvis_mfa')!.value;
    wrongCode = await h.wrongCode(ALICE);

    const sent = await h.submitCode(ALICE, id, wrongCode);

    expect(sent.status).toBe(200);
    const body = JSON.parse(sent.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.code).toMatch(/wrong or expired/);
    expect(h.slack.callsOf('chat.update').filter((c) => c.params.ts === mfaPrompt.response?.ts)).toHaveLength(
      0,
    );
  });

  it('accepts the right code, closes the modal and runs the rollout with one progress message edited in place', async () => {
    const id = buttonOf(mfaPrompt, 'jarvis_mfa')!.value;
    goodCode = await h.code(ALICE);

    const sent = await h.submitCode(ALICE, id, goodCode);
    const finalLine = await h.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        /\*SUCCESS\*/.test(String(c.params.text)),
      30_000,
    );

    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');
    // One message per rollout: posted once, then edited.
    const progress = [...h.slack.messages.values()].filter(
      (m) => m.threadTs === thread && shown(m.blocks).includes('Deployment #'),
    );
    expect(progress).toHaveLength(1);
    const message = progress[0]!;
    expect(message.edits).toBeGreaterThanOrEqual(2);
    expect(shown(message.blocks)).toContain('SUCCESS');
    expect(shown(message.blocks)).toMatch(/large_(blue|green)_square/);
    expect(shown(message.blocks)).toMatch(/Error rate \d+\.\d\d% · p99 \d+ ms/);
    expect(String(finalLine.params.text)).toContain('checkout 1.3.0 in prd');
    expect(h.jarvis.sandbox).toBeDefined();
  });

  it('answers in the thread after the rollout, and the MFA prompt shows the code was accepted', async () => {
    await h.service.slack!.channel.idle();
    const replies = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.params.thread_ts === thread && !c.params.blocks);
    const answer = replies.at(-1)!;
    const prompt = h.slack.messages.get(String(mfaPrompt.response?.ts))!;

    expect(String(answer.params.text)).toMatch(/1\.3\.0/);
    expect(shown(prompt.blocks)).toContain('MFA code of <@U0ALICE01> accepted');
  });

  it('never lets the codes reach Slack, the logs or the audit log', async () => {
    const audit = await h.jarvis.store.listAudit({ limit: 1000 });
    const everything = [
      JSON.stringify(h.slack.calls.map((c) => c.params)),
      h.logs(),
      JSON.stringify(audit),
    ].join('\n');

    expect(h.logs().length).toBeGreaterThan(0);
    // A code standing alone, not six digits inside a longer number (timestamps, ids).
    const alone = (code: string): RegExp => new RegExp(`(?<!\\d)${code}(?!\\d)`);
    expect(everything).not.toMatch(alone(goodCode));
    expect(everything).not.toMatch(alone(wrongCode));
    expect(audit.some((a) => a.tool === 'deploy_service' && a.outcome === 'ok' && a.actor === ALICE)).toBe(
      true,
    );
  });

  it('counts the release in /metrics', async () => {
    const res = await fetch(`${h.service.url}/metrics`);
    const text = await res.text();

    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('deployment_status{environment="prd",service="checkout",status="succeeded"} 1');
    expect(text).toMatch(
      /deployment_duration_seconds_count\{environment="prd",service="checkout",status="succeeded"\} 1/,
    );
    expect(text).toContain('jarvis_tool_calls_total{tool="deploy_service",outcome="ok"} 1');
  });
});
