import { messageOf } from '../errors.js';
import type { Store } from '../store/store.js';
import { ago, RELEASE_HORIZON_MS, trafficChange } from '../tools/diagnostics/timeline.js';
import { record } from '../tools/text.js';

/** Deployments of the service looked at, newest first. */
const RECENT = 5;

/**
 * An incident lined up with the service's releases, by wall-clock time (PagerDuty's `occurred_at`
 * against the wall time each journal entry records): "The incident began 90 s after the shift to 25 %
 * of checkout 1.3.0 (deployment #12)", or "No release of checkout in prd in the 2 h before the
 * incident; the cause is probably not a deploy". Says so when the history could not be read.
 */
export async function incidentTimeline(
  store: Pick<Store, 'listDeployments' | 'journal'>,
  env: string,
  service: string,
  at: number,
): Promise<string> {
  try {
    const recent = await store.listDeployments({ env, service, limit: RECENT });
    for (const d of recent) {
      const changes = (await store.journal(d.id))
        .map((e) => ({ text: trafficChange(e), wall: record(e.data.wall)?.at }))
        .filter(
          (c): c is { text: string; wall: number } => c.text !== undefined && typeof c.wall === 'number',
        )
        .filter((c) => c.wall <= at && at - c.wall <= RELEASE_HORIZON_MS);
      const last = changes.at(-1);
      if (last) {
        return `The incident began ${ago(at - last.wall)} after ${last.text} of ${service} ${d.version} (deployment #${d.id}, ${d.status}).`;
      }
    }
    return `No release of ${service} in ${env} moved traffic in the 2 h before the incident; the cause is probably not a deploy.`;
  } catch (err) {
    return `The release history of ${service} in ${env} could not be read (${messageOf(err)}): whether a deploy caused this is unknown.`;
  }
}
