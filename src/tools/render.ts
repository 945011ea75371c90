import { duration, record, records } from './text.js';
import type { RolloutResult } from '../rollout/service.js';

/** The structured result of a rollout, as tools return it. */
export function describeRollout(result: RolloutResult): Record<string, unknown> {
  const d = result.deployment;
  return {
    deploymentId: d.id,
    env: d.env,
    service: d.service,
    version: d.version,
    colour: d.colour,
    previousVersion: d.previousVersion ?? null,
    strategy: d.strategy,
    status: d.status,
    reason: d.reason ?? null,
    durationSeconds: d.durationMs === undefined ? null : Math.round(d.durationMs / 1000),
    checks: result.checks,
  };
}

/** True when a rollout result ({@link describeRollout}) says the release took: status SUCCESS. */
export function rolloutSucceeded(output: unknown): boolean {
  return record(output)?.status === 'SUCCESS';
}

const VERB: Record<string, string> = {
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  ROLLED_BACK: 'was rolled back',
  ABORTED: 'was aborted',
  RUNNING: 'is still running',
};

/** A rollout result ({@link describeRollout}) as people read it; undefined for any other shape. */
export function renderRollout(output: unknown): string | undefined {
  const r = record(output);
  if (!r || typeof r.status !== 'string' || typeof r.version !== 'string') return undefined;
  const what = r.strategy === 'rollback' ? 'Rollback' : 'Deployment';
  const lines = [
    `${what} of ${String(r.service)} ${r.version} to ${String(r.env)} ${VERB[r.status] ?? r.status}` +
      (typeof r.colour === 'string' ? ` (${r.colour})` : '') +
      (typeof r.durationSeconds === 'number' ? ` in ${duration(r.durationSeconds)}` : '') +
      '.',
  ];
  if (typeof r.reason === 'string' && r.reason) lines.push(`Reason: ${r.reason}`);
  if (typeof r.previousVersion === 'string' && r.status === 'SUCCESS' && r.strategy !== 'rollback') {
    lines.push(
      `${r.previousVersion} stays on standby: "rollback ${String(r.env)}" switches back in one step.`,
    );
  }
  const checks = records(r.checks);
  if (checks.length > 0) {
    lines.push(
      'Checks:',
      ...checks.map((c) => `  ${c.ok === true ? '✓' : '✗'} ${String(c.name)}: ${String(c.detail)}`),
    );
  }
  return lines.join('\n');
}
