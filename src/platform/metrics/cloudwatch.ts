import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Clock } from '../../clock.js';
import { JarvisError } from '../../errors.js';
import { callAws } from '../aws-errors.js';
import { loadBalancerDimension, targetGroupDimension } from './cloudwatch-dimensions.js';
import type { ColourFigures, ColourQuery, MetricsProvider } from './provider.js';

export interface CloudWatchMetricsOptions {
  /** The CloudWatch client of `env`'s region. */
  client: (env: string) => CloudWatchClient;
  /** The ARN of the load balancer in front of the query's target group (its listener's or rule's ARN will do). */
  loadBalancerOf: (query: ColourQuery) => Promise<string>;
  clock: Clock;
  /** Period of the datapoints asked for: 60 (ALB's standard resolution) or 1, 5, 10, 30. */
  periodSeconds: number;
  /** How long after a period ends CloudWatch is expected to have published it. */
  publicationDelaySeconds: number;
}

/** At most this many pages of one GetMetricData answer are read (five queries fit one page). */
const MAX_PAGES = 5;

/**
 * Per-colour figures from CloudWatch's `AWS/ApplicationELB` metrics (GetMetricData): RequestCount,
 * HTTPCode_Target_5XX_Count and TargetResponseTime p99 of the colour's target group, and the load
 * balancer's own RequestCount and HTTPCode_ELB_5XX_Count.
 *
 * CloudWatch publishes a period a while after it ends. The window read is therefore the whole periods
 * ending `publicationDelaySeconds` ago (the analysis waits that long after a weight change, see
 * {@link MetricsProvider.publicationDelaySeconds}); when even those are not published yet, the answer is
 * UNAVAILABLE ("no verdict yet"), never a pass. The load balancer's RequestCount tells a published
 * period from a quiet target group: ALB reports a count only when it is nonzero, so a colour without
 * traffic has no datapoints while its load balancer has.
 */
export class CloudWatchMetrics implements MetricsProvider {
  readonly name = 'cloudwatch';
  readonly publicationDelaySeconds: number;

  constructor(private readonly options: CloudWatchMetricsOptions) {
    this.publicationDelaySeconds = options.publicationDelaySeconds;
  }

  async window(q: ColourQuery): Promise<ColourFigures> {
    const resource = `${q.env}/${q.service}/${q.colour}`;
    const lbArn = await this.options.loadBalancerOf(q);
    const lb = loadBalancerDimension(lbArn);
    const tg = targetGroupDimension(q.targetGroupArn);
    if (!lb || !tg) {
      throw new JarvisError(
        'CONFIG_INVALID',
        `CloudWatch needs the load balancer and target group of ${resource}, but ${lb ? q.targetGroupArn : lbArn} is not an ALB ARN.`,
        { resource },
      );
    }
    const period = this.options.periodSeconds;
    const periods = Math.max(1, Math.round(q.windowSeconds / period));
    const nowSeconds = Math.floor(this.options.clock.now() / 1000);
    const end = Math.floor((nowSeconds - this.publicationDelaySeconds) / period) * period;
    const start = end - periods * period;
    const both = [
      { Name: 'LoadBalancer', Value: lb },
      { Name: 'TargetGroup', Value: tg },
    ];
    const only = [{ Name: 'LoadBalancer', Value: lb }];
    const queries: MetricDataQuery[] = [
      stat('requests', 'RequestCount', both, 'Sum', period),
      stat('errors', 'HTTPCode_Target_5XX_Count', both, 'Sum', period),
      stat('p99', 'TargetResponseTime', both, 'p99', period),
      stat('lbRequests', 'RequestCount', only, 'Sum', period),
      stat('lbErrors', 'HTTPCode_ELB_5XX_Count', only, 'Sum', period),
    ];
    const series = await this.read(q.env, queries, start, end, resource);
    const published = series.get('lbRequests')?.has(end - period) ?? false;
    if (!published) {
      throw new JarvisError(
        'UNAVAILABLE',
        `No verdict yet: CloudWatch has not published RequestCount of load balancer ${lb} for the period ending ${new Date(end * 1000).toISOString()} (publication lag, or no traffic through the load balancer).`,
        { resource, facts: { source: 'cloudwatch', periodEnd: end } },
      );
    }
    const total = sum(series.get('requests'));
    const failed = Math.min(sum(series.get('errors')), total);
    return {
      requests: Math.round(total),
      errors: Math.round(failed),
      errorRate: total > 0 ? failed / total : 0,
      p99Ms: total > 0 ? weightedP99Ms(series.get('p99'), series.get('requests')) : undefined,
      loadBalancerErrors: Math.round(sum(series.get('lbErrors'))),
    };
  }

  /** Every datapoint of `queries` in [start, end), by query id and then period start (epoch seconds). */
  private async read(
    env: string,
    queries: MetricDataQuery[],
    start: number,
    end: number,
    resource: string,
  ): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await callAws({ service: 'CloudWatch', operation: 'GetMetricData', resource }, () =>
        this.options.client(env).send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start * 1000),
            EndTime: new Date(end * 1000),
            ScanBy: 'TimestampAscending',
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const result of answer.MetricDataResults ?? []) collect(out, result, resource);
      token = answer.NextToken;
      if (!token) return out;
    }
    throw new JarvisError(
      'UPSTREAM',
      `CloudWatch GetMetricData for ${resource} still had more pages after ${MAX_PAGES}.`,
      { resource },
    );
  }
}

function stat(
  id: string,
  metric: string,
  dimensions: Array<{ Name: string; Value: string }>,
  statistic: string,
  period: number,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metric, Dimensions: dimensions },
      Period: period,
      Stat: statistic,
    },
    ReturnData: true,
  };
}

function collect(out: Map<string, Map<number, number>>, result: MetricDataResult, resource: string): void {
  if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
    throw new JarvisError(
      result.StatusCode === 'Forbidden' ? 'FORBIDDEN' : 'UPSTREAM',
      `CloudWatch answered ${result.StatusCode} for ${result.Id ?? 'a query'} of ${resource}.`,
      { resource, upstream: result.StatusCode },
    );
  }
  const points = out.get(result.Id ?? '') ?? new Map<number, number>();
  out.set(result.Id ?? '', points);
  const stamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  for (const [i, at] of stamps.entries()) {
    const value = values[i];
    if (value !== undefined) points.set(Math.round(at.getTime() / 1000), value);
  }
}

function sum(points: Map<number, number> | undefined): number {
  let total = 0;
  for (const value of points?.values() ?? []) total += value;
  return total;
}

/** The periods' p99s (seconds) weighted by their requests, in milliseconds; undefined without any. */
function weightedP99Ms(
  p99: Map<number, number> | undefined,
  requests: Map<number, number> | undefined,
): number | undefined {
  let weighted = 0;
  let weight = 0;
  for (const [at, seconds] of p99 ?? []) {
    const n = requests?.get(at) ?? 0;
    weighted += seconds * 1000 * n;
    weight += n;
  }
  return weight > 0 ? weighted / weight : undefined;
}
