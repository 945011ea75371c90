import { spawnSync } from 'node:child_process';

export interface PromtoolResult {
  status: number | null;
  /** stdout and stderr together: the problems promtool found, or its test report. */
  output: string;
}

/**
 * Runs Prometheus's `promtool` (Debian's `prometheus` package; `.ci/run` installs it) with `args`,
 * `input` on stdin. Throws when promtool is not on PATH, so a missing tool fails the test loudly.
 */
export function promtool(args: string[], input?: string): PromtoolResult {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      `promtool could not run (${run.error.message}): install Debian's prometheus package (apt-get install prometheus)`,
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** `promtool check metrics` on a scrape: status 0 and no output when it follows the conventions. */
export function checkMetrics(text: string): PromtoolResult {
  return promtool(['check', 'metrics'], text);
}
