import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Weights } from '../platform/types.js';
import { lockKey, type Deployment, type Store } from '../store/store.js';
import { sameWeights } from './phases.js';
import type { RolloutService } from './service.js';

/** One thing the reconciler did or saw, for logs, Slack, metrics and the audit log. */
export interface ReconcileReport {
  kind: 'adopted' | 'finished' | 'recovery-failed' | 'drift' | 'drift-resolved';
  env: string;
  service: string;
  deploymentId?: number;
  /** For adopted and finished: the deployment's record as the adoption left it (final). */
  deployment?: Deployment;
  /** For drift: the weights of the last verified write, and what the ALB holds now. */
  expected?: Weights;
  actual?: Weights;
  detail: string;
}

export interface ReconcilerOptions {
  rollouts: RolloutService;
  store: Store;
  /** Real milliseconds between passes. */
  intervalMs: number;
  /** The release clock, for audit times. */
  now: () => number;
  logger?: Logger | undefined;
  /** Told of every report (Slack announce, metrics); failures are logged, never thrown. */
  onReport?: ((report: ReconcileReport) => void | Promise<void>) | undefined;
}

/**
 * The reconcile loop of every long-running process (DESIGN.md, "reconciler"): each pass adopts rollouts
 * whose lease lapsed or whose process is gone (aborting them to the stable colour, or finishing them from
 * verify), retries the recoveries an outage interrupted, and compares the live weights of every service
 * with the last verified write, reporting drift once when it appears and once when it is gone — never
 * overwriting it. Every adoption and drift report is audited.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<ReconcileReport[]> | undefined;
  private stopped = false;
  /** Drift already reported, by service key: the weights seen, so each distinct drift is told once. */
  private readonly drifting = new Map<string, string>();
  /** Deployments whose recovery failed and was reported: told again only once it succeeds. */
  private readonly failing = new Set<number>();

  constructor(private readonly opts: ReconcilerOptions) {}

  /** One pass: adoption first, then drift. Never rejects. */
  runOnce(): Promise<ReconcileReport[]> {
    this.pass ??= this.work().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  /** Runs a pass every interval until {@link Reconciler.stop}. */
  start(): void {
    this.stopped = false;
    const next = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.runOnce().finally(next);
      }, this.opts.intervalMs);
      this.timer.unref();
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  private async work(): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    try {
      for (const r of await this.opts.rollouts.adoptOrphans()) {
        if (r.action === 'skipped') continue;
        const d = r.deployment;
        if (r.action === 'failed') {
          if (this.failing.has(d.id)) continue;
          this.failing.add(d.id);
        } else {
          this.failing.delete(d.id);
        }
        reports.push({
          kind: r.action === 'failed' ? 'recovery-failed' : r.action === 'finished' ? 'finished' : 'adopted',
          env: d.env,
          service: d.service,
          deploymentId: d.id,
          ...(r.action === 'failed' ? {} : { deployment: d }),
          detail: `deployment #${d.id} (${d.service} ${d.version} in ${d.env}): ${r.detail}`,
        });
      }
    } catch (err) {
      this.opts.logger?.warn({ err: messageOf(err) }, 'reconcile: cannot read unfinished rollouts');
    }
    reports.push(...(await this.drift()));
    for (const report of reports) await this.tell(report);
    return reports;
  }

  private async drift(): Promise<ReconcileReport[]> {
    const { rollouts, store, logger } = this.opts;
    const reports: ReconcileReport[] = [];
    let states;
    try {
      states = await store.listReleaseStates();
    } catch (err) {
      logger?.warn({ err: messageOf(err) }, 'reconcile: cannot read release states');
      return reports;
    }
    await Promise.all(
      states.map(async (state) => {
        const { env, service, weights: expected } = state;
        const key = lockKey(env, service);
        if (!expected || rollouts.runsHere(env, service)) return;
        let actual: Weights;
        try {
          if (await rollouts.running(env, service)) return;
          actual = await rollouts.reader(env).readWeights(rollouts.route(env, service));
        } catch (err) {
          // Blind is not healthy: the next pass looks again; nothing is assumed meanwhile.
          logger?.debug({ err: messageOf(err), env, service }, 'reconcile: cannot read weights');
          return;
        }
        const seen = `${actual.blue}/${actual.green}`;
        if (sameWeights(actual, expected)) {
          if (this.drifting.delete(key)) {
            reports.push({
              kind: 'drift-resolved',
              env,
              service,
              expected,
              actual,
              detail: `${service} in ${env} is back at the verified weights (blue ${expected.blue}, green ${expected.green})`,
            });
          }
          return;
        }
        if (this.drifting.get(key) === seen) return;
        this.drifting.set(key, seen);
        reports.push({
          kind: 'drift',
          env,
          service,
          expected,
          actual,
          detail:
            `${service} in ${env}: the ALB holds blue ${actual.blue} / green ${actual.green}, but the last verified write was blue ${expected.blue} / green ${expected.green}. ` +
            'Changed outside Jarvis (by hand, or reverted by a controller); Jarvis does not overwrite it. Check who changed it, then roll back or deploy to put it in a known state.',
        });
      }),
    );
    return reports;
  }

  private async tell(report: ReconcileReport): Promise<void> {
    const { logger, store } = this.opts;
    const level = report.kind === 'drift' || report.kind === 'recovery-failed' ? 'warn' : 'info';
    logger?.[level](
      { reconcile: report.kind, env: report.env, service: report.service, deploymentId: report.deploymentId },
      report.detail,
    );
    try {
      await store.appendAudit({
        at: this.opts.now(),
        actor: 'reconciler',
        channel: 'system',
        tool: `reconcile.${report.kind}`,
        inputSummary: report.detail,
        decision: 'allow',
        outcome: report.kind === 'recovery-failed' ? 'error' : 'ok',
        detail: {
          env: report.env,
          service: report.service,
          ...(report.deploymentId === undefined ? {} : { deploymentId: report.deploymentId }),
          ...(report.expected ? { expected: report.expected } : {}),
          ...(report.actual ? { actual: report.actual } : {}),
        },
      });
    } catch (err) {
      logger?.error({ err: messageOf(err) }, 'reconcile: audit write failed');
    }
    try {
      await this.opts.onReport?.(report);
    } catch (err) {
      logger?.warn({ err: messageOf(err) }, 'reconcile: report not delivered');
    }
  }
}
