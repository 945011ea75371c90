import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ServiceRoute } from '../platform/types.js';
import type { Deployment, FinalStatus, ReleaseOutcome, Store } from '../store/store.js';
import type { Phase, PrepareProgress, RolloutEvent, RolloutListener } from './events.js';
import type { EnvironmentPorts } from './ports.js';

type EventBody<K extends RolloutEvent['kind']> = Omit<
  Extract<RolloutEvent, { kind: K }>,
  'env' | 'service' | 'deploymentId'
>;

/**
 * One deployment in progress: its journal (every transition written before it is acted on, fenced by the
 * lease's token), its events, and its end. Shared by deploy, rollback, abort and adoption.
 */
export class Run {
  private seq = 0;
  /** Clock time of the first failing analysis window of the failures in a row now; undefined: none. */
  detectedAt: number | undefined;

  constructor(
    readonly deployment: Deployment,
    readonly route: ServiceRoute,
    readonly ports: EnvironmentPorts,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly listener: RolloutListener | undefined,
    private readonly logger: Logger | undefined,
    /** The fencing token of the lease this run writes under; undefined: unfenced (tests). */
    private readonly token?: number,
  ) {}

  /** Continues a journal another process began: the next entry follows `seq`. */
  continueAfter(seq: number): void {
    this.seq = seq;
  }

  /**
   * Records `state` durably before the caller acts on it. Rejects with LOCKED when the lease's token is no
   * longer the lock's (another process took the rollout over): the caller must not act then.
   */
  async journal(state: string, data: Record<string, unknown>): Promise<void> {
    this.seq += 1;
    await this.store.appendJournal({
      deploymentId: this.deployment.id,
      seq: this.seq,
      state,
      // Wall-clock time and scale beside the clock's time: dates shown to people are wall-clock, also on
      // the sandbox's scaled clock and across restarts (src/rollout/dora.ts).
      data: { ...data, wall: { at: Date.now(), scale: this.clock.scale } },
      at: this.clock.now(),
      ...(this.token === undefined ? {} : { token: this.token }),
    });
  }

  emit<K extends RolloutEvent['kind']>(kind: K, body: Omit<EventBody<K>, 'kind'>): void {
    const event = {
      kind,
      env: this.deployment.env,
      service: this.deployment.service,
      deploymentId: this.deployment.id,
      ...body,
    } as unknown as RolloutEvent;
    this.logger?.info({ event }, 'rollout event');
    try {
      this.listener?.(event);
    } catch (err) {
      // A channel that fails to render must not stop a rollout half-way.
      this.logger?.warn({ err }, 'rollout listener failed');
    }
  }

  phase(phase: Phase, message: string, extra: { prepare?: PrepareProgress; seconds?: number } = {}): void {
    this.emit('phase', { phase, message, ...extra });
  }

  /** Records the final status, with the release state it leaves in the same transaction, and reports it. */
  async finish(
    status: FinalStatus,
    reason: string | undefined,
    outcome?: ReleaseOutcome,
  ): Promise<Deployment> {
    const done = await this.store.finishDeployment(
      this.deployment.id,
      status,
      reason,
      this.clock.now(),
      outcome,
    );
    this.emit('finished', { status, reason, durationMs: done.durationMs ?? 0, version: done.version });
    return done;
  }
}
