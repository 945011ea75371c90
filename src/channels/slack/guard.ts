import type { IncomingHttpHeaders } from 'node:http';

export interface RequestGuardOptions {
  /** Largest distance between a request's timestamp and now, either way (Slack's rule: 5 minutes). */
  toleranceSeconds?: number;
  /** Signatures remembered to refuse replays; the oldest are forgotten first. */
  remember?: number;
  now?: () => number;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks that Bolt leaves to the application, made on the headers before Bolt reads the body: a
 * timestamp too far in the future is refused (Bolt only refuses old ones), and so is a request whose
 * signature was already seen within the tolerance window (a replay: same timestamp, same body). Bolt then
 * verifies the signature itself; a forged one is refused there with 401.
 */
export class SlackRequestGuard {
  private readonly toleranceMs: number;
  private readonly remember: number;
  private readonly now: () => number;
  /** Signature → when it stops mattering (its timestamp + tolerance); insertion ordered. */
  private readonly seen = new Map<string, number>();

  constructor(options: RequestGuardOptions = {}) {
    this.toleranceMs = (options.toleranceSeconds ?? 300) * 1000;
    this.remember = options.remember ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  check(headers: IncomingHttpHeaders): GuardVerdict {
    const timestamp = single(headers['x-slack-request-timestamp']);
    const signature = single(headers['x-slack-signature']);
    if (!timestamp || !signature) return { ok: false, reason: 'missing Slack signature headers' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed request timestamp' };
    const now = this.now();
    const at = Number(timestamp) * 1000;
    if (Math.abs(now - at) > this.toleranceMs) return { ok: false, reason: 'request timestamp out of range' };
    this.forgetExpired(now);
    if (this.seen.has(signature)) return { ok: false, reason: 'replayed request' };
    this.seen.set(signature, at + this.toleranceMs);
    if (this.seen.size > this.remember) this.seen.delete(this.seen.keys().next().value!);
    return { ok: true };
  }

  private forgetExpired(now: number): void {
    // Entries are in arrival order, which is close to timestamp order: stop at the first live one.
    for (const [signature, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(signature);
    }
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
