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
   * Of the errors, the 5xx the load balancer produced itself for this colour (no healthy target,
   * timeouts to targets); undefined when the source does not tell them apart per colour.
   */
  elb5xx?: number | undefined;
  /**
   * 5xx the load balancer answered itself over the window for all of its target groups, where the source
   * only counts them per load balancer (CloudWatch's HTTPCode_ELB_5XX_Count); not part of `errors`.
   */
  loadBalancerErrors?: number;
}

/**
 * Where analysis reads error rate and latency. Implementations throw coded errors (UNAVAILABLE,
 * UPSTREAM) when the source cannot answer; the analysis treats that as "no verdict", never as a pass.
 */
export interface MetricsProvider {
  readonly name: string;
  /**
   * Seconds after which the source's figures of a moment are final (CloudWatch's publication lag); a
   * window read now ends that long ago, so the analysis waits as long after a weight change before its
   * first window. Undefined: none.
   */
  readonly publicationDelaySeconds?: number;
  window(query: ColourQuery): Promise<ColourFigures>;
}
