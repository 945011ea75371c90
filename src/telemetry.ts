import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReconcileReport } from './rollout/reconciler.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnResult } from './agent/loop.js';
import type { LoadedConfig } from './config.js';
import { messageOf } from './errors.js';
import type { Logger } from './logger.js';
import type { RolloutEvent } from './rollout/events.js';
import { type Deployment, type DeploymentStatus, type Store } from './store/store.js';

/** What a finished rollout looks like to the metrics: where, and how it ended. */
export interface FinishedRollout {
  env: string;
  service: string;
  finished: { status: Exclude<DeploymentStatus, 'RUNNING'>; durationMs: number } | undefined;
}

export interface JarvisMetricsDeps {
  config: LoadedConfig;
  /** Read at each scrape for `deployment_status`. */
  store: Pick<Store, 'listDeployments'>;
  /** Also export Node's process metrics under their standard names (`process_*`, `nodejs_*`). */
  processMetrics?: boolean;
  logger?: Logger | undefined;
}

/** The `status` label values, by Prometheus convention lower-case. */
export type StatusLabel = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'aborted';

const STATUS_LABELS: readonly StatusLabel[] = ['running', 'succeeded', 'failed', 'rolled_back', 'aborted'];
const LABEL_OF: Record<DeploymentStatus, StatusLabel> = {
  RUNNING: 'running',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  ROLLED_BACK: 'rolled_back',
  ABORTED: 'aborted',
};

/**
 * The `status` values that are 1 for a deployment in `status`. A release that analysis rolled back failed
 * as a release, so it is both `failed` (what an alert on `status="failed"` means) and `rolled_back`.
 */
export function statusLabels(status: DeploymentStatus): StatusLabel[] {
  return status === 'ROLLED_BACK' ? ['failed', 'rolled_back'] : [LABEL_OF[status]];
}

/** How a rollback came about: analysis failed, a person stopped a rollout, a person asked for one. */
const TRIGGERS = ['automatic', 'aborted', 'manual'] as const;
const ADOPTION_OUTCOMES = ['aborted', 'finished', 'failed'] as const;

/**
 * Prometheus's default Node metrics that are gauges named `*_total`, which `promtool check metrics`
 * refuses; the same figures stay exported without the suffix (`nodejs_active_handles`, ...).
 */
const NONCONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

type Where = 'environment' | 'service';

/**
 * Jarvis's own metrics in Prometheus format (prom-client), served at `/metrics`, labelled `environment`
 * and `service`. Every counter starts at 0 for each configured service (and trigger), so `increase()`
 * sees the first event:
 * - `deployment_status{environment,service,status}`: 1 for the status of each service's latest deployment
 *   (see {@link statusLabels}), 0 for the others, read from the store at scrape time (right after a
 *   restart, and whichever process started the deployment);
 * - `deployment_rollback_total{environment,service,trigger}`: automatic (analysis failed), aborted
 *   (stopped, traffic restored), manual (a rollback someone asked for);
 * - `deployment_aborted_by_analysis_total{environment,service}`: releases analysis rolled back;
 * - `deployment_drift_total{environment,service}`: ALB weights changed outside Jarvis;
 * - `deployment_duration_seconds{environment,service,status}`: how long rollouts took (release clock);
 * - `jarvis_rollout_adoptions_total`, `jarvis_tool_calls_total{tool,outcome}`,
 *   `jarvis_llm_tokens_total{planner,kind}`, `jarvis_turns_total{planner,fallback}`;
 * - Node's default metrics (`process_*`, `nodejs_*`) unless `processMetrics` is false.
 */
export class JarvisMetrics {
  readonly registry = new Registry();
  private readonly rollbacks: Counter<Where | 'trigger'>;
  private readonly analysisAborts: Counter<Where>;
  private readonly durations: Histogram<Where | 'status'>;
  private readonly toolCalls: Counter<'tool' | 'outcome'>;
  private readonly drift: Counter<Where>;
  private readonly adoptions: Counter<Where | 'outcome'>;
  private readonly tokens: Counter<'planner' | 'kind'>;
  private readonly turns: Counter<'planner' | 'fallback'>;

  constructor(private readonly deps: JarvisMetricsDeps) {
    const registers = [this.registry];
    const targets = Object.entries(deps.config.environments).flatMap(([environment, e]) =>
      Object.keys(e.services).map((service) => ({ environment, service })),
    );
    new Gauge({
      name: 'deployment_status',
      help: 'Status of the latest deployment of each service: 1 for its status, 0 for the others.',
      labelNames: ['environment', 'service', 'status'] as const,
      registers,
      async collect() {
        this.reset();
        for (const where of targets) {
          let latest: Deployment | undefined;
          try {
            [latest] = await deps.store.listDeployments({
              env: where.environment,
              service: where.service,
              limit: 1,
            });
          } catch (err) {
            deps.logger?.warn({ err: messageOf(err), ...where }, 'deployment_status: store read failed');
            continue;
          }
          if (!latest) continue;
          const on = statusLabels(latest.status);
          for (const status of STATUS_LABELS) this.set({ ...where, status }, on.includes(status) ? 1 : 0);
        }
      },
    });
    this.rollbacks = new Counter({
      name: 'deployment_rollback_total',
      help: 'Rollbacks: automatic (analysis failed), aborted (stopped; traffic restored) and manual.',
      labelNames: ['environment', 'service', 'trigger'] as const,
      registers,
    });
    this.analysisAborts = new Counter({
      name: 'deployment_aborted_by_analysis_total',
      help: 'Releases rolled back because analysis failed (error rate or p99 latency of the new colour).',
      labelNames: ['environment', 'service'] as const,
      registers,
    });
    this.durations = new Histogram({
      name: 'deployment_duration_seconds',
      help: 'Duration of finished rollouts in release-clock seconds, by final status.',
      labelNames: ['environment', 'service', 'status'] as const,
      buckets: [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
      registers,
    });
    this.drift = new Counter({
      name: 'deployment_drift_total',
      help: 'ALB weights found differing from the last verified write (changed outside Jarvis), by service.',
      labelNames: ['environment', 'service'] as const,
      registers,
    });
    this.adoptions = new Counter({
      name: 'jarvis_rollout_adoptions_total',
      help: 'Orphaned rollouts the reconciler adopted, by outcome (aborted, finished, failed).',
      labelNames: ['environment', 'service', 'outcome'] as const,
      registers,
    });
    // Zero from the start for every configured service, so increase() sees the first event.
    for (const where of targets) {
      this.analysisAborts.inc(where, 0);
      this.drift.inc(where, 0);
      for (const trigger of TRIGGERS) this.rollbacks.inc({ ...where, trigger }, 0);
      for (const outcome of ADOPTION_OUTCOMES) this.adoptions.inc({ ...where, outcome }, 0);
    }
    this.toolCalls = new Counter({
      name: 'jarvis_tool_calls_total',
      help: 'Tool calls by tool and outcome (ok, error, denied, declined, mfa-failed, invalid).',
      labelNames: ['tool', 'outcome'] as const,
      registers,
    });
    this.tokens = new Counter({
      name: 'jarvis_llm_tokens_total',
      help: 'Language-model tokens by planner and kind (input, cached, output).',
      labelNames: ['planner', 'kind'] as const,
      registers,
    });
    this.turns = new Counter({
      name: 'jarvis_turns_total',
      help: 'Requests answered, by the planner that answered and whether it was the fallback.',
      labelNames: ['planner', 'fallback'] as const,
      registers,
    });
    if (deps.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Counts a turn's tool calls and tokens. */
  observeTurn(result: TurnResult): void {
    this.turns.inc({ planner: result.planner, fallback: result.fallbackReason ? 'yes' : 'no' });
    for (const call of result.calls) this.toolCalls.inc({ tool: call.tool, outcome: call.outcome });
    for (const u of result.usage) {
      this.tokens.inc({ planner: result.planner, kind: 'input' }, u.inputTokens);
      this.tokens.inc({ planner: result.planner, kind: 'cached' }, u.cachedTokens);
      this.tokens.inc({ planner: result.planner, kind: 'output' }, u.outputTokens);
    }
  }

  /** A reconciler report: drift and adoptions are counted. */
  observeReconcile(report: ReconcileReport): void {
    const where = { environment: report.env, service: report.service };
    if (report.kind === 'drift') this.drift.inc(where);
    else if (report.kind === 'adopted') this.adoptions.inc({ ...where, outcome: 'aborted' });
    else if (report.kind === 'finished') this.adoptions.inc({ ...where, outcome: 'finished' });
    else if (report.kind === 'recovery-failed') this.adoptions.inc({ ...where, outcome: 'failed' });
  }

  /** Rollout events as they happen; only the end of a rollout is counted (see observeFinished). */
  observeEvent(_event: RolloutEvent): void {
    // Nothing per step today: deployment_status is read from the store, which the engine keeps current.
  }

  /** Counts a finished rollout: its duration, and a rollback when it was one. */
  observeFinished(rollout: FinishedRollout, strategy: Deployment['strategy'] | undefined): void {
    const f = rollout.finished;
    if (!f) return;
    const where = { environment: rollout.env, service: rollout.service };
    this.durations.observe({ ...where, status: LABEL_OF[f.status] }, f.durationMs / 1000);
    if (f.status === 'ROLLED_BACK') {
      this.rollbacks.inc({ ...where, trigger: 'automatic' });
      this.analysisAborts.inc(where);
    } else if (f.status === 'ABORTED') this.rollbacks.inc({ ...where, trigger: 'aborted' });
    else if (strategy === 'rollback' && f.status === 'SUCCESS')
      this.rollbacks.inc({ ...where, trigger: 'manual' });
  }

  /** `GET /metrics` as a plain Node handler. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    this.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        this.deps.logger?.error({ err: messageOf(err) }, '/metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  };
}
