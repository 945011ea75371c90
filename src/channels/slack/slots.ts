/**
 * A counting semaphore for agent turns: at most `size` run at once, the rest wait in arrival order. A turn
 * that waits for a person (a button, a code) gives its slot up meanwhile, so pending questions never block
 * other people's requests; it queues for a slot again once answered.
 */
export class TurnSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`turn slots: size must be 1 or more, not ${size}`);
  }

  /** Turns running now. */
  get busy(): number {
    return this.running;
  }

  /** Turns waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when the caller holds a slot; it must `release` it exactly once. */
  acquire(): Promise<void> {
    if (this.running < this.size) {
      this.running += 1;
      return Promise.resolve();
    }
    // The releasing turn hands its slot over, so `running` stays as it is.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  /** Gives the caller's slot up while `wait` is pending, and takes one again before resolving. */
  async whileWaiting<T>(wait: Promise<T>): Promise<T> {
    this.release();
    try {
      return await wait;
    } finally {
      await this.acquire();
    }
  }
}
