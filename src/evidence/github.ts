import type { Octokit } from '@octokit/rest';
import { messageOf } from '../errors.js';
import type { EvidenceCheck, EvidenceReport } from './types.js';

/** The GitHub repository tagged with a service's versions, and the checks it must pass. */
export interface CiCoordinates {
  owner: string;
  repo: string;
  tagPrefix: string;
  requiredChecks: readonly string[];
}

const PASSED_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);

/**
 * CI evidence from GitHub: the version's tag resolved to its commit, then the commit's check runs and
 * commit statuses, each one a check of its own ("Integration tests: 156/156 passed"). A failing, pending
 * or missing required check fails; so does a commit with no checks at all (never a silent pass).
 */
export class GitHubEvidence {
  constructor(
    /** The REST client, built (and its module loaded) when the first promotion asks for evidence. */
    private readonly octokit: () => Promise<Octokit>,
    /** Bound of each request, in real ms: a GitHub that hangs is reported, not waited for. */
    private readonly timeoutMs = 10_000,
  ) {}

  private get request(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(this.timeoutMs) };
  }

  /** Never rejects: an unreachable GitHub is a failed check naming what could not be checked. */
  async collect(where: CiCoordinates, version: string): Promise<EvidenceReport> {
    const { owner, repo } = where;
    const tag = `${where.tagPrefix}${version}`;
    const repoName = `${owner}/${repo}`;
    let sha: string;
    try {
      sha = await this.commitOf(owner, repo, tag);
    } catch (err) {
      if (statusOf(err) === 404) {
        return {
          checks: [
            {
              name: 'CI checks',
              ok: false,
              detail: `tag ${tag} not found in ${repoName}: CI never built this version`,
            },
          ],
        };
      }
      return { checks: [unreachable(`the CI checks of ${tag} in ${repoName}`, err)] };
    }
    const short = sha.slice(0, 7);
    let checks: EvidenceCheck[];
    let committedAt: number | undefined;
    try {
      const octokit = await this.octokit();
      const [runs, status, commit] = await Promise.all([
        octokit.rest.checks.listForRef({ owner, repo, ref: sha, per_page: 100, request: this.request }),
        octokit.rest.repos.getCombinedStatusForRef({
          owner,
          repo,
          ref: sha,
          per_page: 100,
          request: this.request,
        }),
        octokit.rest.repos.getCommit({ owner, repo, ref: sha, request: this.request }),
      ]);
      const date = commit.data.commit.committer?.date ?? commit.data.commit.author?.date;
      committedAt = date ? Date.parse(date) : undefined;
      checks = [
        ...runs.data.check_runs.map((run): EvidenceCheck => {
          const title = run.output.title ?? undefined;
          if (run.status !== 'completed') {
            return { name: run.name, ok: false, detail: `still ${run.status.replace('_', ' ')} on ${short}` };
          }
          const conclusion = run.conclusion ?? 'unknown';
          return PASSED_CONCLUSIONS.has(conclusion)
            ? { name: run.name, ok: true, detail: title ?? conclusion }
            : { name: run.name, ok: false, detail: `${title ? `${title}, ` : ''}${conclusion} on ${short}` };
        }),
        ...status.data.statuses.map((s): EvidenceCheck => ({
          name: s.context,
          ok: s.state === 'success',
          detail:
            s.state === 'success'
              ? (s.description ?? 'success')
              : `${s.description ?? s.state}, ${s.state} on ${short}`,
        })),
      ];
    } catch (err) {
      return { checks: [unreachable(`the CI checks of ${tag} (${short}) in ${repoName}`, err)] };
    }
    for (const required of where.requiredChecks) {
      if (!checks.some((c) => c.name === required)) {
        checks.push({ name: required, ok: false, detail: `required, but not reported on ${short} (${tag})` });
      }
    }
    if (checks.length === 0) {
      checks.push({
        name: 'CI checks',
        ok: false,
        detail: `no check runs or statuses on ${short} (${tag}) in ${repoName}: nothing shows this version was tested`,
      });
    }
    return {
      checks,
      ...(committedAt !== undefined && Number.isFinite(committedAt)
        ? { builtAt: { at: committedAt, source: 'commit' } }
        : {}),
    };
  }

  /** The commit a tag points at, through an annotated tag object when there is one. */
  private async commitOf(owner: string, repo: string, tag: string): Promise<string> {
    const octokit = await this.octokit();
    const ref = await octokit.rest.git.getRef({
      owner,
      repo,
      ref: `tags/${tag}`,
      request: this.request,
    });
    if (ref.data.object.type !== 'tag') return ref.data.object.sha;
    const annotated = await octokit.rest.git.getTag({
      owner,
      repo,
      tag_sha: ref.data.object.sha,
      request: this.request,
    });
    return annotated.data.object.sha;
  }
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function unreachable(what: string, err: unknown): EvidenceCheck {
  const status = statusOf(err);
  return {
    name: 'CI checks',
    ok: false,
    detail: `could not check ${what}: ${status ? `HTTP ${status}, ` : ''}${messageOf(err)}`,
  };
}
