/** Thrown by {@link Deadline.bound} for a call still unanswered when the budget is spent. */
export class DeadlinePassed extends Error {
  constructor(readonly budgetMs: number) {
    super(`no answer within ${(budgetMs / 1000).toFixed(1)} s`);
    this.name = 'DeadlinePassed';
  }
}

/**
 * One time budget, in real milliseconds, shared by every read of a diagnosis: an SDK that keeps retrying
 * a throttled API cannot hold the answer past it. A call still running at the deadline is left to finish
 * on its own (its result or error is dropped) and reported as unanswered.
 */
export class Deadline {
  private readonly expired: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private isPassed = false;

  constructor(readonly budgetMs: number) {
    this.expired = new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.isPassed = true;
        resolve();
      }, budgetMs);
      this.timer.unref();
    });
  }

  /** `call`'s outcome, or a rejection with DeadlinePassed when the budget runs out first. */
  async bound<T>(call: Promise<T>): Promise<T> {
    call.catch(() => undefined);
    const late = Symbol('late');
    const result = await Promise.race([call, this.expired.then(() => late)]);
    if (result === late) throw new DeadlinePassed(this.budgetMs);
    return result as T;
  }

  /** True once the budget is spent. */
  get passed(): boolean {
    return this.isPassed;
  }

  /** Stops the timer; later calls to `bound` wait for their call alone. */
  done(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
