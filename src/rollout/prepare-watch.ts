import { isJarvisError, JarvisError, messageOf } from '../errors.js';
import { prepareCause, prepareProgress, type PrepareCause } from '../platform/prepare-cause.js';
import type { DeploymentState } from '../platform/types.js';
import { redact } from '../redact.js';
import type { RolloutDeps } from './ports.js';
import type { Run } from './run.js';

/** Clock milliseconds between two looks at the new pods while waiting (progress, early causes). */
const LOOK_EVERY_MS = 10_000;
/** Log lines that report an error (levels, panics, exceptions). */
const ERROR_LINE =
  /\b(ERROR|FATAL|CRITICAL|PANIC|panic:|Traceback|Exception\b|[A-Z][a-zA-Z]+Error:)|\blevel=(error|fatal)\b/;

export interface PrepareWait {
  name: string;
  image: string;
  replicas: number;
  /** The Deployment's selector, from the write that set the image. */
  selector: string;
  /** Clock time by which the rollout must be done. */
  deadline: number;
  timeoutSeconds: number;
  restartLimit: number;
}

/**
 * Waits for the idle Deployment to roll out, looking at its new pods between polls: the progress (pods
 * ready, restarts) goes out as a prepare phase event when it changes, and the wait ends early with
 * ROLLOUT_FAILED when the cause is certain (the image does not exist, a crash loop or OOM kill past the
 * restart limit). A wait that runs out, or a Deployment past its progress deadline, fails with the cause
 * seen last appended (CrashLoopBackOff with exit code and last log line, the pull error, the scheduler's
 * message, the failing probe). Reading the pods is best effort: their failure never fails the wait.
 */
export async function waitPrepared(
  run: Run,
  deps: RolloutDeps,
  w: PrepareWait,
  signal: AbortSignal,
): Promise<DeploymentState> {
  const { route } = run;
  let shown = '';
  for (;;) {
    const left = w.deadline - deps.clock.now();
    try {
      return await run.ports.workloads.waitForRollout(route.namespace, w.name, route.container, {
        timeoutMs: Math.max(1, Math.min(LOOK_EVERY_MS, left)),
        signal,
      });
    } catch (err) {
      if (!isJarvisError(err, 'TIMEOUT', 'ROLLOUT_FAILED')) throw err;
      const cause = await look(deps, run, w);
      if (cause?.progress && cause.progress !== shown) {
        shown = cause.progress;
        run.phase('prepare', `${w.name}: ${cause.progress}${cause.cause ? ` (${cause.cause.text})` : ''}`);
      }
      const why = cause?.cause ? await described(deps, run, cause.cause) : undefined;
      if (why && cause?.cause?.certain) {
        throw new JarvisError('ROLLOUT_FAILED', `${w.name} cannot become ready: ${why}.`, {
          resource: `${route.namespace}/deployment/${w.name}`,
          facts: { cause: cause.cause.kind, pod: cause.cause.pod },
        });
      }
      if (isJarvisError(err, 'ROLLOUT_FAILED') || deps.clock.now() >= w.deadline) {
        const what = isJarvisError(err, 'ROLLOUT_FAILED')
          ? messageOf(err)
          : `Rollout of ${route.namespace}/deployment/${w.name} not done after ${w.timeoutSeconds}s${cause ? `: ${cause.progress}` : ''}.`;
        throw new JarvisError(err.code, why ? `${what} Cause: ${why}.` : what, { ...err.details });
      }
    }
  }
}

async function look(
  deps: RolloutDeps,
  run: Run,
  w: PrepareWait,
): Promise<{ progress: string; cause: PrepareCause | undefined } | undefined> {
  try {
    const { pods } = await deps
      .reader(run.route.env)
      .listPods(run.route.namespace, w.selector, { pageSize: 100, max: 500 });
    return {
      progress: prepareProgress(pods, run.route.container, w.image, w.replicas),
      cause: prepareCause(pods, run.route.container, w.image, w.restartLimit),
    };
  } catch {
    return undefined;
  }
}

/** The cause with what tells most: a crash's last log line, a failing probe's message. Redacted. */
async function described(deps: RolloutDeps, run: Run, cause: PrepareCause): Promise<string> {
  const reader = deps.reader(run.route.env);
  const { namespace, container } = run.route;
  try {
    if (cause.kind === 'crash-loop') {
      const log = await reader.podLogs(namespace, cause.pod, {
        container,
        previous: true,
        tailLines: 20,
        limitBytes: 8192,
      });
      const lines = log
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // The last error line says why it ended; a stack trace's last frame does not.
      const last = lines.filter((l) => ERROR_LINE.test(l)).at(-1) ?? lines.at(-1);
      if (last)
        return redact(
          `${cause.text}; last log line: "${last.length > 200 ? `${last.slice(0, 199)}…` : last}"`,
        );
    }
    if (cause.kind === 'not-ready') {
      const { events } = await reader.events(namespace, {
        kind: 'Pod',
        name: cause.pod,
        type: 'Warning',
        max: 20,
      });
      const probe = events.find((e) => e.reason === 'Unhealthy');
      if (probe) return redact(`${cause.text}: ${probe.message.slice(0, 200)}`);
    }
  } catch {
    // The status alone still names the cause.
  }
  return redact(cause.text);
}
