import { WEEKDAYS } from '../../config/schema-policy.js';
import { policyOf, type FreezeWindow, type LoadedConfig } from '../../config.js';
import type { Store } from '../../store/store.js';

/** A freeze in force: why, until when (undefined: until an admin lifts it), and where it comes from. */
export interface ActiveFreeze {
  reason: string;
  until: number | undefined;
  /** `config` (a window or the static `freeze`), or `stored` (freeze_environment, by `actor`). */
  source: 'config' | 'stored';
  actor?: string;
}

/**
 * The freeze in force for `service` in `env` at `now` (wall time, ms), or undefined: stored freezes
 * (freeze_environment) first, then the configuration's static `freeze` and its windows. When several are
 * in force the one that ends last is reported. Rejects only when the store cannot answer.
 */
export async function freezeInForce(
  config: LoadedConfig,
  store: Store,
  env: string,
  service: string | undefined,
  now: number,
): Promise<ActiveFreeze | undefined> {
  const found: ActiveFreeze[] = (await store.activeFreezes(env, now)).map((f) => ({
    reason: f.reason,
    until: f.until,
    source: 'stored',
    actor: f.actor,
  }));
  const services = service === undefined ? Object.keys(config.environments[env]?.services ?? {}) : [service];
  for (const name of services) {
    const policy = policyOf(config, env, name);
    if (policy.freeze !== undefined)
      found.push({ reason: policy.freeze, until: undefined, source: 'config' });
    const window = windowFreeze(policy.freezes, now);
    if (window) found.push(window);
  }
  if (found.length === 0) return undefined;
  // An open-ended freeze outlasts any dated one.
  return found.reduce((a, b) => (endOf(b) > endOf(a) ? b : a));
}

function endOf(f: ActiveFreeze): number {
  return f.until ?? Number.POSITIVE_INFINITY;
}

/**
 * The configured window in force at `now`, or undefined; it ends when the last of the windows that follow
 * on from one another without a gap does (Friday 16:00–24:00 then Saturday and Sunday: Monday 00:00).
 */
export function windowFreeze(windows: readonly FreezeWindow[], now: number): ActiveFreeze | undefined {
  const latest = (at: number): { reason: string; end: number } | undefined => {
    let found: { reason: string; end: number } | undefined;
    for (const w of windows) {
      const end = windowEnd(w, at);
      if (end !== undefined && (!found || end > found.end)) found = { reason: w.reason, end };
    }
    return found;
  };
  const first = latest(now);
  if (!first) return undefined;
  let end = first.end;
  for (let i = 0; i < 32; i++) {
    const next = latest(end);
    if (!next || next.end <= end) break;
    end = next.end;
  }
  return { reason: first.reason, until: end, source: 'config' };
}

/** When the occurrence of `w` that contains `now` ends, following back-to-back occurrences; undefined: not in one. */
function windowEnd(w: FreezeWindow, now: number): number | undefined {
  if (w.weekly === undefined) {
    const from = instantOf(w.from!, w.timeZone);
    const until = instantOf(w.until!, w.timeZone);
    return from <= now && now < until ? until : undefined;
  }
  let end = weeklyEnd(w, now);
  if (end === undefined) return undefined;
  // Fri 00:00–24:00 and Sat 00:00–24:00 are one freeze until Sunday midnight.
  for (let i = 0; i < 8; i++) {
    const next = weeklyEnd(w, end);
    if (next === undefined || next <= end) break;
    end = next;
  }
  return end;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The end of the weekly occurrence containing `now`: one that started today or, past midnight, yesterday. */
function weeklyEnd(w: FreezeWindow, now: number): number | undefined {
  const weekly = w.weekly!;
  const local = localParts(now, w.timeZone);
  const start = minutes(weekly.start);
  let end = minutes(weekly.end);
  if (end <= start) end += 24 * 60;
  for (const back of [0, 1]) {
    const day = WEEKDAYS[(local.weekday + 7 - back) % 7]!;
    if (!weekly.days.includes(day)) continue;
    const at = local.minuteOfDay + back * 24 * 60;
    if (at >= start && at < end) {
      const midnight = Date.UTC(local.year, local.month - 1, local.day) - back * DAY;
      return localToInstant(midnight + end * MINUTE, w.timeZone);
    }
  }
  return undefined;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
}

/** The wall-clock date and time of `instant` in `zone`. */
function localParts(instant: number, zone: string): LocalParts {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  }).formatToParts(new Date(instant));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday,
    minuteOfDay: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/** The instant whose wall-clock time in `zone` is `wall` (a UTC timestamp read as local time). */
function localToInstant(wall: number, zone: string): number {
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(guess, zone);
    const shown = Date.UTC(p.year, p.month - 1, p.day) + p.minuteOfDay * MINUTE;
    const diff = shown - wall;
    if (diff === 0) break;
    guess -= diff;
  }
  return guess;
}

/** `2026-12-24`, `2026-12-24T18:00` (local to `zone`), or ISO-8601 with Z or an offset (absolute). */
export function instantOf(text: string, zone: string): number {
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text) && text.includes('T')) return Date.parse(text);
  const [date, time = '00:00'] = text.split('T');
  const [y, mo, d] = date!.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  return localToInstant(Date.UTC(y!, mo! - 1, d, h, mi), zone);
}

/** `until 2026-12-27 08:00 UTC` or `until an admin lifts it`, for refusals and status. */
export function freezeEnd(freeze: ActiveFreeze): string {
  if (freeze.until === undefined) return 'until an admin lifts it (unfreeze_environment)';
  return `until ${new Date(freeze.until).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
