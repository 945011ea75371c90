import { tagOf, type VersionBehaviour } from '../scenarios.js';
import { hash32, tsNano } from './meta.js';
import { statusOf } from './pod-status.js';
import type { PodRecord } from './state.js';
import { badRequest } from './status.js';

/** The query parameters of the pod log path. */
export interface LogOptions {
  container?: string;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  previous?: boolean;
}

interface Line {
  at: number;
  text: string;
}

/**
 * Credentials a crash-looping version prints before it dies, as real ones sometimes do: diagnoses must
 * never let them reach a person, a model or the audit log (tests look for these exact values).
 */
export const CRASH_LOOP_AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSANDBOXKEY';
export const CRASH_LOOP_BEARER = 'sbx_4f9a8c7e6d5b4a3f2e1d0c9b8a7f6e5d';

/** Lines the kubelet keeps per container before rotating them away. */
const MAX_LINES = 10_000;
const PATHS = ['/api/cart', '/api/checkout', '/api/products', '/api/orders', '/healthz'];

/**
 * The log of a container of a pod, as `GET .../pods/{name}/log` returns it: generated from what the pod's
 * version does (requests served, errors with stack traces, a panic, silence after an OOM kill), so that
 * diagnoses can read realistic text. Some lines carry credentials on purpose, for redaction to catch.
 * Throws a 400 KubeApiError for a container that is unknown or has not started, as the API server does.
 */
export function podLog(rec: PodRecord, now: number, opts: LogOptions): string {
  const pod = rec.pod;
  const names = pod.spec.containers.map((c) => c.name);
  const container = opts.container ?? (names.length === 1 ? names[0]! : undefined);
  if (container === undefined) {
    throw badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  if (pod.spec.nodeName === undefined)
    throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const status = statusOf(pod, container);
  if (rec.runningSince === undefined) {
    const waiting = status.state.waiting?.reason ?? 'ContainerCreating';
    const why =
      waiting === 'ImagePullBackOff' || waiting === 'ErrImagePull'
        ? 'trying and failing to pull image'
        : waiting;
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`);
  }
  // The instance whose log is read: the previous one (it ran from start to end of `lastRun`; once the
  // current instance has ended too, the one before it printed the same lines), or the current one,
  // whose log stops where it ended while it waits to be restarted.
  const last = rec.lastRun;
  let start = rec.runningSince;
  let end = last !== undefined && last.start === start ? last.end : now;
  if (opts.previous) {
    if (status.restartCount === 0 || last === undefined) {
      throw badRequest(
        `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`,
      );
    }
    start = last.start;
    end = last.end;
  }
  const behaviour: VersionBehaviour = container === rec.primary ? rec.profile.behaviour : 'good';
  const version = tagOf(status.image) ?? 'latest';
  const app = pod.metadata.labels?.app ?? pod.metadata.name;
  let lines = generate(behaviour, app, version, pod.metadata.name, start, end, opts.tailLines);
  if (opts.sinceSeconds !== undefined) lines = lines.filter((l) => l.at >= now - opts.sinceSeconds! * 1000);
  if (opts.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
  let text = lines.map((l) => `${opts.timestamps ? `${tsNano(l.at)} ` : ''}${l.text}\n`).join('');
  if (opts.limitBytes !== undefined) text = Buffer.from(text).subarray(0, opts.limitBytes).toString('utf8');
  return text;
}

function generate(
  behaviour: VersionBehaviour,
  app: string,
  version: string,
  pod: string,
  start: number,
  now: number,
  tail: number | undefined,
): Line[] {
  const header: Line[] = [
    { at: start + 10, text: `INFO starting ${app} ${version} (pod ${pod}) listening on :8080` },
    {
      at: start + 40,
      text: `INFO config loaded: DATABASE_URL=postgres://${app}:sandbox-db-password@db.shop.svc:5432/${app}`,
    },
  ];
  switch (behaviour) {
    case 'crash-loop':
      return [
        ...header,
        {
          at: start + 700,
          text: `ERROR crash report upload failed: AccessDenied with AWS_ACCESS_KEY_ID=AKIAJARVISSANDBOX042 aws_secret_access_key=${CRASH_LOOP_AWS_SECRET}`,
        },
        {
          at: start + 800,
          text: `ERROR session refresh failed: POST https://auth.shop.internal/v1/session Authorization: Bearer ${CRASH_LOOP_BEARER}`,
        },
        {
          at: start + 900,
          text: `FATAL cannot connect to database: dial tcp 10.0.3.21:5432: connect: connection refused`,
        },
        { at: start + 950, text: 'panic: runtime error: invalid memory address or nil pointer dereference' },
        { at: start + 951, text: '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b1f2a]' },
        { at: start + 952, text: '' },
        { at: start + 953, text: 'goroutine 1 [running]:' },
        { at: start + 954, text: `main.(*Server).connectStore(0xc000112000)` },
        { at: start + 955, text: `\t/src/cmd/${app}/main.go:57 +0x1a5` },
        { at: start + 956, text: 'main.main()' },
        { at: start + 957, text: `\t/src/cmd/${app}/main.go:31 +0x8c` },
      ].filter((l) => l.at <= now);
    case 'oom-killed':
      return [...header, { at: start + 600, text: `INFO warming product cache (2000000 items)` }].filter(
        (l) => l.at <= now,
      );
    default:
      return [...header.filter((l) => l.at <= now), ...periodic(behaviour, pod, start + 1000, now, tail)];
  }
}

/** The steady part of a log: one happening every couple of seconds since `from`, the last ones first kept. */
function periodic(
  behaviour: VersionBehaviour,
  pod: string,
  from: number,
  now: number,
  tail: number | undefined,
): Line[] {
  const period = behaviour === 'readiness-fails' ? 10_000 : 2_000;
  const ticks = Math.max(0, Math.floor((now - from) / period) + 1);
  const want = Math.min(tail ?? MAX_LINES, MAX_LINES);
  const out: Line[][] = [];
  let count = 0;
  for (let i = ticks - 1; i >= 0 && count < want; i--) {
    const lines = tick(behaviour, pod, i, from + i * period);
    out.push(lines);
    count += lines.length;
  }
  return out.reverse().flat();
}

function tick(behaviour: VersionBehaviour, pod: string, i: number, at: number): Line[] {
  const h = hash32(`${pod}#${i}`);
  const path = PATHS[h % PATHS.length]!;
  const id = (h >>> 4).toString(16).padStart(7, '0');
  const ms = 4 + (h % 40);
  switch (behaviour) {
    case 'readiness-fails':
      return [
        {
          at,
          text: 'ERROR readiness check failed: redis cache.shop.svc:6379: dial tcp 10.0.3.4:6379: connect: connection refused',
        },
        { at: at + 1, text: `INFO GET /healthz 503 2ms request_id=${id}` },
      ];
    case 'high-error-rate':
      if (h % 6 === 0) {
        return [
          {
            at,
            text: `ERROR POST /api/checkout 500 ${ms + 200}ms request_id=${id} error="payment gateway: upstream timeout after 200ms"`,
          },
          {
            at: at + 1,
            text: `ERROR charge failed: POST https://payments.internal/v1/charge with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaGVja291dCJ9.c2FuZGJveC1zaWduYXR1cmU`,
          },
          { at: at + 2, text: '    at PaymentClient.charge (/app/dist/payment/client.js:88:13)' },
          { at: at + 3, text: '    at CheckoutService.placeOrder (/app/dist/checkout/service.js:141:27)' },
        ];
      }
      return [{ at, text: `INFO GET ${path} 200 ${ms}ms request_id=${id}` }];
    case 'slow':
      return [{ at, text: `WARN slow request: GET ${path} 200 ${700 + (h % 400)}ms request_id=${id}` }];
    default:
      return [{ at, text: `INFO GET ${path} 200 ${ms}ms request_id=${id}` }];
  }
}
