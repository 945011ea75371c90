import type { PgDb } from './postgres-db.js';
import type { ProgressMessageStore } from './progress-messages.js';
import { noSuchDeployment } from './refusals.js';
import { progressRow, toLocation, type ProgressRow } from './sqlite-progress.js';
import * as v from './validate.js';

/** Where rollouts' progress messages are, on PostgreSQL (migration 13): read by the adopting replica. */
export function pgProgressMessages(db: PgDb): ProgressMessageStore {
  return {
    async putProgressMessage(deploymentId, location, at) {
      const r = progressRow(deploymentId, location, at);
      await db.tx(async (q) => {
        const found = await q('SELECT id FROM deployments WHERE id = $1', [r.deployment_id]);
        if (found.rowCount === 0) throw noSuchDeployment(r.deployment_id);
        await q(
          `INSERT INTO progress_messages (deployment_id, channel, ts, thread_ts, title, at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (deployment_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts,
             thread_ts = excluded.thread_ts, title = excluded.title, at = excluded.at`,
          [r.deployment_id, r.channel, r.ts, r.thread_ts, r.title, r.at],
        );
      });
    },

    async progressMessage(deploymentId) {
      const { rows } = await db.query<ProgressRow>(
        'SELECT * FROM progress_messages WHERE deployment_id = $1',
        [v.nonNegativeInt('deploymentId', deploymentId)],
      );
      return rows[0] && toLocation(rows[0]);
    },
  };
}
