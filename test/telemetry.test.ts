import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JarvisMetrics } from '../src/telemetry.js';
import { checkMetrics } from './helpers/promtool.js';
import { startHarness, type Harness } from './helpers/jarvis.js';

describe('JarvisMetrics', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const metrics = () =>
    new JarvisMetrics({ config: h.jarvis.config, store: h.jarvis.store, processMetrics: false });

  it.each([
    ['RUNNING', 'blue-green', ['running']],
    ['SUCCESS', 'blue-green', ['succeeded']],
    ['FAILED', 'blue-green', ['failed']],
    ['ROLLED_BACK', 'blue-green', ['failed', 'rolled_back']],
    ['ABORTED', 'blue-green', ['aborted']],
    ['SUCCESS', 'rollback', ['succeeded']],
  ] as const)(
    'shows the latest %s %s deployment as status %j, read from the store',
    async (status, strategy, on) => {
      // Arrange
      const { store, clock } = h.jarvis;
      const d = await store.startDeployment({
        env: 'dev',
        service: 'catalog',
        version: '2.0.0',
        colour: 'green',
        strategy,
        actor: 'test',
        startedAt: clock.now(),
      });
      if (status !== 'RUNNING') await store.finishDeployment(d.id, status, 'test', clock.now());
      const m = metrics();

      // Act
      const text = await m.registry.metrics();
      if (status === 'RUNNING') await store.finishDeployment(d.id, 'ABORTED', 'test done', clock.now());

      // Assert
      for (const label of ['running', 'succeeded', 'failed', 'rolled_back', 'aborted']) {
        const value = (on as readonly string[]).includes(label) ? 1 : 0;
        expect(text).toContain(
          `deployment_status{environment="dev",service="catalog",status="${label}"} ${value}`,
        );
      }
      expect(text).not.toContain('service="checkout",status=');
    },
  );

  it('starts every counter at 0 for each configured environment, service and trigger', async () => {
    const text = await metrics().registry.metrics();

    for (const [env, e] of Object.entries(h.jarvis.config.environments)) {
      for (const service of Object.keys(e.services)) {
        const where = `environment="${env}",service="${service}"`;
        for (const trigger of ['automatic', 'aborted', 'manual']) {
          expect(text).toContain(`deployment_rollback_total{${where},trigger="${trigger}"} 0`);
        }
        expect(text).toContain(`deployment_aborted_by_analysis_total{${where}} 0`);
        expect(text).toContain(`deployment_drift_total{${where}} 0`);
      }
    }
    expect(text).not.toMatch(/\benv="/);
  });

  it.each([
    ['ROLLED_BACK', 'blue-green', 'automatic', 'rolled_back'],
    ['ABORTED', 'blue-green', 'aborted', 'aborted'],
    ['SUCCESS', 'rollback', 'manual', 'succeeded'],
  ] as const)(
    'counts a %s %s as a %s rollback with its duration',
    async (status, strategy, trigger, label) => {
      // Arrange
      const m = metrics();

      // Act
      m.observeFinished(
        { env: 'prd', service: 'checkout', finished: { status, durationMs: 90_000 } },
        strategy,
      );
      const text = await m.registry.metrics();

      // Assert
      expect(text).toContain(
        `deployment_rollback_total{environment="prd",service="checkout",trigger="${trigger}"} 1`,
      );
      expect(text).toContain(
        `deployment_duration_seconds_sum{environment="prd",service="checkout",status="${label}"} 90`,
      );
      expect(text).toContain(
        `deployment_aborted_by_analysis_total{environment="prd",service="checkout"} ${status === 'ROLLED_BACK' ? 1 : 0}`,
      );
    },
  );

  it('does not count a successful release as a rollback', async () => {
    const m = metrics();

    m.observeFinished(
      { env: 'prd', service: 'checkout', finished: { status: 'SUCCESS', durationMs: 1000 } },
      'blue-green',
    );

    expect(await m.registry.metrics()).not.toMatch(/deployment_rollback_total\{.*\} [1-9]/);
  });

  it('exports Node’s default metrics under their standard names, and the whole scrape passes promtool check metrics', async () => {
    // Arrange
    const m = new JarvisMetrics({ config: h.jarvis.config, store: h.jarvis.store });
    m.observeFinished(
      { env: 'prd', service: 'checkout', finished: { status: 'ROLLED_BACK', durationMs: 5000 } },
      'blue-green',
    );

    // Act
    const text = await m.registry.metrics();
    const checked = checkMetrics(text);

    // Assert
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toContain('jarvis_process_');
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
  });

  it('counts tool calls by outcome and tokens by kind', async () => {
    // Arrange
    const m = metrics();

    // Act
    m.observeTurn({
      text: '',
      planner: 'anthropic',
      calls: [
        { tool: 'get_status', input: {}, decision: 'allow', outcome: 'ok' },
        { tool: 'deploy_service', input: {}, decision: 'ask', outcome: 'declined' },
      ],
      usage: [
        { inputTokens: 1200, cachedTokens: 1000, outputTokens: 80 },
        { inputTokens: 300, cachedTokens: 0, outputTokens: 20 },
      ],
    });
    const text = await m.registry.metrics();

    // Assert
    expect(text).toContain('jarvis_tool_calls_total{tool="get_status",outcome="ok"} 1');
    expect(text).toContain('jarvis_tool_calls_total{tool="deploy_service",outcome="declined"} 1');
    expect(text).toContain('jarvis_llm_tokens_total{planner="anthropic",kind="input"} 1500');
    expect(text).toContain('jarvis_llm_tokens_total{planner="anthropic",kind="cached"} 1000');
    expect(text).toContain('jarvis_llm_tokens_total{planner="anthropic",kind="output"} 100');
  });
});
