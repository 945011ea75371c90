import type { Colour } from '../types.js';

/** What a metrics provider is asked: one colour of one service over the last `windowSeconds`. */
export interface ColourQuery {
  env: string;
  service: string;
  colour: Colour;
  targetGroupArn: string;
  windowSeconds: number;
  /** When the window ends (epoch ms, the clock's time); undefined: now. For baselines of the past. */
  endsAt?: number | undefined;
}

/** Figures of one colour over a window. */
export interface ColourFigures {
  requests: number;
  errors: number;
  /** errors / requests, 0 when there were no requests. */
  errorRate: number;
  /** p99 latency in milliseconds; undefined when there were no requests to measure. */
  p99Ms: number | undefined;
  /**
   * Of the errors, the 5xx the load balancer produced itself (no healthy target, timeouts to targets);
   * undefined when the source does not tell them apart.
   */
  elb5xx?: number | undefined;
}

/**
 * Where analysis reads error rate and latency. Implementations throw coded errors (UNAVAILABLE,
 * UPSTREAM) when the source cannot answer; the analysis treats that as "no verdict", never as a pass.
 */
export interface MetricsProvider {
  readonly name: string;
  window(query: ColourQuery): Promise<ColourFigures>;
}
