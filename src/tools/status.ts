import { z } from 'zod';
import { environmentOf } from '../config.js';
import { serviceStatus } from '../rollout/status.js';
import type { ColourRelease } from '../store/store.js';
import { record, records, textTable } from './text.js';
import { defineTool, envField, serviceField, type ToolContext } from './tool.js';
import { freezeEnd, freezeInForce } from '../policies/release.js';
import { messageOf } from '../errors.js';

export const statusTool = defineTool({
  name: 'get_status',
  description:
    'Current state of an environment: per service, the traffic weights of blue and green, which colour is stable and which is standby, the version each runs, ready replicas, ALB target health, and any rollout in progress.',
  risk: 'read',
  input: z
    .object({
      env: envField,
      service: serviceField.describe('Service name; omit for every service of the environment.'),
    })
    .strict(),
  summary: (input) => `status of ${input.service ?? 'every service'} in ${input.env}`,
  target: (input) => ({ env: input.env, service: input.service }),
  run: async (ctx, input) => {
    const services = input.service
      ? [input.service]
      : Object.keys(environmentOf(ctx.config, input.env).services);
    const [statuses, freeze] = await Promise.all([
      Promise.all(services.map((s) => serviceStatus(ctx.rollouts, ctx.store, ctx.clock.now(), input.env, s))),
      freezeStatus(ctx, input.env, input.service),
    ]);
    return {
      env: input.env,
      freeze,
      services: statuses.map((s) => ({
        service: s.service,
        weights: s.weights,
        blue: s.colours.blue,
        green: s.colours.green,
        rollout: s.running
          ? {
              deploymentId: s.running.id,
              version: s.running.version,
              actor: s.running.actor,
              startedAt: new Date(s.running.startedAt).toISOString(),
            }
          : null,
        lock: s.lock ? { holder: s.lock.holder, until: new Date(s.lock.expiresAt).toISOString() } : null,
        release: s.release
          ? {
              source: s.release.source,
              live: releaseOf(s.release.live),
              standby: releaseOf(s.release.standby),
            }
          : { unknown: s.releaseProblem ?? 'not worked out' },
      })),
    };
  },
  render: (output) => statusText(output, Infinity),
  renderNarrow: statusText,
});

/** The freeze in force (null: none), or `{ unknown }` when it could not be read: never "not frozen" then. */
async function freezeStatus(
  ctx: ToolContext,
  env: string,
  service: string | undefined,
): Promise<Record<string, unknown> | null> {
  try {
    const freeze = await freezeInForce(ctx.config, ctx.store, env, service, Date.now());
    if (!freeze) return null;
    return {
      reason: freeze.reason,
      until: freeze.until === undefined ? null : new Date(freeze.until).toISOString(),
      ends: freezeEnd(freeze),
      source: freeze.source,
      ...(freeze.actor ? { by: freeze.actor } : {}),
    };
  } catch (err) {
    return { unknown: `could not read freezes: ${messageOf(err)}` };
  }
}

function releaseOf(c: ColourRelease): Record<string, unknown> {
  return {
    colour: c.colour,
    version: c.version ?? null,
    verdict: c.verdict,
    at: c.at === undefined ? null : new Date(c.at).toISOString(),
    reason: c.reason ?? null,
  };
}

const VERDICT: Record<string, string> = {
  known_good: 'known good',
  failed: 'failed',
  unknown: 'not verified',
};

/** `Release state: live green 1.3.0 (known good) · standby blue 1.3.0-errors (failed: ...)`. */
function releaseLine(value: unknown): string | undefined {
  const r = record(value);
  if (!r) return undefined;
  if (typeof r.unknown === 'string') return `Release state unknown: ${r.unknown}`;
  const part = (name: string, v: unknown): string => {
    const c = record(v) ?? {};
    const why = c.verdict === 'failed' && typeof c.reason === 'string' ? `: ${c.reason}` : '';
    return `${name} ${String(c.colour)} ${typeof c.version === 'string' ? c.version : '(no version)'} (${VERDICT[String(c.verdict)] ?? String(c.verdict)}${why})`;
  };
  const rebuilt =
    r.source === 'rebuilt' ? ' [read from the ALB and the Deployments; Jarvis has not released it yet]' : '';
  return `Release state: ${part('live', r.live)} · ${part('standby', r.standby)}${rebuilt}`;
}

/** The status as people read it; its tables fitted to `width` columns when finite. */
function statusText(output: unknown, width: number): string | undefined {
  const r = record(output);
  const services = records(r?.services);
  if (!r || services.length === 0) return undefined;
  const lines = [`Status of ${String(r.env)}:`];
  const freeze = record(r.freeze);
  if (freeze && typeof freeze.unknown === 'string') lines.push(`Freeze: unknown (${freeze.unknown}).`);
  else if (freeze) {
    lines.push(
      `FROZEN: ${String(freeze.reason)} (${String(freeze.ends)}). Writes are refused except abort, pause and rollback to known good.`,
    );
  }
  for (const s of services) {
    const weights = record(s.weights) ?? {};
    lines.push(
      `${String(s.service)}: Blue ${String(weights.blue)}% | Green ${String(weights.green)}%`,
      textTable(
        ['colour', 'role', 'version', 'ready', 'targets healthy', 'problems'],
        ['blue', 'green'].map((name) => {
          const c = record(s[name]) ?? {};
          const targets = record(c.targets) ?? {};
          const problems = Array.isArray(targets.problems) ? targets.problems.join('; ') : '';
          return [
            name,
            c.role,
            c.version,
            `${String(c.readyReplicas)}/${String(c.replicas)}`,
            `${String(targets.healthy)}/${String(targets.total)}`,
            problems || '–',
          ];
        }),
        width,
      ),
    );
    const release = releaseLine(s.release);
    if (release) lines.push(release);
    const rollout = record(s.rollout);
    if (rollout) {
      lines.push(
        `Rollout in progress: ${String(rollout.version)} by ${String(rollout.actor)} since ${String(rollout.startedAt)}.`,
      );
    }
  }
  return lines.join('\n');
}
