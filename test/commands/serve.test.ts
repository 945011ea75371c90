import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { checkMetrics } from '../helpers/promtool.js';
import { deliver, triggered } from '../helpers/pagerduty-events.js';
import { messageEvent, postSigned } from '../helpers/slack-requests.js';

const SECRET = 'serve-test-secret';

/** Starts `runServe` (what `jarvis serve` runs) in a child process; resolves with its printed URLs. */
function serve(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  /** What it wrote on stderr: its log stream. */
  logs: () => string;
  ready: Promise<string>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', "await (await import('./src/commands/serve.ts')).runServe();"],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; output: ${out}`)), 25_000);
    child.stdout.on('data', () => {
      const m = /Metrics: (http:\/\/[^/\s]+)\/metrics/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  return { child, output: () => out, logs: () => err, ready };
}

describe('jarvis serve (a real process)', () => {
  let slack: FakeSlack;
  let dir: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ channels: { C0JARVISCI: 'jarvis-ci' } });
    dir = mkdtempSync(join(tmpdir(), 'jarvis-serve-'));
  });
  afterAll(async () => {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves Slack events and /metrics (passing promtool check metrics) on one port, and stops cleanly on SIGTERM', async () => {
    // Arrange
    const proc = serve({
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-serve-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      JARVIS_SANDBOX: '1',
    });
    const url = await proc.ready;

    // Act
    const metrics = await fetch(`${url}/metrics`);
    const scrape = await metrics.text();
    const checked = checkMetrics(scrape);
    const event = await postSigned(
      `${url}/slack/events`,
      SECRET,
      messageEvent({ channel: 'C0JARVISCI', user: 'U0SOMEONE', text: 'help', ts: '1900000000.000001' }),
    );
    const reply = await slack.waitFor(
      (c) => c.method === 'chat.postMessage' && c.params.thread_ts === '1900000000.000001',
    );
    proc.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) =>
      proc.child.once('exit', (status) => resolve(status)),
    );

    // Assert
    expect(proc.output()).toContain(
      'jarvis serve on the embedded sandbox: simulated AWS and Kubernetes, not your real environments',
    );
    expect(proc.output()).toContain(`Slack: HTTP, request URL ${url}/slack/events`);
    expect(proc.output()).toContain('Off: PagerDuty webhook');
    expect(metrics.status).toBe(200);
    expect(scrape).toContain('process_resident_memory_bytes');
    expect(scrape).not.toContain('jarvis_process_');
    expect(scrape).toContain(
      'deployment_rollback_total{environment="prd",service="checkout",trigger="automatic"} 0',
    );
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
    expect(event.status).toBe(200);
    expect(reply.token).toBe('xoxb-serve-test');
    expect(code).toBe(0);
  });
  it('mounts the PagerDuty webhook and announces the findings of a page in jarvis-ci', async () => {
    // Arrange
    const proc = serve({
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-serve-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PAGERDUTY_WEBHOOK_SECRETS: 'pd-secret',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      JARVIS_SANDBOX: '1',
    });
    const url = await proc.ready;

    // Act
    const res = await deliver(`${url}/webhooks/pagerduty`, triggered('Q0SERVE1', 'PCHKPRD'), {
      secrets: ['pd-secret'],
    });
    const announcement = await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === undefined &&
        String(c.params.text).includes('Jarvis diagnosis'),
      20_000,
    );
    proc.child.kill('SIGTERM');
    await new Promise((resolve) => proc.child.once('exit', resolve));

    // Assert
    expect(res.status).toBe(202);
    expect(proc.output()).toContain(`PagerDuty webhook: ${url}/webhooks/pagerduty`);
    expect(proc.output()).toContain('Note: PagerDuty incident notes are off');
    expect(announcement.response?.channel).toBe('C0JARVISCI');
    expect(String(announcement.params.text)).toContain('checkout in prd');
  });

  it('writes only JSON lines on its log stream, the AWS SDK’s Node version notice among them', async () => {
    // Arrange: the notice is on (this Node is older than the SDK's next minimum).
    const proc = serve({
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-serve-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      JARVIS_SANDBOX: '1',
    });
    const url = await proc.ready;

    // Act: a request that reads the ALB, so the AWS SDK clients are made.
    await postSigned(
      `${url}/slack/events`,
      SECRET,
      messageEvent({
        channel: 'C0JARVISCI',
        user: 'U0SOMEONE',
        text: 'status of dev',
        ts: '1900000000.000002',
      }),
    );
    await slack.waitFor(
      (c) => c.method === 'chat.postMessage' && c.params.thread_ts === '1900000000.000002',
      20_000,
    );
    proc.child.kill('SIGTERM');
    await new Promise((resolve) => proc.child.once('exit', resolve));

    // Assert
    const lines = proc
      .logs()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return l;
      }
    });
    expect(parsed.filter((l) => typeof l === 'string')).toEqual([]);
    expect(Number(process.versions.node.split('.')[0])).toBeLessThan(22);
    const warnings = parsed.filter(
      (l) => typeof l !== 'string' && l.level === 40 && String(l.msg).includes('NodeVersionSupportWarning'),
    );
    expect(warnings).toHaveLength(1);
  });
});
