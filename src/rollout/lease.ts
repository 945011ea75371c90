import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { JarvisError } from '../errors.js';
import type { Store } from '../store/store.js';

/** The shortest lease in real milliseconds, whatever the clock's scale. */
export const MIN_REAL_LEASE_MS = 2000;

/**
 * A rollout lock held for the duration of one rollout: taken atomically in the store, renewed at a third
 * of its lease, released at the end. When a renewal finds the lease lost, `lost` aborts, and the holder
 * must stop writing: another process may be recovering the rollout.
 */
export class Lease {
  private readonly lostController = new AbortController();
  private readonly stopped = new AbortController();
  private renewing: Promise<void> | undefined;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly key: string,
    readonly holder: string,
    private readonly leaseMs: number,
  ) {}

  /** Aborts when the lease was lost. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /**
   * Takes the lock on `key` or throws LOCKED naming who holds it and until when.
   * @param who describes the holder for people: `alice deploying checkout 1.3.0`.
   */
  static async acquire(
    store: Store,
    clock: Clock,
    key: string,
    who: string,
    processId: string,
    leaseMs: number,
  ): Promise<Lease> {
    // Under a fast sandbox clock a lease of minutes lasts milliseconds of real time, and a busy event
    // loop would miss its renewal; liveness is a matter of real time, so the lease never goes below it.
    leaseMs = Math.max(leaseMs, clock.scale * MIN_REAL_LEASE_MS);
    const holder = `${who} [${processId}#${randomBytes(3).toString('hex')}]`;
    const result = await store.acquireLock(key, holder, leaseMs, clock.now());
    if (!result.acquired) {
      const until = new Date(result.expiresAt).toISOString();
      throw new JarvisError(
        'LOCKED',
        `${key} is busy: ${result.holder} (lease until ${until}). One rollout per service and environment at a time: wait for it to finish, or cancel it where it was started.`,
        { resource: key, facts: { holder: result.holder, expiresAt: result.expiresAt } },
      );
    }
    const lease = new Lease(store, clock, key, holder, leaseMs);
    lease.renewing = lease.renewLoop();
    return lease;
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      try {
        await this.clock.sleep(this.leaseMs / 3, this.stopped.signal);
      } catch {
        return; // released
      }
      const kept = await this.store
        .renewLock(this.key, this.holder, this.leaseMs, this.clock.now())
        .catch(() => false);
      if (!kept) {
        this.lostController.abort(
          new JarvisError('LOCKED', `Lost the lock on ${this.key}; stopping without further writes.`),
        );
        return;
      }
    }
  }

  /** Stops renewing and releases the lock (harmless when it was lost). */
  async release(): Promise<void> {
    this.stopped.abort();
    await this.renewing;
    await this.store.releaseLock(this.key, this.holder);
  }
}
