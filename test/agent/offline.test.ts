import { describe, expect, it } from 'vitest';
import { OfflinePlanner } from '../../src/agent/offline.js';
import type { Message } from '../../src/agent/types.js';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { RELEASE_TOOLS, toolRegistry } from '../../src/tools/index.js';

const config = loadConfig(SANDBOX_CONFIG_PATH);
const tools = toolRegistry();
const planner = new OfflinePlanner({ config, tools });

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

describe('offline planner: the commands people type', () => {
  it.each([
    ['deploy 1.3.0 to prd using blue-green', 'deploy_service', { env: 'prd', version: '1.3.0' }],
    ['Deploy 1.3.0 to production', 'deploy_service', { env: 'prd', version: '1.3.0' }],
    [
      'deploy checkout v1.3.0-errors to dev',
      'deploy_service',
      { env: 'dev', version: 'v1.3.0-errors', service: 'checkout' },
    ],
    ['<@U0JARVIS> deploy 1.3.0 to tst please', 'deploy_service', { env: 'tst', version: '1.3.0' }],
    ['rollback prd to previous version', 'rollback_service', { env: 'prd' }],
    ['roll back prd', 'rollback_service', { env: 'prd' }],
    ['rollback prd to 1.2.0', 'rollback_service', { env: 'prd', version: '1.2.0' }],
    ['rollback catalog in tst', 'rollback_service', { env: 'tst', service: 'catalog' }],
    [
      'rollback prd because Checkout errors spiked.',
      'rollback_service',
      { env: 'prd', reason: 'Checkout errors spiked' },
    ],
    [
      'rollback prd to 1.2.0 because p99',
      'rollback_service',
      { env: 'prd', version: '1.2.0', reason: 'p99' },
    ],
    ['promote 1.3.0 from tst to prd', 'promote_version', { version: '1.3.0', from: 'tst', to: 'prd' }],
    ['promote 1.3.0 to prd', 'promote_version', { version: '1.3.0', from: 'tst', to: 'prd' }],
    ['show deployment metrics for last 7 days', 'get_deployment_metrics', { days: 7 }],
    ['metrics for prd over the last 2 weeks', 'get_deployment_metrics', { days: 14, env: 'prd' }],
    ['show deployment history for prd', 'get_deployment_history', { env: 'prd' }],
    ['history of catalog in dev', 'get_deployment_history', { env: 'dev', service: 'catalog' }],
    ['status of prd', 'get_status', { env: 'prd' }],
    ["what's running in production?", 'get_status', { env: 'prd' }],
    ['diagnose prd', 'diagnose_service', { env: 'prd' }],
    ['diagnose checkout in prd', 'diagnose_service', { env: 'prd', service: 'checkout' }],
  ])('"%s" → %s %o', (text, name, input) => {
    expect(planner.parse(text)).toEqual({ call: { name, input } });
  });

  it.each([
    ['deploy 1.3.0 to qa', /no environment "qa".*dev, tst, prd/],
    ['deploy billing 1.3.0 to dev', /no service "billing".*checkout, catalog/],
    ['deploy to prd', /deploy <version> to <env>/],
    ['rollback', /rollback <env>/],
    ['status', /Which environment\? One of dev, tst, prd/],
    ['promote 1.3.0 to dev', /dev is the first environment/],
    ['make me a sandwich', /did not understand "make me a sandwich"[\s\S]*deploy 1\.3\.0 to dev/],
  ])('answers "%s" with text, never a guessed call', (text, expected) => {
    const parsed = planner.parse(text);
    expect(parsed).not.toHaveProperty('call');
    expect(parsed).toHaveProperty('text');
    expect((parsed as { text: string }).text).toMatch(expected);
  });

  it.each([
    ['abort dev', 'abort_rollout', { env: 'dev' }],
    ['abort checkout in prd', 'abort_rollout', { env: 'prd', service: 'checkout' }],
    ['abort the rollout in prd', 'abort_rollout', { env: 'prd' }],
    ['stop the rollout in dev', 'abort_rollout', { env: 'dev' }],
    ['stop the deploy in tst', 'abort_rollout', { env: 'tst' }],
    ['cancel the deploy in prd', 'abort_rollout', { env: 'prd' }],
    ['cancel the deployment of checkout in prd', 'abort_rollout', { env: 'prd', service: 'checkout' }],
    ['<@U0JARVIS> Abort production!', 'abort_rollout', { env: 'prd' }],
    ['abort prd because p99 is spiking', 'abort_rollout', { env: 'prd', reason: 'p99 is spiking' }],
    [
      'abort catalog in tst - Error rate 5%',
      'abort_rollout',
      { env: 'tst', service: 'catalog', reason: 'Error rate 5%' },
    ],
    [
      '<@U0JARVIS>: stop prd: customers see 502s.',
      'abort_rollout',
      { env: 'prd', reason: 'customers see 502s' },
    ],
    ['abort prd because', 'abort_rollout', { env: 'prd' }],
    ['pause dev', 'pause_rollout', { env: 'dev' }],
    ['pause the rollout in prd', 'pause_rollout', { env: 'prd' }],
    [
      'pause prd because we want to look at the logs',
      'pause_rollout',
      { env: 'prd', reason: 'we want to look at the logs' },
    ],
    ['resume dev', 'resume_rollout', { env: 'dev' }],
    ['resume the rollout of checkout in prd', 'resume_rollout', { env: 'prd', service: 'checkout' }],
  ])('"%s" → %s %o', (text, name, input) => {
    expect(planner.parse(text)).toEqual({ call: { name, input } });
  });

  it.each([
    [
      'abort',
      /^Which rollout\? Say "abort <env> \[service\]", e\.g\. "abort prd"\. Environments: dev, tst, prd\.$/,
    ],
    ['stop', /^Which rollout\? Say "stop <env> \[service\]"/],
    ['cancel the deploy', /^Which rollout\? Say "cancel <env> \[service\]"/],
    ['pause', /^Which rollout\?.*Environments: dev, tst, prd/],
    ['resume the rollout', /^Which rollout\?.*Environments: dev, tst, prd/],
    ['abort checkout', /^Which rollout\?/],
    ['abort because it is broken', /^Which rollout\?/],
    ['abort qa', /^There is no environment "qa"\. Environments: dev, tst, prd\.$/],
    ['stop the deploy in staging2', /no environment "staging2"/],
    ['abort billing in prd', /^There is no service "billing"\. Services: checkout, catalog/],
    ['resume the rollout of billing in dev', /no service "billing"/],
    ['abort dev and prd', /One rollout at a time/],
    ['abort prd 1.3.0', /acts on the rollout running in prd, whatever its version/],
  ])('answers "%s" with text, never a guessed control call', (text, expected) => {
    const parsed = planner.parse(text);
    expect(parsed).not.toHaveProperty('call');
    expect((parsed as { text: string }).text).toMatch(expected);
  });

  it('lists what it understands on "help"', () => {
    const parsed = planner.parse('help') as { text: string };
    for (const example of [
      'deploy 1.3.0 to dev',
      'promote 1.3.0 from tst to prd',
      'rollback prd',
      'diagnose prd',
      'abort prd because p99 is spiking',
      'pause prd / resume prd',
    ]) {
      expect(parsed.text).toContain(example);
    }
  });

  it('plans one tool call with a fresh id, then ends the turn once the result is back', async () => {
    const first = await planner.plan({ messages: [user('show deployment history for prd')], tools: [] });
    expect(first.stop).toBe('tool_use');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call).toMatchObject({ name: 'get_deployment_history', input: { env: 'prd' } });

    // What the tool returned does not matter here: the loop renders it (test/agent/render-call.test.ts).
    const result = { env: 'prd', deployments: [] };
    const second = await planner.plan({
      messages: [
        user('show deployment history for prd'),
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: call.id, name: call.name, input: call.input }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: call.id,
              content: `<tool_output tool="get_deployment_history">\n${JSON.stringify(result)}\n</tool_output>`,
            },
          ],
        },
      ],
      tools: [],
    });
    expect(second.toolCalls).toEqual([]);
    expect(second.stop).toBe('end_turn');
    // The loop shows the result from the tool's own data (test/agent/render-call.test.ts): nothing to add.
    expect(second.text).toBe('');
  });

  it('says so when the command needs a tool that is not registered here', async () => {
    const without = new OfflinePlanner({
      config,
      tools: toolRegistry(RELEASE_TOOLS.filter((t) => t.name !== 'get_status')),
    });
    const turn = await without.plan({ messages: [user('status of prd')], tools: [] });
    expect(turn.toolCalls).toEqual([]);
    expect(turn.text).toContain('the get_status tool is not available here');
  });
});
