import type { IncomingMessage, ServerResponse } from 'node:http';
import type { World } from './world.js';

/** Where the GitHub stand-in is mounted on the sandbox's endpoint: Octokit's `baseUrl` is this under it. */
export const GITHUB_PREFIX = '/github';

interface Reply {
  status: number;
  body: unknown;
}

const NOT_FOUND: Reply = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
};

/**
 * A stand-in for the parts of the GitHub REST API that release evidence reads, for the repositories of
 * the seeded services (`evidence.ci`): a tag's ref, a commit, its check runs and its combined status,
 * with the results chosen by version tag (evidence.ts). Other paths are 404, as GitHub answers them.
 */
export function handleGithub(world: World, req: IncomingMessage, res: ServerResponse): void {
  const fault = world.faults.next('github');
  if (fault?.kind === 'down') {
    req.socket.destroy();
    return;
  }
  const reply: Reply =
    fault?.kind === 'throttle'
      ? { status: 429, body: { message: 'API rate limit exceeded' } }
      : fault?.kind === 'server-error'
        ? { status: 502, body: { message: 'Server Error' } }
        : req.method === 'GET'
          ? route(world, new URL(req.url ?? '/', 'http://sandbox').pathname.slice(GITHUB_PREFIX.length))
          : NOT_FOUND;
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-github-request-id': `SANDBOX:${Date.now().toString(16)}`,
  });
  res.end(text);
}

function route(world: World, path: string): Reply {
  // Octokit sends `tags%2F1.3.0` for the ref `tags/1.3.0`; GitHub reads both alike.
  const m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(decodeURIComponent(path));
  if (!m) return NOT_FOUND;
  const [, owner, repo, rest] = m as unknown as [string, string, string, string];
  const config = world.sources.githubRepositories.get(`${owner}/${repo}`);
  if (!config) return NOT_FOUND;
  const base = `https://github.com/${owner}/${repo}`;
  const tagRef = /^git\/ref\/tags\/(.+)$/.exec(rest);
  if (tagRef) {
    const tag = tagRef[1]!;
    if (!tag.startsWith(config.tagPrefix)) return NOT_FOUND;
    const version = tag.slice(config.tagPrefix.length);
    const evidence = world.sources.of(version, world.profile(version));
    if (!evidence.tagged) return NOT_FOUND;
    world.sources.commits.set(evidence.commitSha, version);
    return {
      status: 200,
      body: {
        ref: `refs/tags/${tag}`,
        url: `${base}/git/refs/tags/${tag}`,
        object: { sha: evidence.commitSha, type: 'commit', url: `${base}/git/commits/${evidence.commitSha}` },
      },
    };
  }
  const commit = /^commits\/([0-9a-f]{40})(\/check-runs|\/status)?$/.exec(rest);
  const version = commit ? world.sources.commits.get(commit[1]!) : undefined;
  if (!commit || version === undefined) return NOT_FOUND;
  const sha = commit[1]!;
  const evidence = world.sources.of(version, world.profile(version));
  const at = new Date(evidence.committedAt + 10 * 60_000).toISOString();
  if (commit[2] === '/check-runs') {
    return {
      status: 200,
      body: {
        total_count: evidence.checkRuns.length,
        check_runs: evidence.checkRuns.map((run, i) => ({
          id: 1000 + i,
          name: run.name,
          head_sha: sha,
          status: 'completed',
          conclusion: run.conclusion,
          started_at: new Date(evidence.committedAt + 60_000).toISOString(),
          completed_at: at,
          output: { title: run.title, summary: run.summary, text: null, annotations_count: 0 },
          html_url: `${base}/runs/${1000 + i}`,
          app: { slug: 'github-actions', name: 'GitHub Actions' },
        })),
      },
    };
  }
  if (commit[2] === '/status') {
    const failed = evidence.statuses.some((s) => s.state !== 'success');
    return {
      status: 200,
      body: {
        state: failed ? 'failure' : 'success',
        sha,
        total_count: evidence.statuses.length,
        statuses: evidence.statuses.map((s) => ({
          ...s,
          target_url: `${base}/actions`,
          created_at: at,
          updated_at: at,
        })),
        repository: { full_name: `${owner}/${repo}` },
      },
    };
  }
  const date = new Date(evidence.committedAt).toISOString();
  const who = { name: 'Release Bot', email: 'release-bot@example.com', date };
  return {
    status: 200,
    body: {
      sha,
      html_url: `${base}/commit/${sha}`,
      commit: { author: who, committer: who, message: `Release ${version}` },
    },
  };
}
