import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubEvidence } from '../../src/evidence/github.js';

const TAG_SHA = 'a'.repeat(40);
const COMMIT = 'c'.repeat(40);

/** A fake GitHub REST API (a process boundary): an annotated tag, a pending check and a failed status. */
function fakeGitHub(): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const routes: Record<string, unknown> = {
    '/repos/shop/checkout/git/ref/tags/v2.0.0': {
      ref: 'refs/tags/v2.0.0',
      object: { sha: TAG_SHA, type: 'tag' },
    },
    [`/repos/shop/checkout/git/tags/${TAG_SHA}`]: {
      sha: TAG_SHA,
      tag: 'v2.0.0',
      object: { sha: COMMIT, type: 'commit' },
    },
    [`/repos/shop/checkout/commits/${COMMIT}`]: {
      sha: COMMIT,
      commit: { committer: { date: '2025-01-03T08:00:00Z' }, author: { date: '2025-01-03T07:00:00Z' } },
    },
    [`/repos/shop/checkout/commits/${COMMIT}/check-runs`]: {
      total_count: 2,
      check_runs: [
        {
          name: 'Integration tests',
          status: 'completed',
          conclusion: 'success',
          output: { title: '156/156 passed' },
        },
        { name: 'E2E tests', status: 'in_progress', conclusion: null, output: { title: null } },
      ],
    },
    [`/repos/shop/checkout/commits/${COMMIT}/status`]: {
      state: 'failure',
      statuses: [{ context: 'security/snyk', state: 'failure', description: '2 new issues' }],
    },
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    paths.push(path);
    const body = routes[path];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { message: 'Not Found' }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server }),
    ),
  );
}

describe('CI evidence against a fake GitHub', () => {
  let fake: Awaited<ReturnType<typeof fakeGitHub>>;
  let ci: GitHubEvidence;

  beforeAll(async () => {
    fake = await fakeGitHub();
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    ci = new GitHubEvidence(() => Promise.resolve(new Octokit({ baseUrl: fake.url, log: quiet })), 5000);
  });
  afterAll(() => {
    fake.server.close();
  });

  it('follows an annotated tag to its commit; a pending check and a failed status are not passes', async () => {
    // Act
    const report = await ci.collect(
      { owner: 'shop', repo: 'checkout', tagPrefix: 'v', requiredChecks: ['Integration tests'] },
      '2.0.0',
    );

    // Assert
    expect(fake.paths).toContain(`/repos/shop/checkout/git/tags/${TAG_SHA}`);
    expect(report.checks).toEqual([
      { name: 'Integration tests', ok: true, detail: '156/156 passed' },
      { name: 'E2E tests', ok: false, detail: 'still in progress on ccccccc' },
      { name: 'security/snyk', ok: false, detail: '2 new issues, failure on ccccccc' },
    ]);
    expect(report.builtAt).toEqual({ at: Date.parse('2025-01-03T08:00:00Z'), source: 'commit' });
  });
});
