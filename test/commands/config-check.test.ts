import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

// `jarvis config --check` as a person runs it: the real CLI in a child process calling the fake Slack
// and PagerDuty APIs and a separately started sandbox for ELBv2, EKS and the metrics.

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function jarvis(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: {
        ...process.env,
        HOME: join(dir, 'home'),
        JARVIS_DATA_DIR: join(dir, 'data'),
        JARVIS_CONFIG: '',
        JARVIS_TIME_SCALE: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        SLACK_BOT_TOKEN: '',
        PAGERDUTY_API_TOKEN: '',
        PAGERDUTY_FROM_EMAIL: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('jarvis config --check', () => {
  let dir: string;
  let sandbox: Sandbox;
  let slack: FakeSlack;
  let pd: FakePagerDuty;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-check-'));
    sandbox = await startSandbox({ timeScale: 60 });
    slack = await startFakeSlack();
    pd = await startFakePagerDuty();
    env = {
      ...sandbox.settings(),
      SLACK_BOT_TOKEN: 'xoxb-check-test',
      SLACK_API_URL: slack.url,
      PAGERDUTY_API_TOKEN: pd.token,
      PAGERDUTY_FROM_EMAIL: pd.from,
      PAGERDUTY_API_URL: pd.url,
    };
  });
  afterEach(() => {
    sandbox.world.faults.clear();
  });
  afterAll(async () => {
    await pd.close();
    await slack.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls every dependency once, read-only, and reports each in order', async () => {
    // Arrange
    const writesBefore = sandbox.world.writes;

    // Act
    const run = await jarvis(dir, ['config', '--check'], env);

    // Assert
    const lines = run.stdout.trim().split('\n');
    expect(run.status).toBe(0);
    expect(lines[0]).toMatch(/: valid for the sandbox\. Environments in promotion order: dev/);
    expect(lines.slice(1).map((l) => l.replace(/: .*/, ''))).toEqual([
      '✓ Slack auth.test',
      expect.stringMatching(
        /^✓ ELBv2 DescribeListeners arn:aws:elasticloadbalancing:.*:listener\/app\/shop-dev\/.* \(dev\/checkout\)$/,
      ),
      '✓ Kubernetes Ingress shop/catalog (owned by the AWS Load Balancer Controller) (dev/catalog)',
      expect.stringMatching(/^✓ ELBv2 DescribeRules .*\(tst\/checkout\)$/),
      expect.stringMatching(/^✓ ELBv2 DescribeRules .*\(prd\/checkout\)$/),
      '✓ EKS DescribeCluster jarvis-dev (dev)',
      '✓ EKS DescribeCluster jarvis-tst (tst)',
      '✓ EKS DescribeCluster jarvis-prd (prd)',
      '✓ metrics (sandbox) on dev/checkout',
      '✓ PagerDuty token',
    ]);
    expect(run.stdout).toContain('✓ Slack auth.test: bot jarvis');
    expect(run.stdout).toContain('forward to the configured target groups: blue 100%, green 0%');
    expect(run.stdout).toContain(`✓ PagerDuty token: token accepted; notes will be written as ${pd.from}`);
    expect(slack.callsOf('auth.test')).toHaveLength(1);
    expect(pd.notes).toHaveLength(0);
    expect(sandbox.world.writes).toBe(writesBefore);
  });

  it('names each dependency that failed, says why, and exits 1', async () => {
    // Arrange: EKS down, a PagerDuty user that does not exist, Slack refusing the token.
    sandbox.world.faults.set('eks', { down: true });
    slack.fail('auth.test', 'invalid_auth');

    // Act
    const run = await jarvis(dir, ['config', '--check'], {
      ...env,
      PAGERDUTY_FROM_EMAIL: 'nobody@example.com',
    });

    // Assert
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^✗ Slack auth\.test: .*invalid_auth/m);
    expect(run.stdout).toMatch(
      /^✗ EKS DescribeCluster jarvis-prd \(prd\): UNAVAILABLE: EKS DescribeCluster .* could not be reached/m,
    );
    expect(run.stdout).toMatch(/^✓ ELBv2 DescribeRules .*\(prd\/checkout\)/m);
    expect(run.stdout).toMatch(
      /^✗ PagerDuty token: NOT_FOUND: The token was accepted, but no PagerDuty user has the email nobody@example\.com/m,
    );
    expect(run.stderr).toContain('5 of 10 checks failed.');
  });

  it('marks what is not configured as not checked, and passes', async () => {
    const run = await jarvis(dir, ['config', '--check'], {
      ...env,
      SLACK_BOT_TOKEN: '',
      PAGERDUTY_API_TOKEN: '',
      PAGERDUTY_FROM_EMAIL: '',
    });

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('– Slack auth.test: SLACK_BOT_TOKEN is unset');
    expect(run.stdout).toMatch(/^– PagerDuty token: PagerDuty incident notes are off/m);
  });
});
