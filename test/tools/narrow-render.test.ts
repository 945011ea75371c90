import { describe, expect, it } from 'vitest';
import { renderCall, renderCallNarrow } from '../../src/agent/render-call.js';
import type { CallRecord } from '../../src/agent/loop.js';
import { answerView } from '../../src/channels/slack/answer-view.js';
import { toolRegistry } from '../../src/tools/index.js';

const WIDTH = 100;
/** The lines Slack shows in code blocks (where lines do not wrap; prose around the tables does). */
const codeLines = (text: string): string[] =>
  [...answerView(text).text.matchAll(/```\n([^`]*)\n```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').map((l) => l.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')),
  );
/** The longest line of a table as the tool rendered it (box drawn, or a row's note). */
const widestRow = (text: string): number =>
  Math.max(
    0,
    ...text
      .split('\n')
      .filter((l) => /[│└]/.test(l))
      .map((l) => l.length),
  );
/** The words of `text`, whatever the lines and table borders around them. */
const words = (text: string): string[] => text.split(/[\s│┌┐└┘├┤┬┴┼─]+/).filter(Boolean);

const LONG_REASON =
  'analysis failed at step 2 (25%): error rate 12.50% above the limit of 1.00% in 2 windows in a row; p99 840 ms against 42 ms on blue';
const deployment = (version: string, status: string, reason: string | null) => ({
  id: 7,
  date: '2026-01-02T10:00:00.000Z',
  env: 'prd',
  service: 'checkout',
  version,
  durationSeconds: 185,
  strategy: 'blue-green',
  deployer: 'U0ALICE01',
  status,
  reason,
});
const colour = (role: string, problems: string[]) => ({
  role,
  version: '1.3.0',
  readyReplicas: 3,
  replicas: 3,
  targets: { healthy: 3 - problems.length, total: 3, problems },
});
const PROBLEMS = [
  '10.0.1.17:8080 unhealthy (Target.ResponseCodeMismatch: health checks failed with 503)',
  '10.0.1.18:8080 unhealthy (Target.Timeout: request timed out)',
];

/** Per tool with a narrow form: an output whose terminal rendering is wider than a Slack message. */
const WIDE: Array<[string, unknown]> = [
  [
    'get_deployment_history',
    {
      env: 'prd',
      timeZone: 'UTC',
      deployments: [deployment('1.3.1', 'ROLLBACK', LONG_REASON), deployment('1.3.0', 'SUCCESS', null)],
      summary: {
        count: 2,
        rollbackEvents30Days: 1,
        successes: 1,
        finished: 2,
        successRate: 0.5,
        averageDurationSeconds: 185,
      },
    },
  ],
  [
    'get_deployment_metrics',
    {
      days: 7,
      since: '2025-12-27T00:00:00.000Z',
      until: '2026-01-03T00:00:00.000Z',
      timeZone: 'UTC',
      environments: [
        {
          env: 'prd',
          deployments: 2,
          successes: 1,
          failures: 1,
          rollbacks: 1,
          mttrSeconds: 40,
          changeFailureRate: 0.5,
          deploymentsPerDay: 0.3,
        },
      ],
      leadTime: null,
      recent: [deployment('1.3.1', 'ROLLED_BACK', LONG_REASON)],
      live: null,
    },
  ],
  [
    'get_status',
    {
      env: 'prd',
      freeze: null,
      services: [
        {
          service: 'checkout',
          weights: { blue: 100, green: 0 },
          blue: colour('stable', PROBLEMS),
          green: colour('standby', []),
          rollout: null,
          lock: null,
          release: { unknown: 'not worked out' },
        },
      ],
    },
  ],
  [
    'emergency_rollback',
    {
      env: 'prd',
      scope: 'all',
      status: 'PARTIAL',
      services: [
        {
          service: 'checkout',
          outcome: 'rolled_back',
          version: '1.2.0',
          deploymentId: 12,
          detail: 'one verified weight write: green 0% → blue 100%, read back from the ALB',
        },
        { service: 'catalog', outcome: 'skipped', detail: `no known-good version: ${LONG_REASON}` },
      ],
    },
  ],
];

describe('results rendered for a Slack message (tables in code blocks of at most 100 columns)', () => {
  const tools = toolRegistry();
  const record = (tool: string, output: unknown): CallRecord => ({
    tool,
    input: {},
    decision: 'allow',
    outcome: 'ok',
    output,
  });

  it.each(WIDE)('fits %s within 100 columns, wrapping and cutting nothing', (name, output) => {
    // Arrange
    const call = record(name, output);
    const tool = tools.get(name);

    // Act
    const terminal = renderCall(call, tool);
    const slack = renderCallNarrow(call, tool, WIDTH);

    // Assert
    expect(widestRow(terminal)).toBeGreaterThan(WIDTH);
    expect(widestRow(slack)).toBeLessThanOrEqual(WIDTH);
    // In Slack's code blocks as rendered, not folded there: every line is one of the tool's own.
    const lines = slack.split('\n');
    for (const line of codeLines(slack)) {
      expect(line.length).toBeLessThanOrEqual(WIDTH);
      expect(lines).toContain(line);
    }
    expect(words(slack)).toEqual(words(terminal));
  });

  it.each(WIDE)('keeps the terminal form of %s where it fits', (name, output) => {
    // Arrange: the same result without its long reasons and problems.
    const short = JSON.parse(
      JSON.stringify(output)
        .replaceAll(LONG_REASON, 'health checks failed')
        .replace(/"problems":\[[^\]]*\]/g, '"problems":[]')
        .replace(/"detail":"[^"]*"/g, '"detail":"done"'),
    ) as unknown;
    const call = record(name, short);
    const tool = tools.get(name);

    // Act + Assert
    expect(widestRow(renderCall(call, tool))).toBeLessThanOrEqual(WIDTH);
    expect(renderCallNarrow(call, tool, WIDTH)).toBe(renderCall(call, tool));
  });

  it('shows a refusal as the terminal does', () => {
    const call: CallRecord = {
      tool: 'get_status',
      input: {},
      decision: 'deny',
      outcome: 'denied',
      error: { code: 'DENIED', message: 'x'.repeat(150) },
    };

    expect(renderCallNarrow(call, tools.get('get_status'), WIDTH)).toBe(
      renderCall(call, tools.get('get_status')),
    );
  });
});
