import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { runJarvis, type CliOptions, type CliRun } from '../helpers/cli.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';

/** `jarvis ask` as a script runs it; see {@link runJarvis}. */
function ask(dir: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return jarvis(dir, ['ask', '--user', 'ci', ...args], options);
}

const jarvis = runJarvis;

describe('jarvis ask', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-ask-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers one request on the sandbox with --sandbox, its first line saying so, and exits 0', async () => {
    const run = await ask(dir, ['--sandbox', 'status of dev']);
    expect(run.stdout.split('\n')[0]).toBe(
      '[sandbox] simulated AWS and Kubernetes — not your real environments',
    );
    expect(run.stdout).toContain('Status of dev:');
    expect(run.stdout).toContain('checkout: Blue 100% | Green 0%');
    expect(run.status).toBe(0);
  });

  // The first-byte bound counts from the request, the SDK's loading included (under tsx, most of a
  // second): the cut stream's bound leaves it time to reach the API, and is never waited for.
  it.each([
    [
      'a stream cut mid-answer',
      { error: 'cut' },
      '10000',
      'Checking\n\n(The language model is unavailable: ',
    ],
    ['an API that never answers', { error: 'hang' }, '500', '(The language model is unavailable: '],
  ] as const)(
    'after %s, prints the offline planner’s answer and exits 0',
    async (_what, failure, bound, start) => {
      // Arrange
      const fake = await startFakeAnthropic([failure]);
      try {
        // Act
        const run = await ask(dir, ['--sandbox', 'status of dev'], {
          env: {
            ANTHROPIC_API_KEY: 'test-key',
            ANTHROPIC_BASE_URL: fake.url,
            ANTHROPIC_FIRST_BYTE_TIMEOUT_MS: bound,
          },
        });

        // Assert
        const answer = run.stdout.split('\n').slice(1).join('\n');
        expect(answer.startsWith(start)).toBe(true);
        expect(answer).toMatch(/Answering with the offline planner\.\)\n\nStatus of dev:/);
        expect(answer).toContain('checkout: Blue 100% | Green 0%');
        expect(run.status).toBe(0);
      } finally {
        await fake.close();
      }
    },
  );

  it('keeps library warnings out of the conversation: a deprecated model is noted in the log file', async () => {
    // Arrange
    const fake = await startFakeAnthropic([{ content: [{ type: 'text', text: 'Dev is fine.' }] }]);
    try {
      // Act
      const run = await ask(dir, ['--sandbox', 'status of dev'], {
        env: {
          ANTHROPIC_API_KEY: 'test-key',
          ANTHROPIC_BASE_URL: fake.url,
          ANTHROPIC_MODEL: 'claude-sonnet-4-5',
        },
      });

      // Assert
      expect(run.stdout).toContain('Dev is fine.');
      expect(run.stdout + run.stderr).not.toContain('deprecated');
      const log = readFileSync(join(dir, 'data', 'jarvis.log'), 'utf8');
      const warned = log
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.level === 40 && l.msg.includes("The model 'claude-sonnet-4-5' is deprecated"));
      expect(warned).toHaveLength(1);
      expect(run.status).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('runs on the sandbox with JARVIS_SANDBOX=1 and says so first', async () => {
    const run = await ask(dir, ['status of dev'], { env: { JARVIS_SANDBOX: '1' } });
    expect(run.stdout.split('\n')[0]).toMatch(/^\[sandbox\] /);
    expect(run.status).toBe(0);
  });

  it('refuses to run on the simulator unasked: a configuration here and no credentials exit 2', async () => {
    // Arrange: a jarvis.config.yaml in the working directory, no --sandbox, no AWS credentials.
    const cwd = join(dir, 'work');
    mkdirSync(cwd);
    copyFileSync(SANDBOX_CONFIG_PATH, join(cwd, 'jarvis.config.yaml'));

    // Act
    const run = await ask(dir, ['status of prd'], { cwd });

    // Assert
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('AWS credentials: none found');
    expect(run.stderr).toContain('AWS_ACCESS_KEY_ID');
    expect(run.stderr).toContain('metrics.provider: "sandbox"');
    expect(run.stderr).toContain('--sandbox');
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'data', 'jarvis.db'))).toBe(false);
  });

  it('exits 2 naming JARVIS_CONFIG and --sandbox when there is no configuration at all', async () => {
    const cwd = join(dir, 'empty');
    mkdirSync(cwd);

    const run = await ask(dir, ['status of prd'], { cwd });

    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /No configuration: JARVIS_CONFIG is unset and .*jarvis\.config\.yaml does not exist/,
    );
    expect(run.stderr).toContain('--sandbox');
    expect(run.stdout).toBe('');
  });

  it('opens the REPL on the sandbox with a banner saying it is simulated', async () => {
    const run = await jarvis(dir, ['chat', '--sandbox', '--user', 'ci'], { stdin: 'exit\n' });

    expect(run.stdout.split('\n')[0]).toMatch(
      /^Jarvis on the embedded sandbox: simulated AWS and Kubernetes, not your real environments \(simulated time x1000\)/,
    );
    expect(run.stdout).not.toContain('no AWS settings given');
    expect(run.status).toBe(0);
  });

  it('exits 1 when a write is not confirmed, having changed nothing', async () => {
    const run = await ask(dir, ['--sandbox', 'deploy 1.3.0 to dev'], { stdin: 'no\n' });
    expect(run.stdout).toContain('About to: deploy checkout 1.3.0 to dev');
    expect(run.stdout).toContain('Not confirmed; nothing was changed.');
    expect(run.status).toBe(1);
  });

  it('refuses a rollback with no known-good version before asking anything, and exits 1', async () => {
    const run = await ask(dir, ['--sandbox', 'rollback dev'], { stdin: 'yes\n' });
    expect(run.stdout).not.toContain('About to:');
    expect(run.stdout).toMatch(
      /rollback_service failed \(CONFLICT\): No known-good version of checkout in dev to roll back to: the standby green runs 1\.1\.0, which Jarvis never verified/,
    );
    expect(run.status).toBe(1);
  });

  it('runs a confirmed write read from piped input and exits 0', async () => {
    const run = await ask(dir, ['--sandbox', 'deploy 1.3.0 to dev'], { stdin: 'yes\n' });
    expect(run.stdout).toContain('Deployment of checkout 1.3.0 to dev succeeded');
    expect(run.status).toBe(0);
  });

  it.each([
    ['turns the sandbox on from .env', undefined, 0, /^\[sandbox\] /],
    ['lets the environment win over .env', '0', 2, /^$/],
  ])('%s', async (_what, inEnvironment, status, firstLine) => {
    // Arrange: a working directory with a .env and no configuration.
    const cwd = join(dir, 'dotenv');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.env'), '# settings\nJARVIS_SANDBOX=1\n');

    // Act
    const run = await ask(dir, ['status of dev'], { cwd, env: { JARVIS_SANDBOX: inEnvironment } });

    // Assert
    expect(run.stdout.split('\n')[0]).toMatch(firstLine);
    expect(run.status).toBe(status);
  });
});

describe('jarvis --version', () => {
  it('prints the version of the package and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-version-'));
    try {
      const run = await jarvis(dir, ['--version']);
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

      expect(run.stdout).toBe(`${pkg.version}\n`);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
