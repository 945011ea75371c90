import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { Clock } from '../clock.js';
import { JarvisError, messageOf, type ErrorCode } from '../errors.js';

/** How calls to the Kubernetes API are retried and bounded. */
export interface KubeCallPolicy {
  clock: Clock;
  /** Retries after the first attempt, for 429, 5xx and connection failures. */
  retries: number;
  /** First back-off in clock milliseconds, doubled per retry (capped at 10 s); Retry-After wins. */
  retryBaseMs: number;
  /** Real milliseconds one HTTP exchange may take before it counts as a connection failure. */
  requestTimeoutMs: number;
}

/** What a failed call was about, for messages: `get`, `shop/deployment/checkout-blue`. */
export interface KubeCallTarget {
  op: string;
  resource: string;
}

interface Classified {
  code: ErrorCode;
  retry: boolean;
  status: number | undefined;
  reason: string | undefined;
  message: string;
  retryAfterMs: number | undefined;
}

/**
 * Runs one API call under `policy`: throttling (429), server errors (5xx) and connection failures are
 * retried with exponential back-off on the injected clock, honouring Retry-After; every failure ends as
 * a JarvisError naming the resource: NOT_FOUND (404), CONFLICT (409, 410), INVALID_INPUT (400, 422),
 * FORBIDDEN (401, 403), THROTTLED (429), UNAVAILABLE (503, connection failures, timeouts) or UPSTREAM.
 */
export async function callKube<T>(
  target: KubeCallTarget,
  policy: KubeCallPolicy,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTimeout(fn(), policy.requestTimeoutMs);
    } catch (err) {
      if (err instanceof JarvisError) throw err;
      const c = classify(err);
      if (!c.retry || attempt >= policy.retries) throw toJarvisError(target, c, attempt, err);
      const backoff = Math.min(policy.retryBaseMs * 2 ** attempt, 10_000);
      await policy.clock.sleep(c.retryAfterMs ?? backoff);
    }
  }
}

class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

/** Bounds a request in real time: a network exchange does not speed up with a scaled clock. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function classify(err: unknown): Classified {
  if (err instanceof ApiException) {
    const status = (err as ApiException<unknown>).code;
    const { message, reason } = statusOf((err as ApiException<unknown>).body);
    const headers = (err as ApiException<unknown>).headers ?? {};
    const retryAfter = Number(headers['retry-after']);
    const retryAfterMs =
      Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter, 30) * 1000 : undefined;
    const base = { status, reason, message: message ?? `HTTP ${status}`, retryAfterMs };
    if (status === 404) return { ...base, code: 'NOT_FOUND', retry: false };
    if (status === 409 || status === 410) return { ...base, code: 'CONFLICT', retry: false };
    if (status === 400 || status === 422) return { ...base, code: 'INVALID_INPUT', retry: false };
    if (status === 401 || status === 403) return { ...base, code: 'FORBIDDEN', retry: false };
    if (status === 429) return { ...base, code: 'THROTTLED', retry: true };
    if (status === 503) return { ...base, code: 'UNAVAILABLE', retry: true };
    if (status >= 500) return { ...base, code: 'UPSTREAM', retry: true };
    return { ...base, code: 'UPSTREAM', retry: false };
  }
  // undici reports network failures as TypeError('fetch failed') with the socket error as cause.
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const message = cause?.message ? `${messageOf(err)}: ${cause.message}` : messageOf(err);
  const tls = cause?.code !== undefined && /CERT|SELF_SIGNED|TLS|SSL/.test(cause.code);
  return {
    code: 'UNAVAILABLE',
    retry: !tls,
    status: undefined,
    reason: cause?.code,
    message,
    retryAfterMs: undefined,
  };
}

/** The message and reason of a Status body (client-node hands it over as text). */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const s = parsed as { message?: unknown; reason?: unknown };
  return {
    ...(typeof s.message === 'string' ? { message: s.message } : {}),
    ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
  };
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Check the namespace and name in the configuration.',
  CONFLICT: 'It changed meanwhile: read it again and retry.',
  FORBIDDEN: 'The cluster refused the credentials: check the EKS token and the IAM identity mapping.',
  THROTTLED: 'The API server keeps throttling: retry later.',
  UNAVAILABLE: 'The cluster API cannot be reached: check the endpoint, network and cluster status.',
  UPSTREAM: 'The cluster API failed: retry later.',
};

function toJarvisError(target: KubeCallTarget, c: Classified, retries: number, cause: unknown): JarvisError {
  const upstream =
    c.status === undefined ? (c.reason ?? 'network') : `${c.status}${c.reason ? ` ${c.reason}` : ''}`;
  const after = retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
  const what =
    c.code === 'NOT_FOUND'
      ? `${target.resource} not found`
      : `Kubernetes ${target.op} of ${target.resource} failed${after}`;
  const hint = HINTS[c.code];
  return new JarvisError(
    c.code,
    `${what}: ${c.message.replace(/\.$/, '')}.${hint ? ` ${hint}` : ''}`,
    { resource: target.resource, upstream },
    { cause },
  );
}

/**
 * Lists page by page (`limit` + continue token) up to `max` items; `truncated` says more exist. Restarts
 * once from the top when a continue token has expired (410), as clients of the API are told to.
 */
export async function pagedList<T>(
  resource: string,
  policy: KubeCallPolicy,
  opts: { pageSize?: number | undefined; max?: number | undefined },
  page: (limit: number, token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<{ items: T[]; truncated: boolean }> {
  const pageSize = Math.max(1, opts.pageSize ?? 500);
  const max = Math.max(1, opts.max ?? 10_000);
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        const limit = Math.min(pageSize, max - items.length);
        const got = await callKube({ op: 'list', resource }, policy, () => page(limit, token));
        items.push(...got.items);
        token = got.next || undefined;
        if (items.length >= max)
          return { items: items.slice(0, max), truncated: token !== undefined || items.length > max };
      } while (token !== undefined);
      return { items, truncated: false };
    } catch (err) {
      const expired =
        err instanceof JarvisError && err.code === 'CONFLICT' && err.details.upstream?.startsWith('410');
      if (!expired || restarts > 0) throw err;
    }
  }
}
