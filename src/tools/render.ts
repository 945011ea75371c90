import { environmentOf, serviceOf, type LoadedConfig } from '../config.js';
import { linksFor } from '../config/links.js';
import type { ColourView } from '../rollout/events.js';
import { colourLines } from '../rollout/flow.js';
import { otherColour, type Colour } from '../platform/types.js';
import type { RolloutResult } from '../rollout/service.js';
import type { Deployment } from '../store/store.js';
import { duration, record, records } from './text.js';

/** The two colours as a finished release left them. */
function finalState(d: Deployment): ColourView[] {
  const other = d.previousColour ?? otherColour(d.colour);
  const took = d.status === 'SUCCESS';
  const live = took ? d.colour : other;
  const view = (colour: Colour): ColourView => ({
    colour,
    version: colour === d.colour ? d.version : d.previousVersion,
    weight: colour === live ? 100 : 0,
    role: colour === live ? 'active' : 'standby',
  });
  return [view('blue'), view('green')];
}

/**
 * What to look at once a version went back (seed 001, "Post-rollback actions"): the version that was
 * rolled back (it still runs on the standby colour), its logs, the dashboard.
 */
function afterRollback(
  config: LoadedConfig,
  d: Deployment,
): { version: string; logs: string; diagnose: string } | undefined {
  const manual = d.strategy === 'rollback' && d.status === 'SUCCESS';
  const automatic = d.strategy !== 'rollback' && d.status === 'ROLLED_BACK';
  if (!manual && !automatic) return undefined;
  const colour = manual ? (d.previousColour ?? otherColour(d.colour)) : d.colour;
  const version = manual ? d.previousVersion : d.version;
  if (!version) return undefined;
  const svc = serviceOf(config, d.env, d.service);
  const ns = environmentOf(config, d.env).namespace;
  return {
    version,
    logs: `kubectl -n ${ns} logs deployment/${svc[colour].deployment} -c ${svc.container} --tail=200`,
    diagnose: `diagnose ${d.service} in ${d.env}`,
  };
}

/** The structured result of a rollout, as tools return it: the record, the state it left, what next. */
export function describeRollout(result: RolloutResult, config: LoadedConfig): Record<string, unknown> {
  const d = result.deployment;
  const finished = d.status !== 'RUNNING';
  const state = finished ? finalState(d) : undefined;
  const live = state?.find((c) => c.role === 'active');
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
    ...(state ? { state } : {}),
    ...(finished ? { afterRollback: afterRollback(config, d) ?? null } : {}),
    links: linksFor(config, d.env, d.service, { version: live?.version, colour: live?.colour }),
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

/** The state lines of a result, if it carries a well-formed one. */
function stateOf(value: unknown): ColourView[] | undefined {
  const views = records(value);
  if (views.length !== 2) return undefined;
  const ok = views.every(
    (v) =>
      (v.colour === 'blue' || v.colour === 'green') &&
      (v.version === undefined || typeof v.version === 'string') &&
      typeof v.weight === 'number' &&
      (v.role === 'active' || v.role === 'standby'),
  );
  return ok ? (views as unknown as ColourView[]) : undefined;
}

/**
 * A rollout result ({@link describeRollout}) as people read it, after the flow the channel showed while
 * it ran: one result line (and the reason), the state it left (Active/Standby, which one is ready for
 * rollback), post-rollback actions when a version went back, and the links. Undefined for any other shape.
 */
export function renderRollout(output: unknown): string | undefined {
  const r = record(output);
  if (!r || typeof r.status !== 'string' || typeof r.version !== 'string') return undefined;
  const rollback = r.strategy === 'rollback';
  const what = rollback ? 'Rollback' : 'Deployment';
  const ok = r.status === 'SUCCESS';
  const lines = [
    `${ok ? '✓' : '✗'} ${what} of ${String(r.service)} ${r.version} to ${String(r.env)} ${VERB[r.status] ?? r.status}` +
      (typeof r.colour === 'string' ? ` (${r.colour})` : '') +
      (typeof r.durationSeconds === 'number' ? ` in ${duration(r.durationSeconds)}` : '') +
      '.',
  ];
  if (typeof r.reason === 'string' && r.reason) lines.push(`  Reason: ${r.reason}`);
  const state = stateOf(r.state);
  if (state) {
    const standby = state.find((c) => c.role === 'standby');
    const ready = ok && !rollback && standby?.version !== undefined ? 'Ready for rollback' : undefined;
    lines.push(...colourLines(state, standby && ready ? { [standby.colour]: ready } : {}));
  }
  const failed = records(r.checks).filter((c) => c.ok !== true);
  if (failed.length > 0) {
    lines.push('Checks:', ...failed.map((c) => `  ✗ ${String(c.name)}: ${String(c.detail)}`));
  }
  const after = record(r.afterRollback);
  const links = records(r.links).filter((l) => typeof l.label === 'string' && typeof l.url === 'string');
  if (after && typeof after.version === 'string') {
    const dashboard = links.find((l) => l.label === 'Dashboard');
    lines.push(
      '',
      'Post-rollback actions:',
      `  • Investigate ${after.version}: "${String(after.diagnose)}"`,
      `  • Check logs: ${String(after.logs)}`,
      ...(dashboard ? [`  • Review metrics: ${String(dashboard.url)}`] : []),
    );
  }
  const others = after ? links.filter((l) => l.label !== 'Dashboard') : links;
  if (others.length > 0) lines.push('', ...others.map((l) => `${String(l.label)}: ${String(l.url)}`));
  return lines.join('\n');
}
