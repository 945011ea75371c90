import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/platform/metrics/prometheus.js';
import { SandboxMetrics } from '../../src/platform/metrics/sandbox.js';
import { startSandbox, type Sandbox } from '@jarvis/sandbox';

const QUERIES = {
  requests: 'sum(increase(http_requests_total{service="{{service}}",colour="{{colour}}"}[{{window}}]))',
  errors:
    'sum(increase(http_requests_total{service="{{service}}",colour="{{colour}}",code=~"5.."}[{{window}}]))',
  p99Seconds:
    'histogram_quantile(0.99, sum by (le) (rate(latency_bucket{tg="{{targetGroup}}"}[{{window}}])))',
};
const QUERY = {
  env: 'prd',
  service: 'checkout',
  colour: 'green' as const,
  targetGroupArn: 'arn:tg/"x"',
  windowSeconds: 30,
};

/** A Prometheus HTTP API stand-in at the process boundary: records queries, answers from a table. */
async function fakePrometheus(
  answer: (query: string) => { status: number; body: unknown },
): Promise<{ url: string; queries: string[]; server: Server }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(raw);
      const query = form.get('query') ?? '';
      queries.push(form.has('time') ? `${query} @ ${form.get('time')}` : query);
      const { status, body } = answer(query);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, server };
}

const vector = (value: string | undefined) => ({
  status: 200,
  body: {
    status: 'success',
    data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [1, value] }] },
  },
});

describe('Prometheus metrics provider', () => {
  it('fills the templates, escapes label values and turns the three samples into figures', async () => {
    const prom = await fakePrometheus((q) =>
      vector(q.includes('5..') ? '12' : q.startsWith('histogram') ? '0.25' : '600'),
    );
    try {
      const figures = await new PrometheusMetrics(prom.url, QUERIES).window(QUERY);

      expect(figures).toEqual({ requests: 600, errors: 12, errorRate: 0.02, p99Ms: 250 });
      expect(prom.queries).toContain(
        'sum(increase(http_requests_total{service="checkout",colour="green"}[30s]))',
      );
      expect(prom.queries).toContain(
        'histogram_quantile(0.99, sum by (le) (rate(latency_bucket{tg="arn:tg/\\"x\\""}[30s])))',
      );
    } finally {
      prom.server.close();
    }
  });

  it('evaluates a window of the past at its end time', async () => {
    const prom = await fakePrometheus(() => vector('600'));
    try {
      await new PrometheusMetrics(prom.url, QUERIES).window({ ...QUERY, endsAt: 1_700_000_000_500 });

      expect(prom.queries).toContain(
        'sum(increase(http_requests_total{service="checkout",colour="green"}[30s])) @ 1700000000.500',
      );
    } finally {
      prom.server.close();
    }
  });

  it('reads an empty result as no traffic, not as an error', async () => {
    const prom = await fakePrometheus(() => vector(undefined));
    try {
      expect(await new PrometheusMetrics(prom.url, QUERIES).window(QUERY)).toEqual({
        requests: 0,
        errors: 0,
        errorRate: 0,
        p99Ms: undefined,
      });
    } finally {
      prom.server.close();
    }
  });

  it('reports a refused query as UPSTREAM naming the query, and an unreachable server as UNAVAILABLE', async () => {
    const prom = await fakePrometheus(() => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
    }));
    try {
      const err = await new PrometheusMetrics(prom.url, QUERIES).window(QUERY).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UPSTREAM' });
      expect((err as Error).message).toContain('parse error at char 5');
    } finally {
      prom.server.close();
    }
    await expect(
      new PrometheusMetrics('http://127.0.0.1:9', QUERIES, 500).window(QUERY),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('sandbox metrics provider', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 100 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('reports the stable colour serving all traffic and the standby none', async () => {
    await sandbox.clock.sleep(30_000);
    const metrics = new SandboxMetrics(sandbox.awsEndpoint);

    const blue = await metrics.window({ ...QUERY, env: 'dev', colour: 'blue', windowSeconds: 20 });
    const green = await metrics.window({ ...QUERY, env: 'dev', colour: 'green', windowSeconds: 20 });

    expect(blue.requests).toBeGreaterThan(3000);
    expect(blue.errorRate).toBeLessThan(0.01);
    expect(blue.p99Ms).toBeGreaterThan(50);
    expect(green).toEqual({ requests: 0, errors: 0, errorRate: 0, p99Ms: undefined });
  });

  it('answers a window of the past: the blue colour before green took the traffic', async () => {
    // Arrange: 20 s of blue serving alone, then every request to green.
    const metrics = new SandboxMetrics(sandbox.awsEndpoint);
    await sandbox.clock.sleep(20_000);
    const switched = sandbox.clock.now();
    const world = sandbox.world;
    const route = world.route('tst', 'checkout')!;
    world.writeForward(route.routeArn, [
      { TargetGroupArn: route.blue, Weight: 0 },
      { TargetGroupArn: route.green, Weight: 100 },
    ]);
    await sandbox.clock.sleep(20_000);
    // Act
    const before = await metrics.window({
      ...QUERY,
      env: 'tst',
      colour: 'blue',
      windowSeconds: 15,
      endsAt: switched,
    });
    const now = await metrics.window({ ...QUERY, env: 'tst', colour: 'blue', windowSeconds: 15 });
    // Assert
    expect(before.requests).toBeGreaterThan(1000);
    expect(now.requests).toBe(0);
  });

  it('exposes the same figures in Prometheus text format at /metrics', async () => {
    const text = await (await fetch(`${sandbox.awsEndpoint}/metrics`)).text();

    expect(text).toContain('# TYPE sandbox_http_requests_total counter');
    expect(text).toMatch(
      /sandbox_http_requests_total\{env="dev",service="checkout",colour="blue",version="1\.2\.0"\} \d+/,
    );
    expect(text).toMatch(
      /sandbox_http_request_duration_seconds_bucket\{env="prd",service="checkout",colour="blue",version="1\.2\.0",le="\+Inf"\} \d+/,
    );
    expect(text).toContain('sandbox_target_group_weight{env="prd",service="checkout",colour="blue"} 100');
  });
});
