import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** `jarvis ask` as a script runs it: the bin in a child process, standard input piped (no terminal). */
function ask(dir: string, request: string, stdin = ''): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/jarvis.js', 'ask', '--user', 'ci', request], {
      env: {
        ...process.env,
        JARVIS_DATA_DIR: dir,
        JARVIS_CONFIG: '',
        JARVIS_TIME_SCALE: '1000',
        AWS_PROFILE: '',
        AWS_ACCESS_KEY_ID: '',
        ANTHROPIC_API_KEY: '',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
    child.stdin.end(stdin);
  });
}

describe('jarvis ask', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-ask-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers one request on the sandbox and exits 0', async () => {
    const run = await ask(dir, 'status of dev');
    expect(run.stdout).toContain('Status of dev:');
    expect(run.stdout).toContain('checkout: Blue 100% | Green 0%');
    expect(run.status).toBe(0);
  });

  it('exits 1 when a write is not confirmed, having changed nothing', async () => {
    const run = await ask(dir, 'rollback dev', 'no\n');
    expect(run.stdout).toContain('About to: roll back checkout in dev');
    expect(run.stdout).toContain('Not confirmed; nothing was changed.');
    expect(run.status).toBe(1);
  });

  it('runs a confirmed write read from piped input and exits 0', async () => {
    const run = await ask(dir, 'deploy 1.3.0 to dev', 'yes\n');
    expect(run.stdout).toContain('Deployment of checkout 1.3.0 to dev succeeded');
    expect(run.status).toBe(0);
  });
});
