import type { ServerResponse } from 'node:http';

export interface AckFirstOptions {
  /**
   * How long no request must have been in flight before work starts, in ms. Default 20: longer than the
   * gaps between the requests of a burst, even while its connections are still being opened.
   */
  quietMs?: number;
  now?: () => number;
}

/**
 * Acknowledge first, work after: counts the Slack requests still being answered, so that the work they
 * start (agent turns) waits until a burst has been acknowledged instead of competing with it for the
 * event loop. Slack retries a request it has no answer to within 3 s; the work can wait a few ms.
 */
export class AckFirst {
  private inFlight = 0;
  /** When the last request was answered. */
  private lastDone = 0;
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly quietMs: number;
  private readonly now: () => number;

  constructor(options: AckFirstOptions = {}) {
    this.quietMs = options.quietMs ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** Requests being answered now. */
  get pending(): number {
    return this.inFlight;
  }

  /** Counts `res` until it is finished or its connection closes. */
  track(res: ServerResponse): void {
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
      this.lastDone = this.now();
      if (this.inFlight === 0) this.schedule();
    });
  }

  /**
   * Resolves once no request has been in flight for the quiet period, or after `maxWaitMs` at the
   * latest (steady traffic must not starve the work).
   */
  settled(maxWaitMs = 200): Promise<void> {
    if (this.isQuiet()) return Promise.resolve();
    return new Promise((resolve) => {
      const limit = setTimeout(done, maxWaitMs);
      limit.unref();
      function done(): void {
        clearTimeout(limit);
        resolve();
      }
      this.waiters.push(done);
      if (this.inFlight === 0) this.schedule();
    });
  }

  private isQuiet(): boolean {
    return this.inFlight === 0 && this.now() - this.lastDone >= this.quietMs;
  }

  /** Releases the waiters once quiet, checking again when the quiet period would end. */
  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    const wait = Math.max(1, this.quietMs - (this.now() - this.lastDone));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight > 0) return; // the last request to finish schedules again
      if (!this.isQuiet()) return this.schedule();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }, wait);
    this.timer.unref();
  }
}
