import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agent/factory.js';
import { loadEnvSettings } from '../src/config/env.js';
import { ConfigError } from '../src/errors.js';
import { slackCredentials, startService } from '../src/service.js';
import { startHarness, type Harness } from './helpers/jarvis.js';

describe('startService', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs /metrics and /healthz without Slack when Slack is optional, and says what is off', async () => {
    // Arrange
    const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir });
    const { agent } = createAgent(h.jarvis, { env, sandbox: true });

    // Act
    const service = await startService({
      jarvis: h.jarvis,
      agent,
      env,
      port: 0,
      host: '127.0.0.1',
      slack: 'optional',
      metrics: true,
    });
    try {
      const [health, metrics, unknown, wrongMethod] = await Promise.all([
        fetch(`${service.url}/healthz`),
        fetch(`${service.url}/metrics`),
        fetch(`${service.url}/nope`),
        fetch(`${service.url}/metrics`, { method: 'POST' }),
      ]);

      // Assert
      expect(service.slack).toBeUndefined();
      expect(service.disabled.join('\n')).toContain('Slack: SLACK_BOT_TOKEN is unset');
      expect(health.status).toBe(200);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE deployment_rollback_total counter');
      expect(unknown.status).toBe(404);
      expect(wrongMethod.status).toBe(405);
    } finally {
      await service.close();
    }
  });

  it('refuses to start without Slack settings when Slack is required', async () => {
    const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir });
    const { agent } = createAgent(h.jarvis, { env, sandbox: true });

    const start = startService({ jarvis: h.jarvis, agent, env, port: 0, slack: 'required', metrics: false });

    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/SLACK_BOT_TOKEN/);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /SLACK_SIGNING_SECRET: unset/],
    [{ SLACK_SIGNING_SECRET: 's' }, /SLACK_BOT_TOKEN: unset/],
  ])('reports a half-configured Slack (%j) with the fix', (vars, problem) => {
    expect(() => slackCredentials(loadEnvSettings(vars))).toThrow(problem);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, undefined],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, 'xapp-1'],
  ])('takes HTTP or Socket Mode settings (%j)', (vars, appToken) => {
    expect(slackCredentials(loadEnvSettings(vars))).toMatchObject({ botToken: 'xoxb-1', appToken });
  });
});
