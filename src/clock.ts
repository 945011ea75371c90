/**
 * Time as Jarvis sees it. Production uses the wall clock; the sandbox and its demos use a scaled clock
 * under which bake times of minutes pass in seconds. Jarvis and an in-process sandbox share one instance.
 */
export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  /**
   * Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted first.
   * Never resolves early.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How many of this clock's milliseconds pass per real millisecond (1 for the wall clock). */
  readonly scale: number;
}

/**
 * A clock that runs `scale` times faster than the wall clock from `anchor` (a wall-clock time) on. Two
 * processes with the same scale and anchor agree on the time, which is how a separately started sandbox
 * and Jarvis share one (`jarvis sandbox` prints JARVIS_TIME_ANCHOR).
 */
export class ScaledClock implements Clock {
  readonly scale: number;
  readonly anchor: number;

  constructor(scale = 1, anchor = Date.now()) {
    if (!Number.isFinite(scale) || scale <= 0)
      throw new RangeError(`time scale must be a positive number, got ${scale}`);
    this.scale = scale;
    this.anchor = anchor;
  }

  now(): number {
    return this.scale === 1 ? Date.now() : this.anchor + (Date.now() - this.anchor) * this.scale;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms / this.scale),
      );
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The wall clock. */
export const systemClock: Clock = new ScaledClock(1);
