import { JarvisError, messageOf } from '../../errors.js';
import type { ColourFigures, ColourQuery, MetricsProvider } from './provider.js';

export interface PromQueries {
  requests: string;
  errors: string;
  p99Seconds: string;
}

interface PromResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/**
 * Per-colour figures from a Prometheus-compatible HTTP API (`/api/v1/query`), with PromQL templates from
 * configuration. An empty result means no traffic (0 requests), not an error.
 */
export class PrometheusMetrics implements MetricsProvider {
  readonly name = 'prometheus';

  constructor(
    private readonly baseUrl: string,
    private readonly queries: PromQueries,
    private readonly timeoutMs = 5000,
  ) {}

  async window(q: ColourQuery): Promise<ColourFigures> {
    const [requests, errors, p99] = await Promise.all([
      this.scalar(this.render(this.queries.requests, q), q),
      this.scalar(this.render(this.queries.errors, q), q),
      this.scalar(this.render(this.queries.p99Seconds, q), q),
    ]);
    const total = requests ?? 0;
    const failed = Math.min(errors ?? 0, total);
    return {
      requests: Math.round(total),
      errors: Math.round(failed),
      errorRate: total > 0 ? failed / total : 0,
      p99Ms: total > 0 && p99 !== undefined ? p99 * 1000 : undefined,
    };
  }

  /** Fills a template; values are escaped for use inside PromQL double-quoted label matchers. */
  render(template: string, q: ColourQuery): string {
    const values: Record<string, string> = {
      env: q.env,
      service: q.service,
      colour: q.colour,
      targetGroup: q.targetGroupArn,
      window: `${Math.max(1, Math.round(q.windowSeconds))}s`,
    };
    return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
      const value = values[key];
      return value === undefined ? whole : value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    });
  }

  private async scalar(promql: string, q: ColourQuery): Promise<number | undefined> {
    const url = new URL('/api/v1/query', this.baseUrl);
    const resource = `${q.env}/${q.service}/${q.colour}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          query: promql,
          ...(q.endsAt === undefined ? {} : { time: (q.endsAt / 1000).toFixed(3) }),
        }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new JarvisError('UNAVAILABLE', `Prometheus at ${url.origin} did not answer: ${messageOf(err)}.`, {
        resource,
      });
    }
    const body = (await res.json().catch(() => undefined)) as PromResponse | undefined;
    if (!res.ok || body?.status !== 'success' || !body.data) {
      throw new JarvisError(
        'UPSTREAM',
        `Prometheus refused the query ${promql}: ${body?.error ?? `HTTP ${res.status}`}. Check the metrics.prometheus.queries templates.`,
        { resource, upstream: body?.errorType ?? String(res.status) },
      );
    }
    if (body.data.resultType !== 'vector' || body.data.result.length > 1) {
      throw new JarvisError(
        'UPSTREAM',
        `Prometheus query ${promql} must return one sample, got ${body.data.result.length} (${body.data.resultType}). Aggregate it with sum().`,
        { resource },
      );
    }
    const sample = body.data.result[0];
    if (!sample) return undefined;
    const value = Number(sample.value[1]);
    return Number.isFinite(value) ? value : undefined;
  }
}
