import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJarvis, type Jarvis } from '../../src/app.js';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { loadEnvSettings } from '../../src/config/env.js';
import type { RolloutEvent } from '../../src/rollout/events.js';

// A whole rollout whose analysis reads CloudWatch (the sandbox's GetMetricData) instead of the sandbox's
// own figures, with CloudWatch publishing 8 s late and Jarvis expecting 10 s.

describe('a rollout analysed from CloudWatch', () => {
  let dir: string;
  let jarvis: Jarvis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-cloudwatch-'));
    const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
    config.metrics = {
      provider: 'cloudwatch',
      cloudwatch: { periodSeconds: 5, publicationDelaySeconds: 10 },
    };
    const path = join(dir, 'jarvis.config.yaml');
    writeFileSync(path, stringify(config));
    jarvis = await startJarvis({
      env: loadEnvSettings({ JARVIS_DATA_DIR: dir, LOG_LEVEL: 'silent', JARVIS_CONFIG: path }),
      sandbox: true,
      timeScale: 200,
      storePath: join(dir, 'jarvis.db'),
    });
    jarvis.sandbox!.world.cloudwatch.publicationLagSeconds = 8;
  });
  afterAll(async () => {
    await jarvis.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deploy = async (version: string) => {
    const events: RolloutEvent[] = [];
    const result = await jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version,
      actor: 'alice',
      onEvent: (e) => events.push(e),
    });
    return { result, analyses: events.flatMap((e) => (e.kind === 'analysis' ? [e] : [])) };
  };

  it('takes a good version to 100 % on windows CloudWatch published', async () => {
    const { result, analyses } = await deploy('1.3.0');

    expect(jarvis.platform.metrics.name).toBe('cloudwatch');
    expect(result.deployment.status).toBe('SUCCESS');
    expect(analyses.length).toBeGreaterThanOrEqual(5);
    expect(analyses.every((a) => a.verdict.outcome === 'pass')).toBe(true);
    expect(analyses.every((a) => a.verdict.newColour.requests > 0)).toBe(true);
  });

  it('rolls back a version whose 5xx CloudWatch reports', async () => {
    const { result, analyses } = await deploy('1.4.0-errors');

    expect(result.deployment.status).toBe('ROLLED_BACK');
    expect(result.deployment.reason).toMatch(
      /^analysis failed at 10%: error rate \d+\.\d+% over the 1\.00% threshold$/,
    );
    expect(analyses.at(-1)?.verdict.outcome).toBe('fail');
  });

  it('gives no verdict, and never passes, while CloudWatch lags behind what Jarvis expects', async () => {
    jarvis.sandbox!.world.cloudwatch.publicationLagSeconds = 600;

    const { result, analyses } = await deploy('1.5.0');

    expect(result.deployment.status).toBe('ROLLED_BACK');
    expect(result.deployment.reason).toMatch(
      /^no verdict at 10% after \d+ windows: metrics unavailable: No verdict yet: CloudWatch has not published/,
    );
    expect(analyses.some((a) => a.verdict.outcome === 'pass')).toBe(false);
  });
});
