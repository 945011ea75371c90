import { z } from 'zod';
import {
  loadBalancerDimension,
  targetGroupDimension,
} from '../../../../src/platform/metrics/cloudwatch-dimensions.js';
import type { ColourName, PeriodFigures } from '../traffic.js';
import type { SimRoute, World } from '../world.js';

/** The X-Amz-Target prefix of CloudWatch's AWS JSON 1.0 protocol. */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';

/** A CloudWatch JSON answer: status, the error's type (for the query-compatible header) and the body. */
export interface CloudWatchReply {
  status: number;
  /** Query-compatible code (`Throttling`, `InvalidParameterValue`), sent as `x-amzn-query-error`. */
  queryError?: string;
  body: unknown;
}

/** A CloudWatch error in AWS JSON 1.0's shape. */
export function cloudWatchError(
  status: number,
  shape: string,
  queryCode: string,
  message: string,
): CloudWatchReply {
  return {
    status,
    queryError: `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}`,
    body: { __type: `com.amazonaws.cloudwatch#${shape}`, message },
  };
}

const Dimension = z.object({ Name: z.string().min(1), Value: z.string().min(1) });
const Query = z.object({
  Id: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,254}$/, 'must start with a lower-case letter'),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string().min(1),
        MetricName: z.string().min(1),
        Dimensions: z.array(Dimension).max(30).default([]),
      }),
      Period: z.number().int().positive(),
      Stat: z.string().min(1),
      Unit: z.string().optional(),
    })
    .optional(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
});
const GetMetricData = z.object({
  MetricDataQueries: z.array(Query).min(1).max(500),
  StartTime: z.number(),
  EndTime: z.number(),
  NextToken: z.string().optional(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
  MaxDatapoints: z.number().int().positive().optional(),
});

/** TargetResponseTime statistics the simulation can answer, as a share of its p99. */
const STATISTIC_FACTORS: Record<string, number> = { Average: 0.35, p50: 0.25, p90: 0.5, p99: 1 };

/** Periods CloudWatch accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60 seconds. */
const HIGH_RESOLUTION = new Set([1, 5, 10, 30]);

/**
 * Serves CloudWatch's GetMetricData for the `AWS/ApplicationELB` metrics an analysis reads, from the
 * sandbox's traffic simulation: RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime (Sum,
 * Average, pNN) by LoadBalancer and TargetGroup, HTTPCode_ELB_5XX_Count by LoadBalancer. As on AWS, a
 * count is reported only for periods where it is nonzero, TargetResponseTime only where there were
 * requests, and nothing for periods that end within the publication lag (`world.cloudwatch`).
 */
export function runCloudWatch(world: World, target: string | undefined, raw: string): CloudWatchReply {
  const operation = target?.startsWith(CLOUDWATCH_TARGET_PREFIX)
    ? target.slice(CLOUDWATCH_TARGET_PREFIX.length)
    : undefined;
  if (operation !== 'GetMetricData') {
    return cloudWatchError(
      400,
      'InvalidAction',
      'InvalidAction',
      `The sandbox serves CloudWatch GetMetricData only, not ${operation ?? target ?? 'an unnamed operation'}.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw || '{}');
  } catch {
    return cloudWatchError(400, 'SerializationException', 'SerializationException', 'Malformed JSON body.');
  }
  const parsed = GetMetricData.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return cloudWatchError(
      400,
      'InvalidParameterValueException',
      'InvalidParameterValue',
      `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const request = parsed.data;
  if (request.StartTime >= request.EndTime) {
    return cloudWatchError(
      400,
      'InvalidParameterValueException',
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  }
  const results: unknown[] = [];
  for (const query of request.MetricDataQueries) {
    if (!query.MetricStat) {
      return cloudWatchError(
        400,
        'InvalidParameterValueException',
        'InvalidParameterValue',
        `Query ${query.Id}: the sandbox evaluates MetricStat queries, not metric math expressions.`,
      );
    }
    const period = query.MetricStat.Period;
    if (!HIGH_RESOLUTION.has(period) && period % 60 !== 0) {
      return cloudWatchError(
        400,
        'InvalidParameterValueException',
        'InvalidParameterValue',
        `Query ${query.Id}: the Period must be 1, 5, 10, 30 or a multiple of 60 seconds.`,
      );
    }
    if (query.ReturnData === false) continue;
    const points = datapoints(world, query.MetricStat, request.StartTime * 1000, request.EndTime * 1000);
    if (request.ScanBy !== 'TimestampAscending') points.reverse();
    results.push({
      Id: query.Id,
      Label: query.Label ?? query.MetricStat.Metric.MetricName,
      Timestamps: points.map((p) => p.at / 1000),
      Values: points.map((p) => p.value),
      StatusCode: 'Complete',
    });
  }
  return { status: 200, body: { MetricDataResults: results, Messages: [] } };
}

type MetricStat = NonNullable<z.infer<typeof Query>['MetricStat']>;

/** The datapoints of one query, oldest first. An unknown metric or dimension has none, as on AWS. */
function datapoints(
  world: World,
  stat: MetricStat,
  fromMs: number,
  toMs: number,
): Array<{ at: number; value: number }> {
  if (stat.Metric.Namespace !== 'AWS/ApplicationELB') return [];
  const dims = new Map(stat.Metric.Dimensions.map((d) => [d.Name, d.Value]));
  const lb = dims.get('LoadBalancer');
  const tg = dims.get('TargetGroup');
  if (!lb || dims.size > (tg ? 2 : 1)) return [];
  const periodMs = stat.Period * 1000;
  const publishedTo = world.clock.now() - world.cloudwatch.publicationLagSeconds * 1000;
  const until = Math.min(toMs, Math.floor(publishedTo / periodMs) * periodMs);
  const colours: Array<{ route: SimRoute; colour: ColourName }> = [];
  for (const route of world.routes) {
    if (loadBalancerDimension(route.routeArn) !== lb) continue;
    for (const colour of ['blue', 'green'] as const) {
      if (!tg || targetGroupDimension(route[colour]) === tg) colours.push({ route, colour });
    }
  }
  const merged = new Map<number, PeriodFigures[]>();
  for (const { route, colour } of colours) {
    for (const p of world.traffic.periods(route.env, route.service, colour, fromMs, until, periodMs)) {
      merged.set(p.startMs, [...(merged.get(p.startMs) ?? []), p]);
    }
  }
  const out: Array<{ at: number; value: number }> = [];
  for (const [at, parts] of [...merged.entries()].sort(([a], [b]) => a - b)) {
    const value = valueOf(stat.Metric.MetricName, stat.Stat, parts, tg !== undefined);
    if (value !== undefined) out.push({ at, value });
  }
  return out;
}

/** One period's value of `metric` with `statistic`; undefined where AWS reports nothing. */
function valueOf(
  metric: string,
  statistic: string,
  parts: PeriodFigures[],
  byTargetGroup: boolean,
): number | undefined {
  const sum = (pick: (p: PeriodFigures) => number) => parts.reduce((total, p) => total + pick(p), 0);
  // Requests the load balancer answered itself never reached a target group's targets.
  const served = sum((p) => p.requests - p.elbErrors);
  const count = (n: number) => (n > 0 && statistic === 'Sum' ? n : undefined);
  switch (metric) {
    case 'RequestCount':
      return count(byTargetGroup ? served : sum((p) => p.requests));
    case 'HTTPCode_Target_5XX_Count':
      return count(sum((p) => p.targetErrors));
    case 'HTTPCode_ELB_5XX_Count':
      return byTargetGroup ? undefined : count(sum((p) => p.elbErrors));
    case 'TargetResponseTime': {
      if (served === 0) return undefined;
      const weighted = sum((p) => (p.p99Ms ?? 0) * (p.requests - p.elbErrors)) / served;
      // The simulated latency distribution (see Traffic): median at a quarter of the p99, p90 at half.
      const factor = STATISTIC_FACTORS[statistic];
      return factor === undefined ? undefined : (weighted * factor) / 1000;
    }
    default:
      return undefined;
  }
}
