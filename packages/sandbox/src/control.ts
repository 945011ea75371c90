import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SandboxApi } from './faults.js';
import { LATENCY_BUCKETS, type ColourName } from './traffic.js';
import { versionOfPods, type World } from './world.js';

/**
 * The sandbox's own control API and its Prometheus exposition, beside the AWS endpoint:
 *
 *   GET    /metrics                                   per-colour requests, errors and latency (text format 0.0.4)
 *   GET    /sandbox/state                             routes, weights, versions and pod readiness
 *   GET    /sandbox/window?env&service&colour&seconds[&until] one colour's figures over a window (JSON)
 *   PUT    /sandbox/faults/{elbv2|eks|kube|cloudwatch|ecr|github} inject faults: { throttle, serverErrors, latencyMs, down }
 *   DELETE /sandbox/faults                            clear every fault
 *   PUT    /sandbox/versions/{tag}                    override a version's behaviour
 *   PUT    /sandbox/traffic                           { rps }: requests per second per route
 *   PUT    /sandbox/cloudwatch                        { publicationLagSeconds }: CloudWatch's lag (simulated s)
 */
export function handleControl(world: World, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  readBody(req)
    .then((body) => route(world, method, url, body))
    .then(
      ({ status, body, type }) => send(res, status, body, type),
      (err: unknown) => send(res, 400, { error: err instanceof Error ? err.message : String(err) }),
    );
}

interface Reply {
  status: number;
  body: unknown;
  type?: string;
}

const FaultBody = z
  .object({
    throttle: z.number().int().min(0).optional(),
    serverErrors: z.number().int().min(0).optional(),
    latencyMs: z.number().min(0).max(60_000).optional(),
    down: z.boolean().optional(),
  })
  .strict();

const VersionBody = z
  .object({
    behaviour: z.enum([
      'good',
      'high-error-rate',
      'slow',
      'crash-loop',
      'image-missing',
      'oom-killed',
      'readiness-fails',
      'unschedulable',
    ]),
    errorRate: z.number().min(0).max(1),
    p99Ms: z.number().min(0),
    readySeconds: z.number().min(0),
  })
  .strict();

function route(world: World, method: string, url: URL, raw: string): Reply {
  const path = url.pathname;
  if (method === 'GET' && path === '/metrics') {
    return { status: 200, body: prometheusText(world), type: 'text/plain; version=0.0.4; charset=utf-8' };
  }
  if (method === 'GET' && path === '/sandbox/state') return { status: 200, body: state(world) };
  if (method === 'GET' && path === '/sandbox/window') {
    const q = z
      .object({
        env: z.string(),
        service: z.string(),
        colour: z.enum(['blue', 'green']),
        seconds: z.coerce.number().positive(),
        until: z.coerce.number().int().positive().optional(),
      })
      .parse(Object.fromEntries(url.searchParams));
    if (!world.route(q.env, q.service))
      return { status: 404, body: { error: `no service ${q.env}/${q.service}` } };
    return { status: 200, body: world.traffic.window(q.env, q.service, q.colour, q.seconds * 1000, q.until) };
  }
  const fault = /^\/sandbox\/faults\/(elbv2|eks|kube|cloudwatch|ecr|github)$/.exec(path);
  if (method === 'PUT' && fault) {
    world.faults.set(fault[1] as SandboxApi, FaultBody.parse(json(raw)));
    return { status: 204, body: undefined };
  }
  if (method === 'DELETE' && path === '/sandbox/faults') {
    world.faults.clear();
    return { status: 204, body: undefined };
  }
  const version = /^\/sandbox\/versions\/([A-Za-z0-9._-]+)$/.exec(path);
  if (method === 'PUT' && version) {
    world.versionOverrides.set(version[1]!, VersionBody.parse(json(raw)));
    return { status: 204, body: undefined };
  }
  if (method === 'PUT' && path === '/sandbox/traffic') {
    world.traffic.settle();
    world.traffic.rps = z
      .object({ rps: z.number().min(0).max(100_000) })
      .strict()
      .parse(json(raw)).rps;
    return { status: 204, body: undefined };
  }
  if (method === 'PUT' && path === '/sandbox/cloudwatch') {
    world.cloudwatch.publicationLagSeconds = z
      .object({ publicationLagSeconds: z.number().min(0).max(3600) })
      .strict()
      .parse(json(raw)).publicationLagSeconds;
    return { status: 204, body: undefined };
  }
  return { status: 404, body: { error: `no control endpoint ${method} ${path}` } };
}

/** A snapshot for people and tests: per service, the weights and what each colour runs. */
export function state(world: World): unknown {
  world.reconcileControllers();
  return world.routes.map((r) => {
    const forward = world.forwardOf(r.routeArn);
    const colour = (c: ColourName): unknown => {
      const pods = world.podsBehind(r[c]);
      return {
        targetGroupArn: r[c],
        weight: forward.find((g) => g.TargetGroupArn === r[c])?.Weight ?? 0,
        version: versionOfPods(pods) ?? null,
        pods: pods.length,
        ready: pods.filter((p) => p.ready).length,
      };
    };
    return {
      env: r.env,
      service: r.service,
      routeArn: r.routeArn,
      blue: colour('blue'),
      green: colour('green'),
    };
  });
}

/** Prometheus text exposition of the traffic counters and the current weights. */
export function prometheusText(world: World): string {
  const lines: string[] = [];
  const counters = world.traffic.counters();
  const label = (l: Record<string, string>): string =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
      .join(',')}}`;
  lines.push('# HELP sandbox_http_requests_total Requests served by each colour of each service.');
  lines.push('# TYPE sandbox_http_requests_total counter');
  for (const c of counters) {
    lines.push(`sandbox_http_requests_total${label(labelsOf(c))} ${Math.round(c.requests)}`);
  }
  lines.push('# HELP sandbox_http_request_errors_total Requests answered with a 5xx.');
  lines.push('# TYPE sandbox_http_request_errors_total counter');
  for (const c of counters) {
    lines.push(`sandbox_http_request_errors_total${label(labelsOf(c))} ${Math.round(c.errors)}`);
  }
  lines.push('# HELP sandbox_http_request_duration_seconds Request latency.');
  lines.push('# TYPE sandbox_http_request_duration_seconds histogram');
  for (const c of counters) {
    const base = labelsOf(c);
    LATENCY_BUCKETS.forEach((le, i) => {
      lines.push(
        `sandbox_http_request_duration_seconds_bucket${label({ ...base, le: String(le) })} ${Math.round(c.histogram[i] ?? 0)}`,
      );
    });
    lines.push(
      `sandbox_http_request_duration_seconds_bucket${label({ ...base, le: '+Inf' })} ${Math.round(c.requests)}`,
    );
    lines.push(`sandbox_http_request_duration_seconds_sum${label(base)} ${c.latencySumSeconds.toFixed(3)}`);
    lines.push(`sandbox_http_request_duration_seconds_count${label(base)} ${Math.round(c.requests)}`);
  }
  lines.push('# HELP sandbox_target_group_weight Weight of each colour on the ALB forward action.');
  lines.push('# TYPE sandbox_target_group_weight gauge');
  for (const r of world.routes) {
    const forward = world.forwardOf(r.routeArn);
    for (const colour of ['blue', 'green'] as const) {
      const weight = forward.find((g) => g.TargetGroupArn === r[colour])?.Weight ?? 0;
      lines.push(`sandbox_target_group_weight${label({ env: r.env, service: r.service, colour })} ${weight}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function labelsOf(c: {
  env: string;
  service: string;
  colour: string;
  version: string;
}): Record<string, string> {
  return { env: c.env, service: c.service, colour: c.colour, version: c.version };
}

function json(raw: string): unknown {
  return raw.trim() === '' ? {} : JSON.parse(raw);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) {
        reject(new Error('request body over 64 KiB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}
