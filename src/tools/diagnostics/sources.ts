import { isJarvisError, messageOf } from '../../errors.js';
import { DeadlinePassed } from './deadline.js';

/** The sources a diagnosis reads; each one that fails is named in the headline. */
export type SourceName = 'Kubernetes API' | 'EKS API' | 'ELBv2 API' | 'metrics' | 'store';

/** One read that failed: from which source, what it was, and why in a few words. */
export interface Unreadable {
  source: SourceName;
  /** What was being read: `ALB weights`, `pods of checkout-green`... */
  what: string;
  /** `connection refused`, `throttled`, `unavailable (503)`, `no answer within 2.5 s`... */
  reason: string;
}

/**
 * The source that actually failed. The Kubernetes clients are built from EKS DescribeCluster, so a
 * Kubernetes read can fail in EKS; the adapters' messages name the service first.
 */
export function sourceOf(err: unknown, expected: SourceName): SourceName {
  const message = messageOf(err);
  if (/^EKS\b/.test(message)) return 'EKS API';
  if (/^ELBv2\b/.test(message)) return 'ELBv2 API';
  if (/^Kubernetes\b/.test(message)) return 'Kubernetes API';
  return expected;
}

/** A few words on why a read failed, from its error code and the upstream's message. */
export function reasonOf(err: unknown): string {
  if (err instanceof DeadlinePassed) return err.message;
  const message = messageOf(err);
  if (/ECONNREFUSED|connection refused/i.test(message)) return 'connection refused';
  if (/ECONNRESET|socket hang up/i.test(message)) return 'connection reset';
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'host not found';
  if (isJarvisError(err, 'THROTTLED') || /throttl|too many requests/i.test(message)) return 'throttled';
  if (/unable to handle the request|\b503\b/i.test(message)) return 'unavailable (503)';
  if (isJarvisError(err, 'TIMEOUT') || /timed? ?out/i.test(message)) return 'timed out';
  if (isJarvisError(err, 'FORBIDDEN')) return 'access denied';
  if (isJarvisError(err, 'NOT_FOUND')) return 'not found';
  if (isJarvisError(err, 'UNAVAILABLE')) return 'unreachable';
  if (isJarvisError(err))
    return `${err.code.toLowerCase().replace('_', ' ')}${err.details.upstream ? ` (${err.details.upstream})` : ''}`;
  return 'failed';
}

/**
 * `the Kubernetes API (unavailable (503)) and the ELBv2 API (throttled)`: the failed sources, once
 * each, with their reasons.
 */
export function describeUnreadable(list: readonly Unreadable[]): string {
  const bySource = new Map<SourceName, Set<string>>();
  for (const u of list) bySource.set(u.source, (bySource.get(u.source) ?? new Set()).add(u.reason));
  const parts = [...bySource.entries()].map(
    ([source, reasons]) => `the ${source} (${[...reasons].join(', ')})`,
  );
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
