import { describe, expect, it } from 'vitest';
import { cleanText } from '../../../src/channels/slack/channel.js';
import { controlValue, parseControlValue } from '../../../src/channels/slack/control-view.js';
import { progressView, weightBar } from '../../../src/channels/slack/progress-view.js';
import { initialProgress, reduceProgress } from '../../../src/channels/slack/progress-state.js';
import { answerView, SANDBOX_CONTEXT } from '../../../src/channels/slack/answer-view.js';
import { confirmView, escapeMrkdwn, mfaModal } from '../../../src/channels/slack/views.js';
import type { RolloutEvent } from '../../../src/rollout/events.js';

/** The buttons of the first actions block. */
function buttonsOf(blocks: readonly unknown[]): Array<Record<string, unknown>> {
  const actions = blocks.find((b) => (b as { type: string }).type === 'actions') as
    { elements: Array<Record<string, unknown>> } | undefined;
  return actions?.elements ?? [];
}

describe('Block Kit views', () => {
  it.each([
    [{ blue: 100, green: 0 }, 10, 0],
    [{ blue: 75, green: 25 }, 8, 2],
    [{ blue: 50, green: 50 }, 5, 5],
    [{ blue: 0, green: 100 }, 0, 10],
  ])('draws %j as %i blue and %i green cells', (weights, blue, green) => {
    const bar = weightBar(weights);

    expect(bar.split(':large_blue_square:').length - 1).toBe(blue);
    expect(bar.split(':large_green_square:').length - 1).toBe(green);
  });

  it.each([
    ['<!channel> deploy', '&lt;!channel&gt; deploy'],
    ['<https://evil.example|docs>', '&lt;https://evil.example|docs&gt;'],
    ['a & b', 'a &amp; b'],
  ])('escapes %j for mrkdwn', (text, escaped) => {
    expect(escapeMrkdwn(text)).toBe(escaped);
  });

  it.each([
    ['dev (a confirmation only)', { confirm: true, mfa: false, approval: false }, false],
    ['prd (MFA)', { confirm: true, mfa: true, approval: false }, true],
    ['an environment that wants approvals', { confirm: true, mfa: false, approval: true }, true],
  ])('asks to confirm a write to %s with a neutral Cancel', (_, needs, dialog) => {
    const view = confirmView('id1', 'deploy checkout 1.3.0 to prd', needs, 'U0ALICE01', Date.now() + 60_000);

    const [confirm, cancel] = buttonsOf(view.blocks);
    expect(confirm).toMatchObject({ action_id: 'jarvis_confirm', style: 'primary', value: 'id1' });
    expect(cancel).toMatchObject({ action_id: 'jarvis_cancel', value: 'id1' });
    expect(cancel).not.toHaveProperty('style');
    expect(cancel).not.toHaveProperty('confirm');
    if (!dialog) {
      expect(confirm).not.toHaveProperty('confirm');
      return;
    }
    const asked = confirm!.confirm as Record<string, { type: string; text: string }>;
    expect(asked.title?.type).toBe('plain_text');
    expect(asked.title!.text.length).toBeLessThanOrEqual(100);
    expect(asked.text?.text).toContain('deploy checkout 1.3.0 to prd');
    expect(asked.text!.text.length).toBeLessThanOrEqual(300);
    expect(asked.confirm?.text.length).toBeLessThanOrEqual(30);
    expect(asked.deny?.text.length).toBeLessThanOrEqual(30);
  });

  it('asks with the tool’s own question, in the message and as the title of the confirm dialog', () => {
    const plan =
      'Current state:\n  Green (Active): v1.3.0  ← 100% traffic\nRollback will shift all traffic to Blue (v1.2.0)';

    const view = confirmView(
      'id3',
      plan,
      { confirm: true, mfa: true, approval: false },
      'U1',
      0,
      'Confirm rollback?',
    );

    const head = (view.blocks[0] as { text: { text: string } }).text.text;
    expect(head).toBe(
      ':warning: <@U1>, *Confirm rollback?*\n> Current state:\n>   Green (Active): v1.3.0  ← 100% traffic\n> Rollback will shift all traffic to Blue (v1.2.0)',
    );
    const [confirm] = buttonsOf(view.blocks);
    expect(confirm!.confirm).toMatchObject({ title: { type: 'plain_text', text: 'Confirm rollback?' } });
  });

  it('keeps the confirm dialog within Slack limits for a long plan', () => {
    const summary = `roll back checkout in prd: ${'x'.repeat(600)}`;

    const view = confirmView('id2', summary, { confirm: true, mfa: true, approval: false }, 'U1', 0);

    const [confirm] = buttonsOf(view.blocks);
    const dialog = confirm!.confirm as { text: { text: string } };
    expect(dialog.text.text).toMatch(/^roll back checkout in prd: x+…\n\nYour MFA code is asked next\.$/);
    expect(dialog.text.text.length).toBe(300);
  });

  it('keeps tables in code blocks and escapes the rest of an answer', () => {
    const text = 'Status of prd <!here>:\n┌────┬────┐\n│ a  │ <b>│\n└────┴────┘\nDone.';

    const shown = answerView(text).text;

    expect(shown).toBe(
      'Status of prd &lt;!here&gt;:\n```\n┌────┬────┐\n│ a  │ &lt;b&gt;│\n└────┴────┘\n```\nDone.',
    );
  });

  it('keeps space-aligned tables (header, rule, rows and their notes) in one code block, up to a blank line', () => {
    const text = [
      'PRD Deployment History (dates UTC):',
      '',
      'Version  Date        Status',
      '───────────────────────────',
      '1.3.1    2025-01-02  ROLLBACK',
      '  └─ Reason: rolled back by <@U1>',
      '1.2.0    2024-12-20  SUCCESS',
      '',
      'Success rate: 50% (1/2)',
    ].join('\n');

    const shown = answerView(text).text;

    expect(shown).toBe(
      [
        'PRD Deployment History (dates UTC):',
        '',
        '```',
        'Version  Date        Status',
        '───────────────────────────',
        '1.3.1    2025-01-02  ROLLBACK',
        '  └─ Reason: rolled back by &lt;@U1&gt;',
        '1.2.0    2024-12-20  SUCCESS',
        '```',
        '',
        'Success rate: 50% (1/2)',
      ].join('\n'),
    );
  });

  it('folds a table line wider than 100 columns in its code block, so that Slack does not wrap it', () => {
    const wide = `│ ${'x'.repeat(150)} │`;

    const shown = answerView(`Status:\n${wide}\nDone.`).text;

    expect(shown).toBe(`Status:\n\`\`\`\n${wide.slice(0, 100)}\n${wide.slice(100)}\n\`\`\`\nDone.`);
  });

  it('marks an answer on the sandbox and keeps long ones within Slack limits, code blocks whole', () => {
    // Arrange: a table of 400 rows (well over one section's 3000 characters) between two lines.
    const rows = Array.from({ length: 400 }, (_, i) => `│ row ${String(i).padStart(3, '0')} │ <ok> │`);
    const text = ['Status of prd:', '┌─────────┬──────┐', ...rows, '└─────────┴──────┘', 'Done.'].join('\n');

    // Act
    const plain = answerView(text);
    const marked = answerView(text, { sandbox: true });

    // Assert
    expect(plain.blocks).toBeUndefined();
    expect(marked.text).toBe(`[sandbox] ${plain.text}`);
    const [first, ...sections] = marked.blocks as Array<{
      type: string;
      text?: { text: string };
      elements?: Array<{ text: string }>;
    }>;
    expect(first).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: SANDBOX_CONTEXT }] });
    expect(sections.length).toBeGreaterThan(1);
    for (const block of sections) {
      const body = block.text!.text;
      expect(block.type).toBe('section');
      expect(body.length).toBeLessThanOrEqual(3000);
      expect(body.split('\n').filter((l) => l === '```').length % 2).toBe(0);
    }
    const shown = sections.map((b) => b.text!.text).join('\n');
    expect(shown.replace(/\n```\n```/g, '')).toBe(plain.text);
  });

  it('shows phase, step, weights and the figures of both colours', () => {
    // Arrange
    const base = { env: 'prd', service: 'checkout', deploymentId: 3 } as const;
    const events: RolloutEvent[] = [
      { ...base, kind: 'phase', phase: 'prepare', message: 'green ready' },
      {
        ...base,
        kind: 'weights',
        step: 25,
        stepIndex: 1,
        steps: 4,
        weights: { blue: 75, green: 25 },
        newColour: 'green',
      },
      {
        ...base,
        kind: 'analysis',
        step: 25,
        weights: { blue: 75, green: 25 },
        newColour: 'green',
        verdict: {
          outcome: 'pass',
          newColour: { requests: 400, errors: 1, errorRate: 0.0025, p99Ms: 131.6 },
          stableColour: { requests: 1200, errors: 1, errorRate: 0.0008, p99Ms: 118 },
          baselineP99Ms: 118,
          reasons: [],
        },
      },
    ];

    // Act
    const state = events.reduce(reduceProgress, initialProgress(events[0]!, 'deploy checkout 1.3.0 to prd'));
    const view = JSON.stringify(progressView(state).blocks);

    // Assert
    expect(view).toContain('phase *shift*');
    expect(view).toContain('step 2/4 (25%)');
    expect(view).toContain('Blue *75%* · Green *25%*');
    expect(view).toContain('*Green* (new)\\nError rate 0.25% · p99 132 ms · 400 req');
    expect(view).toContain('*Blue* (stable)\\nError rate 0.08% · p99 118 ms · 1200 req');
  });

  it.each([
    ['ROLLED_BACK', 'Blue *100%* · Green *0%*', ':rewind: *ROLLED_BACK*'],
    ['ABORTED', 'Blue *100%* · Green *0%*', ':octagonal_sign: *ABORTED*'],
    ['SUCCESS', 'Blue *75%* · Green *25%*', ':white_check_mark: *SUCCESS*'],
  ] as const)('ends %s showing the traffic where it is: %s', (status, weights, line) => {
    // Arrange: the rollout ends at its 25 % step; a rollback or abort sends no weights event of its own.
    const base = { env: 'prd', service: 'checkout', deploymentId: 5 } as const;
    const events: RolloutEvent[] = [
      {
        ...base,
        kind: 'weights',
        step: 25,
        stepIndex: 1,
        steps: 4,
        weights: { blue: 75, green: 25 },
        newColour: 'green',
      },
      { ...base, kind: 'finished', status, reason: undefined, durationMs: 61_000, version: '1.3.1' },
    ];

    // Act
    const state = events.reduce(reduceProgress, initialProgress(events[0]!, 'deploy checkout 1.3.1 to prd'));
    const view = JSON.stringify(progressView(state).blocks);

    // Assert
    expect(view).toContain(weights);
    expect(view).toContain(line.split(' ')[0]!);
    expect(view).toContain(`Deployment #5 · prd/checkout · *${status}* after 1m 1s`);
    expect(view).not.toContain('jarvis_stop');
  });

  it('shows the release’s flow in a code block, its latest lines when it is longer than a section', () => {
    // Arrange
    const base = { env: 'prd', service: 'checkout', deploymentId: 6 } as const;
    const start = initialProgress({ ...base, kind: 'phase', phase: 'prepare', message: '' }, 'deploy');
    const flow = [
      'Pre-deployment checks:',
      ...Array.from({ length: 200 }, (_, i) => `  ✓ check ${i}: <fine>`),
    ];

    // Act
    const short = JSON.stringify(progressView({ ...start, flow: flow.slice(0, 3) }).blocks);
    const long = (progressView({ ...start, flow }).blocks as Array<{ text?: { text: string } }>).map(
      (b) => b.text?.text ?? '',
    );

    // Assert
    expect(short).toContain(
      '```\\nPre-deployment checks:\\n  ✓ check 0: &lt;fine&gt;\\n  ✓ check 1: &lt;fine&gt;\\n```',
    );
    const code = long.find((t) => t.startsWith('```'))!;
    expect(code.length).toBeLessThanOrEqual(3000);
    expect(code).toMatch(/^```\n…\n/);
    expect(code).toContain('✓ check 199: &lt;fine&gt;\n```');
  });

  it.each([
    [['prepare'], false, 'prepare', ['jarvis_stop', 'jarvis_pause']],
    [['prepare', 'pause'], true, 'prepare', ['jarvis_stop', 'jarvis_resume']],
    [['prepare', 'pause', 'resume'], false, 'prepare', ['jarvis_stop', 'jarvis_pause']],
    [['verify', 'pause', 'abort'], true, 'abort', []],
  ] as const)('after phases %j: paused %s, phase %s, buttons %j', (phases, paused, phase, buttons) => {
    // Arrange
    const base = { env: 'prd', service: 'checkout', deploymentId: 4 } as const;
    const events: RolloutEvent[] = phases.map((p) => ({ ...base, kind: 'phase', phase: p, message: p }));

    // Act
    const state = events.reduce(reduceProgress, initialProgress(events[0]!, undefined));
    const actions = progressView(state).blocks.filter((b) => b.type === 'actions');

    // Assert
    expect(state.paused).toBe(paused);
    expect(state.phase).toBe(phase);
    expect(actions.flatMap((b) => ('elements' in b ? b.elements.map((e) => e.action_id) : []))).toEqual(
      buttons,
    );
  });

  it.each([
    ['not json', undefined],
    ['{"deploymentId":"4","env":"prd","service":"checkout"}', undefined],
    ['{"deploymentId":4,"env":"prd","service":"checkout","role":"admin"}', undefined],
    ['{"deploymentId":4,"env":"","service":"checkout"}', undefined],
    [
      controlValue({ deploymentId: 4, env: 'prd', service: 'checkout' }),
      { deploymentId: 4, env: 'prd', service: 'checkout' },
    ],
  ])('reads the control button value %s as %j', (value, target) => {
    expect(parseControlValue(value)).toEqual(target);
  });

  it('puts the code input of the MFA modal under the block the errors name', () => {
    const modal = mfaModal('id-1', 'deploy checkout 1.3.0 to prd');

    expect(modal.callback_id).toBe('jarvis_mfa');
    expect(modal.private_metadata).toBe('id-1');
    expect(JSON.stringify(modal.blocks)).toContain('"block_id":"code"');
  });

  it('removes the mention of Jarvis and undoes Slack’s escapes in a request', () => {
    expect(cleanText('<@U0JARVIS>  deploy 1.3.0 to prd &amp; tell me', 'U0JARVIS')).toBe(
      'deploy 1.3.0 to prd & tell me',
    );
  });
});
