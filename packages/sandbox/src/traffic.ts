import type { World, SimRoute } from './world.js';
import { versionOfPods } from './world.js';

/** Simulated requests per second arriving at each route. */
const DEFAULT_RPS = 200;
/** Simulated seconds of per-second history kept for window queries. */
const HISTORY_SECONDS = 6 * 3600;
/** Upper bounds (seconds) of the latency histogram exposed at /metrics. */
export const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export type ColourName = 'blue' | 'green';

interface Bucket {
  /** Simulated second (epoch seconds): the bucket holds traffic of (t - 1, t]. */
  t: number;
  /** Simulated milliseconds the bucket's traffic spans, (fromMs, toMs]: the newest is still filling. */
  fromMs: number;
  toMs: number;
  requests: number;
  errors: number;
  /** Of `errors`, those the load balancer answered itself (503: no healthy target behind the colour). */
  elbErrors: number;
  /** Request-weighted sum of p99s, divided out when a window is read. */
  p99Sum: number;
}

/** One period of one colour, as CloudWatch aggregates it: sums and the request-weighted p99. */
export interface PeriodFigures {
  /** Simulated epoch milliseconds at which the period starts. */
  startMs: number;
  requests: number;
  /** 5xx answered by the colour's targets. */
  targetErrors: number;
  /** 5xx answered by the load balancer itself for this colour's share. */
  elbErrors: number;
  /** Undefined when the period had no requests. */
  p99Ms: number | undefined;
}

interface Totals {
  env: string;
  service: string;
  colour: ColourName;
  version: string;
  requests: number;
  errors: number;
  /** Cumulative counts per LATENCY_BUCKETS bound, then +Inf. */
  histogram: number[];
  latencySumSeconds: number;
}

/** Figures of one colour over a window, as a metrics provider reports them. */
export interface ColourWindow {
  requests: number;
  errors: number;
  /** errors / requests; 0 when there were no requests. */
  errorRate: number;
  /** Request-weighted p99 latency in milliseconds; 0 when there were no requests. */
  p99Ms: number;
  /** 5xx answered by the ALB itself (no healthy target), included in `errors`. */
  elb5xx: number;
}

/**
 * Traffic split by the ALB's weights, integrated over simulated time up to the millisecond and kept in
 * one bucket per second. Each colour's share is served by its healthy pods with the error rate and
 * latency of the version they run; a share sent to a target group with no healthy targets fails (the
 * ALB answers 503).
 */
export class Traffic {
  rps = DEFAULT_RPS;
  /** Simulated milliseconds up to which traffic is counted; traffic starts when the world exists. */
  private settledToMs: number;
  private readonly history = new Map<string, Bucket[]>();
  private readonly totals = new Map<string, Totals>();
  private seed = 0x9e3779b9;

  constructor(private readonly world: World) {
    this.settledToMs = world.clock.now();
  }

  /**
   * Integrates traffic up to the clock's now, with the weights and pod states of this moment. Call it
   * before any read and before any change to weights, pods or version profiles, so that what was served
   * before a change is counted with what was true before it.
   */
  settle(): void {
    const nowMs = this.world.clock.now();
    if (nowMs <= this.settledToMs) return;
    // Pod states are sampled once per settle: the servers settle on every request and a timer settles
    // at least every quarter of a real second, so the approximation stays within a few simulated seconds.
    const fromMs = Math.max(this.settledToMs, nowMs - HISTORY_SECONDS * 1000);
    for (const route of this.world.routes) this.integrate(route, fromMs, nowMs);
    this.settledToMs = nowMs;
  }

  private integrate(route: SimRoute, fromMs: number, toMs: number): void {
    const forward = this.world.forwardOf(route.routeArn);
    const total = forward.reduce((sum, g) => sum + g.Weight, 0);
    if (total === 0) return;
    for (const colour of ['blue', 'green'] as const) {
      const tgArn = route[colour];
      const weight = forward.find((g) => g.TargetGroupArn === tgArn)?.Weight ?? 0;
      const pods = this.world.podsBehind(tgArn);
      const version = versionOfPods(pods) ?? 'none';
      const ready = pods.filter((p) => p.ready).length;
      const profile = this.world.profile(version);
      const errorRate = ready > 0 ? profile.errorRate : 1;
      const p99 = ready > 0 ? profile.p99Ms : 5;
      const key = `${route.env}/${route.service}/${colour}`;
      const buckets = this.history.get(key) ?? [];
      this.history.set(key, buckets);
      // One piece per simulated second crossed, so a bucket never mixes two seconds.
      for (let start = fromMs; start < toMs;) {
        const t = Math.floor(start / 1000) + 1;
        const end = Math.min(toMs, t * 1000);
        const seconds = (end - start) / 1000;
        const requests = weight === 0 ? 0 : this.jitter(((this.rps * weight) / total) * seconds, 0.05);
        // With no ready pod the load balancer answers every request of the share itself (503).
        const errors = ready > 0 ? Math.min(requests, this.jitter(requests * errorRate, 0.2)) : requests;
        const elbErrors = ready > 0 ? 0 : errors;
        const pieceP99 = p99 === 0 ? 0 : this.jitter(p99, 0.05);
        const last = buckets.at(-1);
        if (last?.t === t) {
          last.toMs = end;
          last.requests += requests;
          last.errors += errors;
          last.elbErrors += elbErrors;
          last.p99Sum += pieceP99 * requests;
        } else {
          buckets.push({
            t,
            fromMs: start,
            toMs: end,
            requests,
            errors,
            elbErrors,
            p99Sum: pieceP99 * requests,
          });
        }
        this.count(route, colour, version, requests, errors, pieceP99);
        start = end;
      }
      const cut = buckets.findIndex((b) => b.t > toMs / 1000 - HISTORY_SECONDS);
      if (cut > 0) buckets.splice(0, cut);
    }
  }

  private count(
    route: SimRoute,
    colour: ColourName,
    version: string,
    requests: number,
    errors: number,
    p99Ms: number,
  ): void {
    if (requests === 0) return;
    const key = `${route.env}/${route.service}/${colour}/${version}`;
    let totals = this.totals.get(key);
    if (!totals) {
      totals = {
        env: route.env,
        service: route.service,
        colour,
        version,
        requests: 0,
        errors: 0,
        histogram: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
        latencySumSeconds: 0,
      };
      this.totals.set(key, totals);
    }
    totals.requests += requests;
    totals.errors += errors;
    // A latency distribution with its median at a quarter of the p99 and its tail at twice the p99.
    const p99 = p99Ms / 1000;
    for (const [i, le] of LATENCY_BUCKETS.entries())
      totals.histogram[i]! += requests * fractionUnder(le, p99);
    totals.histogram[LATENCY_BUCKETS.length]! += requests;
    totals.latencySumSeconds += requests * p99 * 0.35;
  }

  /**
   * Figures of one colour of `env`/`service` over `windowMs` of simulated time ending at `untilMs`
   * (default now). Buckets the window's edges cut count in proportion to the part of them inside.
   */
  window(env: string, service: string, colour: ColourName, windowMs: number, untilMs?: number): ColourWindow {
    this.settle();
    const buckets = this.history.get(`${env}/${service}/${colour}`) ?? [];
    const endMs = Math.min(untilMs ?? Number.POSITIVE_INFINITY, this.world.clock.now());
    const sinceMs = endMs - windowMs;
    let requests = 0;
    let errors = 0;
    let elbErrors = 0;
    let p99Sum = 0;
    for (let i = buckets.length - 1; i >= 0; i--) {
      const b = buckets[i]!;
      if (b.fromMs >= endMs) continue;
      if (b.toMs <= sinceMs) break;
      const inside = Math.min(b.toMs, endMs) - Math.max(b.fromMs, sinceMs);
      const share = b.toMs > b.fromMs ? inside / (b.toMs - b.fromMs) : 1;
      requests += b.requests * share;
      errors += b.errors * share;
      elbErrors += b.elbErrors * share;
      p99Sum += b.p99Sum * share;
    }
    const whole = Math.round(requests);
    return {
      requests: whole,
      errors: Math.round(errors),
      errorRate: requests > 0 ? errors / requests : 0,
      p99Ms: requests > 0 ? p99Sum / requests : 0,
      elb5xx: Math.round(elbErrors),
    };
  }

  /**
   * Per-period figures of one colour over [fromMs, toMs) of simulated time, periods aligned to the epoch
   * as CloudWatch aligns them, oldest first; periods without requests are left out. Only whole seconds
   * inside the range count.
   */
  periods(
    env: string,
    service: string,
    colour: ColourName,
    fromMs: number,
    toMs: number,
    periodMs: number,
  ): PeriodFigures[] {
    this.settle();
    const byStart = new Map<
      number,
      { requests: number; errors: number; elbErrors: number; p99Sum: number }
    >();
    for (const b of this.history.get(`${env}/${service}/${colour}`) ?? []) {
      const secondStart = (b.t - 1) * 1000;
      if (secondStart < fromMs || b.t * 1000 > toMs || b.requests === 0) continue;
      const startMs = Math.floor(secondStart / periodMs) * periodMs;
      const sums = byStart.get(startMs) ?? { requests: 0, errors: 0, elbErrors: 0, p99Sum: 0 };
      sums.requests += b.requests;
      sums.errors += b.errors;
      sums.elbErrors += b.elbErrors;
      sums.p99Sum += b.p99Sum;
      byStart.set(startMs, sums);
    }
    return [...byStart.entries()]
      .sort(([a], [b]) => a - b)
      .map(([startMs, s]) => ({
        startMs,
        requests: Math.round(s.requests),
        targetErrors: Math.round(s.errors - s.elbErrors),
        elbErrors: Math.round(s.elbErrors),
        p99Ms: s.requests > 0 ? s.p99Sum / s.requests : undefined,
      }));
  }

  /** Cumulative counters, for the Prometheus exposition. */
  counters(): readonly Totals[] {
    this.settle();
    return [...this.totals.values()];
  }

  /** A deterministic ±spread multiplicative jitter (xorshift), so runs are repeatable. */
  private jitter(value: number, spread: number): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    const unit = this.seed / 0xffffffff;
    return value * (1 + spread * (unit * 2 - 1));
  }
}

/** Share of requests faster than `le` seconds when the p99 is `p99` seconds (piecewise linear CDF). */
function fractionUnder(le: number, p99: number): number {
  if (p99 <= 0) return 1;
  const points: Array<[number, number]> = [
    [0, 0],
    [p99 / 4, 0.5],
    [p99 / 2, 0.9],
    [p99, 0.99],
    [p99 * 2, 1],
  ];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x0, y0] = points[i - 1]!;
    if (le <= x1) return y0 + ((y1 - y0) * (le - x0)) / (x1 - x0);
  }
  return 1;
}
