import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf } from '../../src/config.js';
import { PrometheusMetrics } from '../../src/platform/metrics/prometheus.js';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';

// The Prometheus provider against a real Prometheus server that scrapes the sandbox's /metrics every
// second: the PromQL Jarvis sends is evaluated by Prometheus itself, on real samples.

const SELECTOR = 'env="{{env}}",service="{{service}}",colour="{{colour}}"';
const QUERIES = {
  requests: `sum(increase(sandbox_http_requests_total{${SELECTOR}}[{{window}}]))`,
  errors: `sum(increase(sandbox_http_request_errors_total{${SELECTOR}}[{{window}}]))`,
  p99Seconds: `histogram_quantile(0.99, sum by (le) (rate(sandbox_http_request_duration_seconds_bucket{${SELECTOR}}[{{window}}])))`,
};

/** Samples Prometheus holds of prd's blue request counter over the last 10 s. */
async function samples(url: string): Promise<number> {
  const q = 'count_over_time(sandbox_http_requests_total{env="prd",service="checkout",colour="blue"}[10s])';
  const answer = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data?: { result?: Array<{ value: [number, string] }> };
  };
  return Number(answer.data?.result?.[0]?.value[1] ?? 0);
}

describe('Prometheus provider against a real Prometheus scraping the sandbox', () => {
  let sandbox: Sandbox;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    // Real time: Prometheus stamps samples with its own clock.
    sandbox = await startSandbox({ timeScale: 1 });
    prometheus = await startPrometheus(new URL(sandbox.awsEndpoint).host);
    // Enough scrapes for a 5 s window: Prometheus's first scrape comes a few seconds after its start.
    for (let i = 0; i < 300 && (await samples(prometheus.url)) < 7; i++) await delay(100);
  }, 60_000);
  afterAll(async () => {
    await prometheus?.close();
    await sandbox?.close();
  });

  const query = (colour: 'blue' | 'green') => ({
    env: 'prd',
    service: 'checkout',
    colour,
    targetGroupArn: environmentOf(sandbox.config, 'prd').services.checkout![colour].targetGroupArn,
    windowSeconds: 5,
  });

  it('reads the live colour’s requests and p99 from the scraped series', async () => {
    const figures = await new PrometheusMetrics(prometheus.url, QUERIES).window(query('blue'));

    // 200 requests per second for 5 s, the seeded version's p99 (tens of milliseconds).
    expect(figures.requests).toBeGreaterThan(500);
    expect(figures.requests).toBeLessThan(1500);
    expect(figures.errorRate).toBeLessThan(0.01);
    expect(figures.p99Ms).toBeGreaterThan(10);
    expect(figures.p99Ms).toBeLessThan(1000);
  });

  it('reads the standby colour, which Prometheus has no series for, as no traffic', async () => {
    const figures = await new PrometheusMetrics(prometheus.url, QUERIES).window(query('green'));

    expect(figures).toMatchObject({ requests: 0, errors: 0, errorRate: 0, p99Ms: undefined });
  });

  it('reports PromQL that Prometheus refuses as UPSTREAM with its parse error', async () => {
    const broken = { ...QUERIES, requests: 'sum(increase(sandbox_http_requests_total{[{{window}}]))' };

    const err = await new PrometheusMetrics(prometheus.url, broken)
      .window(query('blue'))
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'UPSTREAM' });
    expect((err as Error).message).toMatch(/parse error/);
  });
});
