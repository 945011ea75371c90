import { JarvisError, messageOf } from '../../errors.js';
import type { ColourFigures, ColourQuery, MetricsProvider } from './provider.js';

/** Reads per-colour figures from the sandbox's control API (`GET /sandbox/window`). */
export class SandboxMetrics implements MetricsProvider {
  readonly name = 'sandbox';

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  async window(q: ColourQuery): Promise<ColourFigures> {
    const url = new URL('/sandbox/window', this.baseUrl);
    url.search = new URLSearchParams({
      env: q.env,
      service: q.service,
      colour: q.colour,
      seconds: String(q.windowSeconds),
      ...(q.endsAt === undefined ? {} : { until: String(Math.round(q.endsAt)) }),
    }).toString();
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new JarvisError(
        'UNAVAILABLE',
        `Sandbox metrics at ${url.origin} did not answer: ${messageOf(err)}.`,
        {
          resource: `${q.env}/${q.service}/${q.colour}`,
        },
      );
    }
    if (!res.ok) {
      throw new JarvisError('UPSTREAM', `Sandbox metrics answered ${res.status}: ${await res.text()}`, {
        resource: `${q.env}/${q.service}/${q.colour}`,
        upstream: String(res.status),
      });
    }
    const body = (await res.json()) as {
      requests: number;
      errors: number;
      errorRate: number;
      p99Ms: number;
      elb5xx?: number;
    };
    return {
      requests: body.requests,
      errors: body.errors,
      errorRate: body.errorRate,
      p99Ms: body.requests > 0 ? body.p99Ms : undefined,
      ...(body.elb5xx !== undefined && body.elb5xx > 0 ? { elb5xx: body.elb5xx } : {}),
    };
  }
}
