import type { ServerResponse } from 'node:http';

/**
 * Acknowledge first, work after: counts the Slack requests still being answered, so that the work they
 * start (agent turns) waits until a burst has been acknowledged instead of competing with it for the
 * event loop. Slack retries a request it has no answer to within 3 s; the work can wait a few ms.
 */
export class AckFirst {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  /** Requests being answered now. */
  get pending(): number {
    return this.inFlight;
  }

  /** Counts `res` until it is finished or its connection closes. */
  track(res: ServerResponse): void {
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.release();
    });
  }

  /** Resolves once no request is being answered, or after `maxWaitMs` at the latest. */
  settled(maxWaitMs = 200): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
