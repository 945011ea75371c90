import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JarvisMetrics } from '../src/telemetry.js';
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

  it('reports the status of each service’s latest deployment, read from the store', async () => {
    // Arrange
    const { store, clock } = h.jarvis;
    const d = await store.startDeployment({
      env: 'dev',
      service: 'catalog',
      version: '2.0.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'test',
      startedAt: clock.now(),
    });
    const m = metrics();

    // Act
    const running = await m.registry.metrics();
    await store.finishDeployment(d.id, 'FAILED', 'image missing', clock.now());
    const failed = await m.registry.metrics();

    // Assert
    expect(running).toContain('deployment_status{env="dev",service="catalog",status="RUNNING"} 1');
    expect(failed).toContain('deployment_status{env="dev",service="catalog",status="RUNNING"} 0');
    expect(failed).toContain('deployment_status{env="dev",service="catalog",status="FAILED"} 1');
    expect(failed).not.toContain('service="checkout",status=');
  });

  it.each([
    ['ROLLED_BACK', 'blue-green', 'automatic'],
    ['ABORTED', 'blue-green', 'aborted'],
    ['SUCCESS', 'rollback', 'manual'],
  ] as const)('counts a %s %s as a %s rollback with its duration', async (status, strategy, trigger) => {
    // Arrange
    const m = metrics();

    // Act
    m.observeFinished(
      { env: 'prd', service: 'checkout', finished: { status, durationMs: 90_000 } },
      strategy,
    );
    const text = await m.registry.metrics();

    // Assert
    expect(text).toContain(`deployment_rollback_total{env="prd",service="checkout",trigger="${trigger}"} 1`);
    expect(text).toContain(
      `deployment_duration_seconds_sum{env="prd",service="checkout",status="${status}"} 90`,
    );
  });

  it('does not count a successful release as a rollback', async () => {
    const m = metrics();

    m.observeFinished(
      { env: 'prd', service: 'checkout', finished: { status: 'SUCCESS', durationMs: 1000 } },
      'blue-green',
    );

    expect(await m.registry.metrics()).not.toContain('deployment_rollback_total{');
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
