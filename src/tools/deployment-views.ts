import type { DeploymentView } from '../rollout/dora.js';
import { columns, day, duration } from './text.js';

/** A deployment as tools return it: wall-clock ISO dates, durations in seconds. */
export function describeView(v: DeploymentView): Record<string, unknown> {
  return {
    id: v.id,
    date: new Date(v.startedAt).toISOString(),
    env: v.env,
    service: v.service,
    version: v.version,
    durationSeconds: v.durationSeconds ?? null,
    strategy: v.strategy,
    deployer: v.actor,
    status: v.status,
    reason: v.reason ?? null,
  };
}

const STRATEGY: Record<string, string> = { 'blue-green': 'B/G', promote: 'promote', rollback: 'rollback' };

/**
 * Recent deployments (as {@link describeView} returns them) in the seed's columns, reasons under rows;
 * fitted to `width` columns when given (see {@link columns}).
 */
export function recentTable(
  rows: ReadonlyArray<Record<string, unknown>>,
  timeZone = 'UTC',
  width = Infinity,
): string {
  return columns(
    ['Date', 'Env', 'Service', 'Version', 'Duration', 'Status'],
    rows.map((d) => ({
      cells: [
        day(Date.parse(String(d.date)), timeZone),
        String(d.env).toUpperCase(),
        d.service,
        d.version,
        duration(d.durationSeconds),
        `${String(d.status)} (${STRATEGY[String(d.strategy)] ?? String(d.strategy)})`,
      ],
      note: typeof d.reason === 'string' && d.reason ? `Reason: ${d.reason}` : undefined,
    })),
    width,
  );
}
