import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJarvis } from '../helpers/cli.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';

/**
 * The exit statuses of `jarvis ask`, as a CI script reads them: 0 done; 1 refused, declined, failed or
 * not understood; 2 bad configuration or usage. Each row runs the real CLI in a child process on the
 * embedded sandbox.
 */
describe('jarvis ask: exit statuses', () => {
  let dir: string;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-ask-status-'));
    writeFileSync(join(dir, 'bad.yaml'), 'environments: 5\norder: [dev]\n');
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Row {
    what: string;
    args: string[];
    stdin?: string;
    env?: () => NodeJS.ProcessEnv;
    status: 0 | 1 | 2;
    /** What the person sees (stdout and stderr together). */
    shows: RegExp;
    /** A confirmation was asked: only for requests that were understood and allowed. */
    asked?: boolean;
  }

  it.each<Row>([
    { what: 'a read', args: ['status of dev'], status: 0, shows: /Status of dev:/ },
    { what: 'help', args: ['help'], status: 0, shows: /I run blue\/green releases on dev, tst, prd/ },
    {
      what: 'a confirmed deploy',
      args: ['deploy 1.3.0 to dev'],
      stdin: 'yes\n',
      status: 0,
      shows: /Deployment of checkout 1\.3\.0 to dev succeeded/,
      asked: true,
    },
    {
      what: 'an unknown environment qa',
      args: ['deploy 1.3.0 to qa'],
      status: 1,
      shows: /There is no environment "qa"\. Environments: dev, tst, prd\./,
    },
    {
      what: 'an unknown environment prd2',
      args: ['deploy 1.3.0 to prd2'],
      status: 1,
      shows: /There is no environment "prd2"\. .*Did you mean `deploy 1\.3\.0 to prd`\?/,
    },
    {
      what: 'a promote to qa',
      args: ['promote 1.3.0 to qa'],
      status: 1,
      shows: /There is no environment "qa"/,
    },
    {
      what: 'an unknown service',
      args: ['rollback payments in dev'],
      stdin: 'yes\n',
      status: 1,
      shows: /There is no service "payments"\. Services: checkout, catalog\./,
    },
    { what: 'a near miss', args: ['staus of dev'], status: 1, shows: /^Did you mean `status of dev`\?$/m },
    {
      what: 'a refused version',
      args: ['deploy 1.9.9; rm -rf / to dev'],
      stdin: 'yes\n',
      status: 1,
      shows: /"1\.9\.9;" is not a valid version/,
    },
    {
      what: 'a request not understood',
      args: ['make me a sandwich'],
      status: 1,
      shows: /I did not understand "make me a sandwich"/,
    },
    {
      what: 'a declined write',
      args: ['deploy 1.3.0 to dev'],
      stdin: 'no\n',
      status: 1,
      shows: /Not confirmed; nothing was changed\./,
      asked: true,
    },
    {
      what: 'a failed rollout',
      args: ['deploy 1.3.1-errors to dev'],
      stdin: 'yes\n',
      status: 1,
      shows: /Deployment of checkout 1\.3\.1-errors to dev (?:failed|was rolled back)/,
      asked: true,
    },
    {
      what: 'a refusal by the policy (promotion order)',
      args: ['deploy 1.3.0 to prd'],
      stdin: 'yes\n',
      status: 1,
      shows: /\(DENIED\): The policy refused this call: checkout 1\.3\.0 has not succeeded in tst/,
    },
    {
      what: 'a rejected Anthropic key',
      args: ['status of dev'],
      env: () => {
        fake.push({ error: 'auth' });
        return { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url };
      },
      status: 1,
      shows:
        /ANTHROPIC_API_KEY was rejected \(HTTP 401 authentication_error: invalid x-api-key\)\. Set a valid key, or unset it to use the offline planner\./,
    },
    {
      what: 'a request the Anthropic API refuses (an unknown model)',
      args: ['status of dev'],
      env: () => {
        fake.push({ error: 'not_found' });
        return {
          ANTHROPIC_API_KEY: 'test-key',
          ANTHROPIC_BASE_URL: fake.url,
          ANTHROPIC_MODEL: 'claude-nope',
        };
      },
      status: 1,
      shows:
        /The Anthropic API refused the request \(HTTP 404 not_found_error: model: claude-nope\)\. Check ANTHROPIC_MODEL \(now claude-nope\)/,
    },
    {
      what: 'an overloaded Anthropic API (the offline planner answers)',
      args: ['status of dev'],
      env: () => {
        // The client tries three times (maxRetries 2) before the loop falls back.
        fake.push({ error: 'overloaded' }, { error: 'overloaded' }, { error: 'overloaded' });
        return { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url };
      },
      status: 0,
      shows:
        /\(The language model is unavailable: .*overloaded.*Answering with the offline planner\.\)\n\nStatus of dev:/s,
    },
    {
      what: 'a bad configuration file',
      args: ['status of dev'],
      env: () => ({ JARVIS_CONFIG: join(dir, 'bad.yaml') }),
      status: 2,
      shows: /Invalid configuration in .*bad\.yaml/,
    },
    {
      what: 'an unknown flag',
      args: ['--frobnicate', 'status of dev'],
      status: 2,
      shows: /error: unknown option '--frobnicate'/,
    },
  ])('$what: exit $status', async ({ args, stdin, env, status, shows, asked = false }) => {
    // Act
    const run = await runJarvis(dir, ['ask', '--user', 'ci', '--sandbox', ...args], {
      ...(stdin ? { stdin } : {}),
      env: env?.() ?? {},
    });

    // Assert
    const seen = `${run.stdout}\n${run.stderr}`;
    expect(seen).toMatch(shows);
    expect(run.stdout.includes('About to:')).toBe(asked);
    expect(run.status).toBe(status);
  });

  it('exits 2 when the request is missing', async () => {
    const run = await runJarvis(dir, ['ask']);
    expect(run.stderr).toMatch(/missing required argument 'request'/);
    expect(run.status).toBe(2);
  });
});
