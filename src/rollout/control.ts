import { JarvisError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Deployment, RolloutCommand, Store } from '../store/store.js';

/** What a person asked of a running rollout, as its control reports it. */
export interface ControlChange {
  kind: 'pause' | 'resume';
  actor: string;
  reason?: string | undefined;
}

/**
 * The handle on one running rollout in this process: abort it, pause it at its current step, resume it.
 * Commands queued in the store by other processes (`jarvis ask "abort prd"` while `jarvis serve` runs the
 * rollout) are taken every `pollMs` of real time and applied the same way.
 */
export class RolloutControl {
  private readonly aborter = new AbortController();
  private paused = false;
  private wake: Array<() => void> = [];
  private listener: ((change: ControlChange) => void) | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** Settles with the deployment once the rollout has ended (set by whoever runs it). */
  done: Promise<Deployment> | undefined;

  constructor(
    readonly deploymentId: number,
    readonly key: string,
  ) {}

  /** Aborts with the person's reason; the rollout puts all traffic back on the stable colour. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Called on pause and resume (the run journals them and tells the channel). */
  onChange(listener: (change: ControlChange) => void): void {
    this.listener = listener;
  }

  abort(actor: string, reason: string | undefined): void {
    if (this.aborter.signal.aborted) return;
    this.aborter.abort(new JarvisError('ABORTED', `aborted by ${actor}${reason ? `: ${reason}` : ''}`));
    this.release();
  }

  /** False when it was already paused. */
  pause(actor: string, reason: string | undefined): boolean {
    if (this.paused || this.aborter.signal.aborted) return false;
    this.paused = true;
    this.listener?.({ kind: 'pause', actor, reason });
    return true;
  }

  /** False when it was not paused. */
  resume(actor: string): boolean {
    if (!this.paused) return false;
    this.release();
    this.listener?.({ kind: 'resume', actor });
    return true;
  }

  /** Resolves when the rollout is not (or no longer) paused, or was aborted. */
  whileResumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((resolve) => this.wake.push(resolve));
  }

  private release(): void {
    this.paused = false;
    const waiting = this.wake;
    this.wake = [];
    for (const w of waiting) w();
  }

  /** Applies a command queued by another process. */
  apply(command: RolloutCommand): void {
    if (command.command === 'abort') this.abort(command.actor, command.reason);
    else if (command.command === 'pause') this.pause(command.actor, command.reason);
    else this.resume(command.actor);
  }

  /** Takes queued commands every `pollMs` of real time until {@link RolloutControl.stop}. */
  watch(store: Store, pollMs: number, logger?: Logger): void {
    let busy = false;
    this.poller = setInterval(() => {
      if (busy) return;
      busy = true;
      store
        .takeCommands(this.deploymentId)
        .then((commands) => commands.forEach((c) => this.apply(c)))
        .catch((err: unknown) => logger?.warn({ err: messageOf(err) }, 'could not read rollout commands'))
        .finally(() => {
          busy = false;
        });
    }, pollMs);
    this.poller.unref();
  }

  stop(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.release();
  }
}
