import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { JarvisError } from '../../src/errors.js';
import { SANDBOX_CREDENTIALS } from '@jarvis/sandbox';

export const REGION = 'eu-west-1';

/**
 * The SDK's retry contract with short, fixed delays: retries what the SDK classifies as throttling,
 * transient or a server error, up to `maxAttempts` in all, and gives up on client errors at once.
 * Tests that inject faults stay fast while the SDK still decides what is retryable.
 */
export function quickRetries(maxAttempts: number, delayMs = 5): RetryStrategyV2 {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => delayMs });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(0)),
    refreshRetryTokenForRetry: (previous: RetryToken, info: RetryErrorInfo) => {
      const next = previous.getRetryCount() + 1;
      if (info.errorType === 'CLIENT_ERROR' || next >= maxAttempts) {
        return Promise.reject(info.error ?? new Error('no more retries'));
      }
      return Promise.resolve(token(next));
    },
    recordSuccess: () => undefined,
  };
}

/** Options every test client shares: the sandbox's endpoint and credentials, quick retries. */
function options(endpoint: string, maxAttempts: number, credentials = SANDBOX_CREDENTIALS) {
  return {
    endpoint,
    region: REGION,
    credentials,
    maxAttempts,
    retryStrategy: quickRetries(maxAttempts),
  };
}

/** A real ELBv2 client pointed at the sandbox. */
export function elbv2Client(
  endpoint: string,
  maxAttempts = 3,
  credentials = SANDBOX_CREDENTIALS,
): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client(options(endpoint, maxAttempts, credentials));
}

/** A real EKS client pointed at the sandbox. */
export function eksClient(endpoint: string, maxAttempts = 3): EKSClient {
  return new EKSClient(options(endpoint, maxAttempts));
}

/** A real CloudWatch client pointed at the sandbox. */
export function cloudwatchClient(
  endpoint: string,
  maxAttempts = 3,
  credentials = SANDBOX_CREDENTIALS,
): CloudWatchClient {
  return new CloudWatchClient(options(endpoint, maxAttempts, credentials));
}

/** The JarvisError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function jarvisFailure(promise: Promise<unknown>): Promise<JarvisError> {
  const err = await rejection(promise);
  if (err instanceof JarvisError) return err;
  throw err;
}

/** Whatever a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Counts the commands a client sends (once per call, whatever the retries), by command name. */
export function countCommands(client: { middlewareStack: ElasticLoadBalancingV2Client['middlewareStack'] }): {
  count(name: string): number;
  reset(): void;
} {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'jarvisTestCommandCounter' },
  );
  return { count: (name) => counts.get(name) ?? 0, reset: () => counts.clear() };
}

/**
 * How a raw test request authenticates: `null` sends no Authorization header, a string is sent as the
 * header as it is, an object is a real SigV4 signature (the sandbox's credentials unless overridden).
 */
export type AuthSpec =
  | null
  | string
  | { accessKeyId?: string; secretAccessKey?: string; service?: string; region?: string; signingDate?: Date };

/**
 * Headers for a raw request to the sandbox, signed with SigV4 as the SDKs sign (`@smithy/signature-v4`)
 * when `auth` is an object. `host` is signed but left out of the result: fetch sets it itself.
 */
export async function authHeaders(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  auth: AuthSpec,
): Promise<Record<string, string>> {
  const headers = { ...(init.headers ?? {}) };
  if (auth === null) return headers;
  if (typeof auth === 'string') return { ...headers, authorization: auth };
  const u = new URL(url);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: auth.accessKeyId ?? SANDBOX_CREDENTIALS.accessKeyId,
      secretAccessKey: auth.secretAccessKey ?? SANDBOX_CREDENTIALS.secretAccessKey,
    },
    region: auth.region ?? REGION,
    service: auth.service ?? 'elasticloadbalancing',
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const signed = await signer.sign(
    {
      method: init.method ?? 'GET',
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: u.pathname,
      query,
      headers: { ...headers, host: u.host },
      ...(init.body !== undefined ? { body: init.body } : {}),
    },
    auth.signingDate ? { signingDate: auth.signingDate } : {},
  );
  const { host: _host, ...rest } = signed.headers;
  return rest;
}
