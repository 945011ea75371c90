import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordDeployment, plannerFor } from '../../e2e/helpers.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { buttonOf, type FakeSlack, type SlackCall } from '../../helpers/fake-slack.js';
import { ALICE, startSlackHarness, type SlackHarness } from './harness.js';

/** Everything Slack was sent for the message `ts` (its post, then each edit), in order. */
function versionsOf(slack: FakeSlack, ts: string): SlackCall[] {
  return slack.calls.filter(
    (c) =>
      (c.method === 'chat.postMessage' && c.response?.ts === ts) ||
      (c.method === 'chat.update' && c.params.ts === ts),
  );
}

/** The lines of the code blocks of a message's text, as Slack shows them (entities undone). */
function codeLines(text: string): string[] {
  return [...text.matchAll(/```\n([^`]*)\n```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').map((l) => l.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')),
  );
}

describe('what Slack receives for a dev release and a history', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a question, one progress message edited in place to its end, then one outcome message with the links', async () => {
    // Arrange
    const thread = await h.say(ALICE, 'deploy 1.3.0 to dev');
    const confirm = await h.question(thread, 'jarvis_confirm');

    // Act
    await h.press(ALICE, confirm, 'jarvis_confirm');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // Assert: three messages in the thread, in this order.
    const [question, progress, outcome, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    expect(question?.ts).toBe(confirm.response?.ts);
    // dev needs no MFA: no confirm dialog; Cancel is neutral either way.
    expect(buttonOf(confirm, 'jarvis_confirm')).not.toHaveProperty('confirm');
    expect(buttonOf(confirm, 'jarvis_cancel')).not.toHaveProperty('style');

    const edits = versionsOf(h.slack, progress!.ts);
    expect(edits[0]?.method).toBe('chat.postMessage');
    expect(edits.slice(1).every((c) => c.method === 'chat.update')).toBe(true);
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(String(edits.at(-1)?.params.text)).toBe('SUCCESS: dev/checkout 1.3.0');
    expect(JSON.stringify(progress!.blocks)).toMatch(/· \*SUCCESS\* after \d+m \d+s/);
    // The pre-checks come first, on the progress message, and nowhere else.
    expect(JSON.stringify(progress!.blocks)).toContain('Pre-deployment checks:');
    expect(outcome!.text).not.toContain('Pre-deployment checks:');

    expect(outcome!.text).toMatch(/^\[sandbox\] ✓ Deployment of checkout 1\.3\.0 to dev succeeded \(green\)/);
    // The links are Slack links under the result, not URLs in its text.
    expect(outcome!.text).not.toMatch(/(Dashboard|ALB): https:/);
    const footer = JSON.stringify(outcome!.blocks.at(-1));
    expect(footer).toContain('"type":"context"');
    expect(footer).toContain(
      ':link: *checkout* in dev: <https://grafana.example.com/d/jarvis-releases?var-environment=dev&amp;var-service=checkout|Dashboard> · <https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#LoadBalancer:loadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A123456789012%3Aloadbalancer%2Fapp%2Fshop-dev%2F1a2b3c4d5e6f7a80|ALB>',
    );
    // The end is said once: by the progress message; the outcome is the rendered result.
    const said = h.thread(thread).map((m) => m.text + JSON.stringify(m.blocks));
    expect(said.filter((m) => m.includes('*SUCCESS*'))).toHaveLength(1);
    expect(said.filter((m) => m.includes('succeeded (green)'))).toHaveLength(1);
  });

  it('shows a history whose reasons are long in code blocks no wider than 100 columns', async () => {
    // Arrange
    const reason = `analysis failed: ${Array.from({ length: 12 }, (_, i) => `window ${i} error rate 12.50% above 1.00%`).join('; ')}`;
    await recordDeployment(h.jarvis, { env: 'prd', version: '1.2.9', status: 'FAILED', reason });

    // Act
    const thread = await h.say(ALICE, 'history of prd');
    await h.service.slack!.channel.idle();

    // Assert: every version Slack was sent, not only the last.
    const [answer, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    const sent = versionsOf(h.slack, answer!.ts);
    const lines = sent.flatMap((c) => codeLines(String(c.params.text)));
    expect(lines.some((l) => l.startsWith('Version '))).toBe(true);
    expect(lines.join('\n')).toContain('└─ Reason: analysis failed: window 0 error rate');
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('window 11 error rate 12.50% above 1.00%');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    // Fitted by the history's narrow form: the reason continues indented under itself.
    expect(lines.some((l) => /^ {5}\S/.test(l))).toBe(true);
  });
});

describe('an emergency rollback from Slack', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('carries the terminal’s elements: one confirmation of the plan, the rollout, the outcome per service, links and where to look next', async () => {
    // Arrange: checkout released 1.3.0 over 1.2.0, which is known good on the standby.
    const released = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.0',
      actor: ALICE,
    });
    expect(released.deployment.status).toBe('SUCCESS');
    const thread = await h.say(ALICE, 'emergency rollback all services in dev');
    const confirm = await h.question(thread, 'jarvis_confirm');

    // Act
    await h.press(ALICE, confirm, 'jarvis_confirm');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // Assert
    expect(JSON.stringify(confirm.params.blocks)).toMatch(/checkout: roll back checkout in dev: .*1\.2\.0/);
    expect(JSON.stringify(confirm.params.blocks)).toMatch(/catalog: skipped/);
    const [, progress, outcome, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    expect(progress!.text).toBe('SUCCESS: dev/checkout 1.2.0');
    expect(outcome!.text).toMatch(/^\[sandbox\] Emergency rollback in dev: SUCCESS\./);
    for (const line of codeLines(outcome!.text)) expect(line.length).toBeLessThanOrEqual(100);
    const footer = JSON.stringify(outcome!.blocks.filter((b) => (b as { type: string }).type === 'context'));
    expect(footer).toContain(':link: *checkout* in dev:');
    expect(footer).toContain(':link: *catalog* in dev:');
    expect(footer).toContain(':mag: Next: find out why with `diagnose checkout in dev`');
    // Told in jarvis-ci too: this very message.
    expect(h.slack.callsOf('chat.postMessage').filter((c) => c.params.reply_broadcast)).toEqual([
      h.slack.callsOf('chat.postMessage').find((c) => c.response?.ts === outcome!.ts),
    ]);
    expect(h.version('dev', 'checkout')).toBe('1.2.0');
  });
});

describe('answers of the language model in Slack', () => {
  let h: SlackHarness | undefined;
  let fake: FakeAnthropic | undefined;

  afterEach(async () => {
    await h?.close();
    await fake?.close();
    h = undefined;
    fake = undefined;
  });

  const start = async (script: Parameters<typeof startFakeAnthropic>[0], turnSeconds?: number) => {
    const api = await startFakeAnthropic(script);
    fake = api;
    h = await startSlackHarness({
      planner: (jarvis) => plannerFor(api, jarvis),
      ...(turnSeconds ? { configure: (c) => void (c.agent = { turnSeconds }) } : {}),
    });
    return h;
  };

  it('arrive as one message, posted on the first text and edited in place as they stream', async () => {
    // Arrange: an answer written a word every 60 ms (about 1.5 s).
    const words = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');
    const h = await start([{ content: [{ type: 'text', text: words }], chunkDelayMs: 60 }]);

    // Act
    const thread = await h.say(ALICE, 'tell me a story');
    await h.service.slack!.channel.idle();

    // Assert
    const [answer, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    const sent = versionsOf(h.slack, answer!.ts);
    expect(sent[0]?.method).toBe('chat.postMessage');
    expect(String(sent[0]?.params.text)).not.toContain('word23');
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.slice(1).every((c) => c.method === 'chat.update')).toBe(true);
    const texts = sent.map((c) => String(c.params.text));
    for (const [i, text] of texts.entries()) {
      if (i > 0) expect(text.length).toBeGreaterThanOrEqual(texts[i - 1]!.length);
    }
    expect(answer!.text).toBe(`[sandbox] ${words}`);
  });

  it('keep the words said before a write above its question, and end with the outcome under the progress', async () => {
    // Arrange
    const h = await start([
      {
        content: [
          { type: 'text', text: 'Deploying checkout 1.3.0 to dev.' },
          { type: 'tool_use', name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
        ],
      },
      { content: [{ type: 'text', text: 'Done: green serves dev.' }] },
    ]);
    const thread = await h.say(ALICE, 'ship 1.3.0 to dev');

    // Act
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');
    await h.ended(thread, 'SUCCESS');
    await h.service.slack!.channel.idle();

    // Assert
    const [said, question, progress, outcome, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    expect(said!.text).toBe('[sandbox] Deploying checkout 1.3.0 to dev.');
    expect(question!.text).toMatch(/^deploy checkout 1\.3\.0 to dev .* — :white_check_mark: Confirmed by/);
    expect(progress!.text).toBe('SUCCESS: dev/checkout 1.3.0');
    expect(outcome!.text).toMatch(
      /^\[sandbox\] ✓ Deployment of checkout 1\.3\.0 to dev succeeded \(green\)[^]*\n\nDone: green serves dev\.$/,
    );
    expect(JSON.stringify(outcome!.blocks)).toContain('|Dashboard>');
  });

  it('end with the offline planner’s answer and the notice, in the same message, when the model is too slow for agent.turnSeconds', async () => {
    // Arrange: a model that would take about 4 s; a 1 s bound for the turn.
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const h = await start([{ content: [{ type: 'text', text: words }], chunkDelayMs: 100 }], 1);

    // Act
    const thread = await h.say(ALICE, 'status of dev');
    await h.service.slack!.channel.idle();

    // Assert
    const [answer, ...more] = h.thread(thread);
    expect(more).toEqual([]);
    expect(answer!.text).toMatch(
      /^\[sandbox\] \(The language model is unavailable: its answers in this turn took longer than 1 s in all \(agent\.turnSeconds\)\. Answering with the offline planner\.\)\n\nStatus of dev:/,
    );
    expect(answer!.text).not.toContain('word');
    expect(versionsOf(h.slack, answer!.ts)[0]?.method).toBe('chat.postMessage');
  });
});
