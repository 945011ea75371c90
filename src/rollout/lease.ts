import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import { JarvisError } from '../errors.js';
import type { Lock, Store } from '../store/store.js';

/** The shortest lease in real milliseconds, whatever the clock's scale. */
export const MIN_REAL_LEASE_MS = 2000;

/** The lease a rollout lock is taken for, in clock milliseconds, never under {@link MIN_REAL_LEASE_MS} of real time. */
export function leaseFor(clock: Clock, leaseMs: number): number {
  // Under a fast sandbox clock a lease of minutes lasts milliseconds of real time, and a busy event
  // loop would miss its renewal; liveness is a matter of real time, so the lease never goes below it.
  return Math.max(leaseMs, clock.scale * MIN_REAL_LEASE_MS);
}

/** This process as lock holders name it: `host:pid`. */
export function thisProcess(): string {
  return `${hostname()}:${process.pid}`;
}

/** The `host:pid` a holder string names (see {@link Lease.acquire}); undefined when it names none. */
export function holderProcess(holder: string): { host: string; pid: number } | undefined {
  const m = /\[([^\]\s]+):(\d+)#[0-9a-f]+\]$/.exec(holder);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/**
 * True only when the holder's process is provably gone: it ran on this host and no process has its pid
 * any more. A holder on another host, or one whose pid is alive (even if reused), is not provably gone.
 */
export function holderIsGone(holder: string, host = hostname()): boolean {
  const owner = holderProcess(holder);
  if (!owner || owner.host !== host) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * A rollout lock held for the duration of one rollout: taken atomically in the store with a fencing token,
 * renewed at a third of its lease, released at the end. When a renewal finds the lease lost, `lost`
 * aborts, and the holder must stop writing: another process may be recovering the rollout. Journal
 * entries carry `token`, so the store refuses them once the lock has moved on.
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
    readonly token: number,
    private readonly leaseMs: number,
  ) {}

  /** Aborts when the lease was lost. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** The holder string for `who` in `processId`: `alice deploying checkout 1.3.0 [host:pid#a1b2c3]`. */
  static holderFor(who: string, processId: string): string {
    return `${who} [${processId}#${randomBytes(3).toString('hex')}]`;
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
    const lease = leaseFor(clock, leaseMs);
    const holder = Lease.holderFor(who, processId);
    const result = await store.acquireLock(key, holder, lease, clock.now());
    if (!result.acquired) throw lockedError(key, result.holder, result.expiresAt);
    return Lease.start(store, clock, result.lock, lease);
  }

  /** Takes a live lease over from `from`, a holder whose process is gone; undefined when it moved on. */
  static async takeOver(
    store: Store,
    clock: Clock,
    key: string,
    from: string,
    who: string,
    processId: string,
    leaseMs: number,
  ): Promise<Lease | undefined> {
    const lease = leaseFor(clock, leaseMs);
    const lock = await store.takeOverLock(key, from, Lease.holderFor(who, processId), lease, clock.now());
    return lock && Lease.start(store, clock, lock, lease);
  }

  private static start(store: Store, clock: Clock, lock: Lock, leaseMs: number): Lease {
    const lease = new Lease(store, clock, lock.key, lock.holder, lock.token, leaseMs);
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
    await this.store.releaseLock(this.key, this.holder).catch(() => false);
  }
}

/** LOCKED: `key` is held by `holder` until `expiresAt`. */
export function lockedError(key: string, holder: string, expiresAt: number): JarvisError {
  const until = new Date(expiresAt).toISOString();
  return new JarvisError(
    'LOCKED',
    `${key} is busy: ${holder} (lease until ${until}). One rollout per service and environment at a time: wait for it to finish, or abort it ("abort ${key.split('/')[0]}").`,
    { resource: key, facts: { holder, expiresAt } },
  );
}
