import type { Clock } from '../../../../src/clock.js';

/** The fields in which the API server writes times (metav1.Time and MicroTime). */
const TIME_FIELDS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastProbeTime',
  'lastHeartbeatTime',
  'startTime',
  'startedAt',
  'finishedAt',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime',
  'lastObservedTime',
]);

/**
 * Simulated time (clock ms) as wall-clock ms: the simulation runs `clock.scale` times faster than real
 * time, so a simulated interval is shown shrunk to what really elapsed, ending now.
 */
export function toWallMs(clock: Clock, simMs: number, nowWall = Date.now()): number {
  return nowWall - (clock.now() - simMs) / clock.scale;
}

/**
 * A JSON serialiser that writes every time field as wall-clock time, so that what kubectl shows (AGE,
 * `describe`'s times) is right whatever the simulation's time scale; with scale 1 it is JSON.stringify.
 * The simulation keeps its own times: only what is served is converted.
 */
export function wallClockJson(clock: Clock): (value: unknown) => string {
  if (clock.scale === 1) return (value) => JSON.stringify(value);
  return (value) => {
    const offset = Date.now() - clock.now() / clock.scale;
    // Objects made together share their times: convert each distinct one once.
    const seen = new Map<string, string>();
    return JSON.stringify(value, (key, v: unknown) => {
      if (typeof v !== 'string' || !TIME_FIELDS.has(key)) return v;
      let out = seen.get(v);
      if (out === undefined) {
        const sim = Date.parse(v);
        if (Number.isNaN(sim)) return v;
        const wall = new Date(Math.round(sim / clock.scale + offset)).toISOString();
        // metav1.Time has second precision; MicroTime (eventTime) microseconds.
        out = v.includes('.') ? wall.replace(/Z$/, '000Z') : `${wall.slice(0, 19)}Z`;
        seen.set(v, out);
      }
      return out;
    });
  };
}

/**
 * Log text whose lines start with kubelet's RFC 3339 nanosecond timestamps (`timestamps=true`), with those
 * timestamps in wall-clock time.
 */
export function wallClockLog(clock: Clock, text: string): string {
  if (clock.scale === 1) return text;
  const nowWall = Date.now();
  return text.replace(
    /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{9})Z /gm,
    (_all, secs: string, frac: string) => {
      const sim = Date.parse(`${secs}Z`) + Number(frac) / 1e6;
      const wall = toWallMs(clock, sim, nowWall);
      const whole = Math.floor(wall);
      const nanos = String(Math.round((wall - whole) * 1e6)).padStart(6, '0');
      return `${new Date(whole).toISOString().replace(/Z$/, `${nanos}Z`)} `;
    },
  );
}
