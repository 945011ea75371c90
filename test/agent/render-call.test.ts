import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/agent/loop.js';
import { renderCall } from '../../src/agent/render-call.js';
import { toolRegistry } from '../../src/tools/index.js';

const tools = toolRegistry();

/** A call that ran and returned `output`. */
const ran = (tool: string, output: unknown, input: unknown = { env: 'prd' }): CallRecord => ({
  tool,
  input,
  decision: 'allow',
  outcome: 'ok',
  output,
});

describe('renderCall: a tool call as people read it, from the data the tool returned', () => {
  it('renders the result of a rollout control readably, and an unknown shape as JSON', () => {
    const base = { deploymentId: 12, env: 'prd', service: 'checkout', version: '1.3.0' };
    const show = (name: string, output: unknown) => renderCall(ran(name, output), tools.get(name));

    expect(
      show('abort_rollout', { ...base, status: 'ABORTED', action: 'aborted', detail: 'Blue serves 100%.' }),
    ).toBe('Aborted deployment #12 (checkout 1.3.0 in prd); status ABORTED. Blue serves 100%.');
    expect(show('pause_rollout', { ...base, status: 'RUNNING', action: 'paused', detail: '' })).toBe(
      'Paused deployment #12 (checkout 1.3.0 in prd); status RUNNING. Say "resume checkout in prd" to continue.',
    );
    expect(show('resume_rollout', { ...base, status: 'RUNNING', action: 'not-paused' })).toBe(
      'Deployment #12 (checkout 1.3.0 in prd): not paused; status RUNNING.',
    );
    expect(show('abort_rollout', { ok: true })).toBe(JSON.stringify({ ok: true }, null, 2));
  });

  it('renders a history through its tool: the table, the rollback count and the success rate', () => {
    const output = {
      env: 'prd',
      deployments: [
        {
          service: 'checkout',
          version: '1.3.0',
          date: '2026-11-20T10:00:00.000Z',
          durationSeconds: 412,
          strategy: 'blue-green',
          deployer: 'alice',
          status: 'SUCCESS',
          reason: null,
        },
      ],
      summary: {
        count: 1,
        rollbackEvents30Days: 0,
        successes: 1,
        finished: 1,
        successRate: 1,
        averageDurationSeconds: 412,
      },
    };
    const text = renderCall(ran('get_deployment_history', output), tools.get('get_deployment_history'));
    expect(text).toContain('PRD Deployment History (dates UTC):');
    expect(text).toMatch(/^1\.3\.0 +checkout +2026-11-20 +6m 52s +Blue\/Green +alice +SUCCESS$/m);
    expect(text).toContain('Success rate: 100% (1/1)');
  });

  it('renders a call that did not run with its cause, code, message and the valid options', () => {
    const refused: CallRecord = {
      tool: 'get_status',
      input: { env: 'qa' },
      decision: 'allow',
      outcome: 'error',
      code: 'NOT_FOUND',
      error: { code: 'NOT_FOUND', message: 'no environment qa', options: ['dev', 'tst', 'prd'] },
    };
    expect(renderCall(refused, tools.get('get_status'))).toBe(
      'get_status failed (NOT_FOUND): no environment qa\nValid options: dev, tst, prd.',
    );
    const frozen: CallRecord = {
      tool: 'deploy_service',
      input: { env: 'prd', version: '1.3.0' },
      decision: 'deny',
      outcome: 'denied',
      code: 'FROZEN',
      error: { code: 'FROZEN', message: 'prd is frozen until Friday.' },
    };
    expect(renderCall(frozen, tools.get('deploy_service'))).toBe(
      'Not allowed (FROZEN): prd is frozen until Friday.',
    );
  });

  it('shows a shape its tool cannot render as JSON, bounded, whatever its size', () => {
    const big = { rows: Array.from({ length: 500 }, (_, i) => ({ i, text: 'x'.repeat(20) })) };
    const text = renderCall(ran('no_such_renderer', big), undefined);
    expect(text.length).toBe(2001);
    expect(text.endsWith('…')).toBe(true);
    expect(text.startsWith('{\n  "rows": [')).toBe(true);
  });
});
