import type { Database } from 'better-sqlite3';
import type { ProgressMessageLocation } from './progress-messages.js';
import { noSuchDeployment } from './refusals.js';
import * as v from './validate.js';

export interface ProgressRow {
  deployment_id: number;
  channel: string;
  ts: string;
  thread_ts: string | null;
  title: string | null;
  at: number;
}

/** The progress_messages table of the SQLite store (migration 13). Methods throw; the store wraps them. */
export class SqliteProgressMessages {
  private readonly s;

  constructor(private readonly db: Database) {
    this.s = {
      exists: db.prepare<[number], { id: number }>('SELECT id FROM deployments WHERE id = ?'),
      put: db.prepare<ProgressRow>(
        `INSERT INTO progress_messages (deployment_id, channel, ts, thread_ts, title, at)
         VALUES (@deployment_id, @channel, @ts, @thread_ts, @title, @at)
         ON CONFLICT (deployment_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts,
           thread_ts = excluded.thread_ts, title = excluded.title, at = excluded.at`,
      ),
      get: db.prepare<[number], ProgressRow>('SELECT * FROM progress_messages WHERE deployment_id = ?'),
    };
  }

  put(deploymentId: number, location: ProgressMessageLocation, at: number): void {
    const row = progressRow(deploymentId, location, at);
    this.db
      .transaction(() => {
        if (!this.s.exists.get(row.deployment_id)) throw noSuchDeployment(row.deployment_id);
        this.s.put.run(row);
      })
      .immediate();
  }

  get(deploymentId: number): ProgressMessageLocation | undefined {
    const row = this.s.get.get(v.nonNegativeInt('deploymentId', deploymentId));
    return row && toLocation(row);
  }
}

/** The checked row of one progress message; the PostgreSQL store writes the same columns. */
export function progressRow(deploymentId: number, l: ProgressMessageLocation, at: number): ProgressRow {
  return {
    deployment_id: v.nonNegativeInt('deploymentId', deploymentId),
    channel: v.text('channel', l.channel),
    ts: v.text('ts', l.ts),
    thread_ts: v.optionalText('threadTs', l.threadTs),
    title: v.optionalText('title', l.title),
    at: v.time('at', at),
  };
}

export function toLocation(r: ProgressRow): ProgressMessageLocation {
  return { channel: r.channel, ts: r.ts, threadTs: r.thread_ts ?? undefined, title: r.title ?? undefined };
}
