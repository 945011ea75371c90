import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeployment } from '../../e2e/helpers.js';
import { ALICE, startSlackHarness, type SlackHarness } from './harness.js';

describe('the metrics and history answers in Slack', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
    await recordDeployment(h.jarvis, {
      env: 'dev',
      version: '1.2.9',
      status: 'FAILED',
      reason: 'prepare failed: Health check timeout',
    });
    await recordDeployment(h.jarvis, { env: 'dev', version: '1.3.0', status: 'SUCCESS' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('shows the same figures as the terminal, the tables in code blocks that fit 100 columns', async () => {
    // Act
    const thread = await h.say(ALICE, 'show deployment metrics for last 7 days');
    await h.service.slack!.channel.idle();

    // Assert
    const shown = [...h.slack.messages.values()]
      .filter((m) => m.threadTs === thread)
      .map((m) => String(m.text))
      .join('\n');
    expect(shown).toMatch(/Deployment metrics \(\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, UTC\):/);
    const blocks = [...shown.matchAll(/```\n([^`]*)\n```/g)].map((m) => m[1] ?? '');
    const table = blocks.find((b) => b.includes('Environment'));
    expect(table).toMatch(/DEV {10}2 +1 +1 +0 +– +50%/);
    const recent = blocks.find((b) => b.includes('Duration'));
    expect(recent).toContain('└─ Reason: prepare failed: Health check timeout');
    for (const block of blocks) {
      for (const line of block.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    }
  });
});
