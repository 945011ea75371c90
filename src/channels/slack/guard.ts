import type { IncomingHttpHeaders } from 'node:http';

export interface RequestGuardOptions {
  /** Largest distance between a request's timestamp and now, either way (Slack's rule: 5 minutes). */
  toleranceSeconds?: number;
  now?: () => number;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A check that Bolt leaves to the application, made on the headers before Bolt reads the body: a
 * timestamp too far in the future is refused (Bolt only refuses old ones). Bolt then verifies the
 * signature itself (401 for a forged one), and the receiver refuses replays through the store's replay
 * memory, which outlives the process (see EventsReceiver's `claim`).
 */
export class SlackRequestGuard {
  private readonly toleranceMs: number;
  private readonly now: () => number;

  constructor(options: RequestGuardOptions = {}) {
    this.toleranceMs = (options.toleranceSeconds ?? 300) * 1000;
    this.now = options.now ?? Date.now;
  }

  check(headers: IncomingHttpHeaders): GuardVerdict {
    const timestamp = single(headers['x-slack-request-timestamp']);
    const signature = single(headers['x-slack-signature']);
    if (!timestamp || !signature) return { ok: false, reason: 'missing Slack signature headers' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed request timestamp' };
    const at = Number(timestamp) * 1000;
    if (Math.abs(this.now() - at) > this.toleranceMs) {
      return { ok: false, reason: 'request timestamp out of range' };
    }
    return { ok: true };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
