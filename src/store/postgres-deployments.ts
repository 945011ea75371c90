import type { PgDb } from './postgres-db.js';
import {
  releaseRow,
  toCommand,
  toDeployment,
  toReleaseState,
  toVersionVerdict,
  type CommandRow,
  type CountsRow,
  type DeploymentRow,
  type ReleaseRow,
  type VerdictRow,
  figuresColumn,
} from './sqlite-rows.js';
import {
  alreadyFinished,
  backwardsRange,
  journalClosed,
  noSuchDeployment,
  rolloutRunning,
} from './refusals.js';
import type { DeploymentStore } from './store.js';
import * as v from './validate.js';

const RELEASE_COLUMNS = [
  'env',
  'service',
  'live_colour',
  'live_version',
  'live_verdict',
  'live_at',
  'live_reason',
  'standby_version',
  'standby_verdict',
  'standby_at',
  'standby_reason',
  'weight_blue',
  'weight_green',
  'deployment_id',
  'updated_at',
] as const;

const PUT_RELEASE = `INSERT INTO release_state (${RELEASE_COLUMNS.join(', ')})
  VALUES (${RELEASE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (env, service) DO UPDATE SET ${RELEASE_COLUMNS.slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/** Deployments, release state, verdicts, rollout commands and counts on PostgreSQL. */
export function pgDeployments(db: PgDb): DeploymentStore {
  const running = async (env: string, service: string) =>
    (
      await db.query<DeploymentRow>(
        `SELECT * FROM deployments WHERE env = $1 AND service = $2 AND status = 'RUNNING'`,
        [env, service],
      )
    ).rows[0];
  const byId = async (id: number) =>
    (await db.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [id])).rows[0];

  return {
    async startDeployment(input) {
      const p = v.newDeployment(input);
      const before = await running(p.env, p.service);
      if (before) throw rolloutRunning(toDeployment(before));
      try {
        const { rows } = await db.query<DeploymentRow>(
          `INSERT INTO deployments (env, service, version, colour, previous_version, previous_colour, strategy,
                  actor, started_at, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'RUNNING') RETURNING *`,
          [
            p.env,
            p.service,
            p.version,
            p.colour,
            p.previousVersion,
            p.previousColour,
            p.strategy,
            p.actor,
            p.startedAt,
          ],
        );
        return toDeployment(rows[0]!);
      } catch (err) {
        // Another replica started one in between: the partial unique index refused this one.
        const winner = await running(p.env, p.service);
        if (winner) throw rolloutRunning(toDeployment(winner));
        throw err;
      }
    },

    async finishDeployment(id, status, reason, endedAt, outcome) {
      const p = {
        id: v.nonNegativeInt('id', id),
        status: v.finalStatus(status),
        reason: v.optionalText('reason', reason),
        endedAt: v.time('endedAt', endedAt),
      };
      const verdicts = (outcome?.verdicts ?? []).map((verdict) => [
        v.text('version', verdict.version),
        verdict.verdict,
        v.time('at', verdict.at),
        verdict.deploymentId ?? null,
        v.optionalText('reason', verdict.reason),
        figuresColumn(verdict.figures),
      ]);
      const rolledBack = outcome?.rolledBack && {
        id: v.nonNegativeInt('rolledBack.deploymentId', outcome.rolledBack.deploymentId),
        reason: v.text('rolledBack.reason', outcome.rolledBack.reason),
      };
      return db.tx(async (q) => {
        const { rows } = await q<DeploymentRow>(
          `UPDATE deployments SET status = $2, reason = $3, ended_at = $4,
                  duration_ms = GREATEST(0, $4 - started_at)
            WHERE id = $1 AND status = 'RUNNING' RETURNING *`,
          [p.id, p.status, p.reason, p.endedAt],
        );
        if (!rows[0]) {
          const existing = (await q<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [p.id]))
            .rows[0];
          if (!existing) throw noSuchDeployment(p.id);
          throw alreadyFinished(toDeployment(existing), p.status);
        }
        const done = toDeployment(rows[0]);
        if (outcome) {
          const row = releaseRow(done.env, done.service, outcome.state, done.id, p.endedAt);
          await q(
            PUT_RELEASE,
            RELEASE_COLUMNS.map((c) => row[c]),
          );
          for (const verdict of verdicts) {
            await q(
              `INSERT INTO version_verdicts (env, service, version, verdict, at, deployment_id, reason, figures)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (env, service, version) DO UPDATE SET verdict = excluded.verdict, at = excluded.at,
                      deployment_id = excluded.deployment_id, reason = excluded.reason, figures = excluded.figures`,
              [done.env, done.service, ...verdict],
            );
          }
          if (rolledBack) {
            await q(
              `UPDATE deployments SET status = 'ROLLED_BACK', reason = $2 WHERE id = $1 AND status = 'SUCCESS'`,
              [rolledBack.id, rolledBack.reason],
            );
          }
        }
        return done;
      });
    },

    async getDeployment(id) {
      const row = await byId(v.nonNegativeInt('id', id));
      return row && toDeployment(row);
    },

    async listDeployments(query) {
      const p = v.deploymentQuery(query);
      const { rows } = await db.query<DeploymentRow>(
        `SELECT * FROM deployments
          WHERE ($1::text IS NULL OR env = $1) AND ($2::text IS NULL OR service = $2)
            AND ($3::bigint IS NULL OR started_at >= $3) AND ($4::bigint IS NULL OR started_at < $4)
          ORDER BY started_at DESC, id DESC LIMIT $5`,
        [p.env, p.service, p.since, p.until, p.limit],
      );
      return rows.map(toDeployment);
    },

    async lastSuccessful(env, service, version) {
      const { rows } = await db.query<DeploymentRow>(
        `SELECT * FROM deployments
          WHERE env = $1 AND service = $2 AND status = 'SUCCESS' AND ($3::text IS NULL OR version = $3)
          ORDER BY started_at DESC, id DESC LIMIT 1`,
        [v.text('env', env), v.text('service', service), v.optionalText('version', version)],
      );
      return rows[0] && toDeployment(rows[0]);
    },

    async runningDeployments() {
      const { rows } = await db.query<DeploymentRow>(
        `SELECT * FROM deployments WHERE status = 'RUNNING' ORDER BY started_at, id`,
      );
      return rows.map(toDeployment);
    },

    async deploymentCounts(since, until) {
      const from = v.time('since', since);
      const to = v.time('until', until);
      if (to < from) throw backwardsRange(from, to);
      const { rows } = await db.query<CountsRow>(
        `SELECT env, COUNT(*) AS deployments,
                COUNT(*) FILTER (WHERE status = 'SUCCESS')     AS successes,
                COUNT(*) FILTER (WHERE status = 'FAILED')      AS failures,
                COUNT(*) FILTER (WHERE status = 'ROLLED_BACK') AS "rolledBack",
                COUNT(*) FILTER (WHERE status = 'ABORTED')     AS aborted,
                COUNT(*) FILTER (WHERE status = 'RUNNING')     AS running,
                COUNT(*) FILTER (WHERE strategy = 'rollback')  AS rollbacks
           FROM deployments WHERE started_at >= $1 AND started_at < $2
          GROUP BY env ORDER BY env`,
        [from, to],
      );
      return rows.map((row) => ({ ...row }));
    },

    async getReleaseState(env, service) {
      const { rows } = await db.query<ReleaseRow>(
        'SELECT * FROM release_state WHERE env = $1 AND service = $2',
        [v.text('env', env), v.text('service', service)],
      );
      return rows[0] && toReleaseState(rows[0]);
    },

    async listReleaseStates() {
      const { rows } = await db.query<ReleaseRow>('SELECT * FROM release_state ORDER BY env, service');
      return rows.map(toReleaseState);
    },

    async versionVerdicts(env, service) {
      const { rows } = await db.query<VerdictRow>(
        'SELECT * FROM version_verdicts WHERE env = $1 AND service = $2 ORDER BY at DESC, version',
        [v.text('env', env), v.text('service', service)],
      );
      return rows.map(toVersionVerdict);
    },

    async queueCommand(command) {
      const p = [
        v.nonNegativeInt('deploymentId', command.deploymentId),
        v.command(command.command),
        v.text('actor', command.actor),
        v.optionalText('reason', command.reason),
        v.time('at', command.at),
      ] as const;
      const { rows } = await db.query<CommandRow>(
        `INSERT INTO rollout_commands (deployment_id, command, actor, reason, at)
         SELECT $1::bigint, $2::text, $3::text, $4::text, $5::bigint
          WHERE EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND status = 'RUNNING')
         RETURNING *`,
        p,
      );
      if (rows[0]) return toCommand(rows[0]);
      const deployment = await byId(p[0]);
      if (!deployment) throw noSuchDeployment(p[0]);
      throw journalClosed(toDeployment(deployment), p[1]);
    },

    async takeCommands(deploymentId) {
      const { rows } = await db.query<CommandRow>(
        'DELETE FROM rollout_commands WHERE deployment_id = $1 RETURNING *',
        [v.nonNegativeInt('deploymentId', deploymentId)],
      );
      return rows.map(toCommand).sort((a, b) => a.id - b.id);
    },
  };
}
