import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RolloutEvent } from '../../rollout/events.js';
import type { Deployment, Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import { finishProgressMessage } from './progress.js';
import { initialProgress, reduceProgress, type ProgressState } from './progress-state.js';
import { finishedLine } from './progress-view.js';

export interface ProgressTakeoverDeps {
  /** This process's own Slack client. */
  api: SlackApi;
  store: Pick<Store, 'progressMessage' | 'getReleaseState'>;
  logger?: Logger | undefined;
}

/**
 * The end of a rollout this process adopted from another (one that died, or lost its lease), shown where
 * the other showed its progress: the progress message it posted, found in the store, is edited to the
 * final state through this process's Slack client, and the outcome is posted in its thread.
 */
export class ProgressTakeover {
  constructor(private readonly deps: ProgressTakeoverDeps) {}

  /**
   * Finishes the progress message of `deployment` (as adoption left it: final). Resolves false when
   * there is nothing to finish (no message was recorded, or it is still running); never rejects.
   */
  async finish(deployment: Deployment): Promise<boolean> {
    const { api, store, logger } = this.deps;
    if (deployment.status === 'RUNNING') return false;
    const facts = { deploymentId: deployment.id };
    try {
      const location = await store.progressMessage(deployment.id);
      if (!location) return false;
      const release = await store.getReleaseState(deployment.env, deployment.service).catch(() => undefined);
      const state = adoptedState(
        deployment,
        location.title,
        release?.deploymentId === deployment.id ? release.weights : undefined,
      );
      await finishProgressMessage(api, location, state);
      await api.post({
        channel: location.channel,
        threadTs: location.threadTs ?? location.ts,
        text: finishedLine(state),
      });
      logger?.info(facts, 'finished the progress message of an adopted rollout');
      return true;
    } catch (err) {
      logger?.warn(
        { ...facts, err: messageOf(err) },
        'could not finish the progress message of an adopted rollout',
      );
      return false;
    }
  }
}

/** What the progress message of an adopted rollout shows at its end, from its final record. */
export function adoptedState(
  d: Deployment,
  title: string | undefined,
  weights: { blue: number; green: number } | undefined,
): ProgressState {
  const base = { env: d.env, service: d.service, deploymentId: d.id };
  const phase: RolloutEvent = {
    ...base,
    kind: 'phase',
    phase: 'recover',
    message: 'taken over by another Jarvis replica',
  };
  const finished: RolloutEvent = {
    ...base,
    kind: 'finished',
    status: d.status === 'RUNNING' ? 'ABORTED' : d.status,
    reason: d.reason,
    durationMs: d.durationMs ?? 0,
    version: d.version,
  };
  const state = reduceProgress(initialProgress(phase, title), phase);
  return reduceProgress(weights ? { ...state, weights, newColour: d.colour } : state, finished);
}
