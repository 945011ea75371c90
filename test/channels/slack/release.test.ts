import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../../helpers/fake-slack.js';
import { ALICE, BOB, CI, startSlackHarness, type SlackHarness } from './harness.js';

/** Every text block of a message, joined: what people read. */
function shown(blocks: unknown[]): string {
  return JSON.stringify(blocks);
}

/** The elements of the actions block of a posted message. */
function elementsOf(call: SlackCall): Array<Record<string, unknown>> {
  const blocks = call.params.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>;
  return blocks.find((b) => b.type === 'actions')?.elements ?? [];
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

  it("asks the requester to confirm the exact action in the thread, Confirm behind Slack's confirm dialog, Cancel neutral", () => {
    expect(confirm.params.channel).toBe(CI);
    expect(confirm.params.thread_ts).toBe(thread);
    expect(shown(confirm.params.blocks as unknown[])).toContain('deploy checkout 1.3.0 to prd');
    expect(buttonOf(confirm, 'jarvis_cancel')?.value).toBe(buttonOf(confirm, 'jarvis_confirm')?.value);
    const [yes, no] = elementsOf(confirm);
    expect(yes).toMatchObject({
      action_id: 'jarvis_confirm',
      style: 'primary',
      confirm: {
        title: { type: 'plain_text' },
        text: { type: 'plain_text' },
        confirm: { type: 'plain_text' },
        deny: { type: 'plain_text' },
      },
    });
    const dialog = yes?.confirm as { text: { text: string } };
    expect(dialog.text.text).toMatch(/^deploy checkout 1\.3\.0 to prd .*\n\nYour MFA code is asked next\.$/);
    expect(no).toMatchObject({ action_id: 'jarvis_cancel' });
    expect(no).not.toHaveProperty('style');
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
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');
    // One message per rollout: posted once, then edited, ending in its final state.
    const progress = h.thread(thread).filter((m) => shown(m.blocks).includes('Deployment #'));
    expect(progress).toHaveLength(1);
    const message = progress[0]!;
    expect(message.edits).toBeGreaterThanOrEqual(2);
    expect(h.slack.callsOf('chat.update').filter((c) => c.params.ts === message.ts).length).toBe(
      message.edits,
    );
    expect(message.text).toBe('SUCCESS: prd/checkout 1.3.0');
    expect(shown(message.blocks)).toMatch(/Deployment #\d+ · prd\/checkout · \*SUCCESS\* after \d+m \d+s/);
    // The release as the terminal shows it, in the seed's order, on this one message.
    const flow = shown(message.blocks);
    const order = [
      'Pre-deployment checks:',
      '✓ promotion: 1.3.0 succeeded in tst',
      'Current state:',
      'Phase 1: Deploying 1.3.0 to Green...',
      'Phase 2: Traffic shift starting...',
      '[100%] Blue: 0% | Green: 100%',
      'Phase 3: Verification',
      'P99 latency:',
    ].map((part) => flow.indexOf(part));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(shown(message.blocks)).toMatch(/large_(blue|green)_square/);
    expect(shown(message.blocks)).toMatch(/Error rate \d+\.\d\d% · p99 \d+ ms/);
    expect(shown(message.blocks)).not.toContain('jarvis_stop');
    expect(h.jarvis.sandbox).toBeDefined();
  });

  it('then posts one outcome message with the links, and no other line about the end', () => {
    const messages = h.thread(thread);
    const outcome = messages.at(-1)!;
    const prompt = h.slack.messages.get(String(mfaPrompt.response?.ts))!;

    // In order: the question, the MFA prompt, the progress message, the outcome.
    expect(messages.map((m) => m.ts)).toEqual([
      confirm.response?.ts,
      mfaPrompt.response?.ts,
      messages.find((m) => shown(m.blocks).includes('Deployment #'))?.ts,
      outcome.ts,
    ]);
    expect(outcome.text).toMatch(/^\[sandbox\] ✓ Deployment of checkout 1\.3\.0 to prd succeeded/);
    expect(outcome.text).not.toMatch(/(Dashboard|ALB): https:/);
    const links = shown(outcome.blocks);
    expect(links).toContain(
      '<https://grafana.example.com/d/jarvis-releases?var-environment=prd&amp;var-service=checkout|Dashboard>',
    );
    expect(links).toMatch(
      /<https:\/\/eu-west-1\.console\.aws\.amazon\.com\/ec2\/home\?region=eu-west-1#LoadBalancer:loadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A123456789012%3Aloadbalancer%2Fapp%2Fshop-prd%2F3a2b3c4d5e6f7a80\|ALB>/,
    );
    // The end is told once: on the progress message.
    const said = messages.map((m) => m.text + shown(m.blocks)).join('\n');
    expect(said.match(/\*SUCCESS\*/g)).toHaveLength(1);
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
