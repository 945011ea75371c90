import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHash, type ChainedAuditEntry } from '../../src/store/audit-chain.js';
import { SqliteStore } from '../../src/store/sqlite.js';

// The audit log is tamper-evident: rows written by Jarvis's store, the file then edited as an attacker
// with write access to it would (better-sqlite3, the append-only triggers dropped), and the real CLI
// asked to verify the chain.

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A data directory whose store holds `n` audit rows, as Jarvis wrote them. */
async function dataDirWith(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-audit-'));
  const store = new SqliteStore(join(dir, 'jarvis.db'));
  for (let i = 1; i <= n; i++) {
    await store.appendAudit({
      at: T0 + i * 1000,
      actor: i % 2 ? 'alice' : 'bob',
      channel: 'slack',
      tool: 'rollback_service',
      inputSummary: `roll back checkout in prd (${i})`,
      decision: 'ask:confirm+mfa',
      outcome: i === 3 ? 'mfa-failed' : 'ok',
      detail: { deploymentId: i, reason: `because ${i}` },
    });
  }
  await store.close();
  return dir;
}

/** Opens the file as an attacker would: the triggers that refuse updates and deletes dropped. */
function tamper(dir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'jarvis.db'));
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  edit(db);
  db.close();
}

/** `jarvis audit ...` as a process, with the data directory set. */
function jarvisAudit(dir: string, ...args: string[]): { status: number | null; stdout: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: `${run.stdout}${run.stderr}` };
}

function rowOf(db: Database.Database, id: number) {
  return db.prepare<[number], Record<string, unknown>>('SELECT * FROM audit_log WHERE id = ?').get(id)!;
}

describe('jarvis audit --verify on an edited store file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('says an untouched log is intact', async () => {
    dir = await dataDirWith(5);

    const run = jarvisAudit(dir, '--verify');

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Audit log intact: 5 rows checked.');
  });

  it.each<{ name: string; edit: (db: Database.Database) => void; row: number; says: RegExp }>([
    {
      name: 'an outcome changed',
      edit: (db) => db.prepare("UPDATE audit_log SET outcome = 'ok' WHERE id = 3").run(),
      row: 3,
      says: /content does not match its hash/,
    },
    {
      name: 'a detail changed',
      edit: (db) => db.prepare(`UPDATE audit_log SET detail = '{"deploymentId":2}' WHERE id = 2`).run(),
      row: 2,
      says: /content does not match its hash/,
    },
    {
      name: 'a row removed',
      edit: (db) => db.prepare('DELETE FROM audit_log WHERE id = 2').run(),
      row: 3,
      says: /rows 2\.\.2 before it are missing/,
    },
    {
      name: 'a row changed and its own hash recomputed',
      edit: (db) => {
        const row = rowOf(db, 3);
        const entry = {
          id: 3,
          at: row.at as number,
          actor: row.actor as string,
          channel: row.channel as string,
          tool: row.tool as string,
          inputSummary: row.input_summary as string,
          decision: row.decision as string,
          outcome: 'ok',
          detail: JSON.parse(row.detail as string) as Record<string, unknown>,
        };
        const hash = auditHash(entry, row.prev_hash as string);
        db.prepare("UPDATE audit_log SET outcome = 'ok', hash = ? WHERE id = 3").run(hash);
      },
      row: 4,
      says: /link does not match the row before it/,
    },
    {
      name: 'a forged row appended without the chain',
      edit: (db) =>
        db
          .prepare(
            `INSERT INTO audit_log (id, at, actor, channel, tool, input_summary, decision, outcome, detail)
             VALUES (6, 1, 'mallory', 'slack', 'deploy_service', 'deploy', 'allow', 'ok', NULL)`,
          )
          .run(),
      row: 6,
      says: /no hash/,
    },
  ])('names the first broken row when $name', async ({ edit, row, says }) => {
    // Arrange
    dir = await dataDirWith(5);
    tamper(dir, edit);

    // Act
    const run = jarvisAudit(dir, '--verify');

    // Assert
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`Audit log broken at row ${row}:`);
    expect(run.stdout).toMatch(says);
  });
});

describe('jarvis audit --export', () => {
  it('writes every row oldest first as JSON lines, each linked to the one before', async () => {
    // Arrange
    const dir = await dataDirWith(4);
    const file = join(dir, 'audit.jsonl');

    try {
      // Act
      const run = jarvisAudit(dir, '--export', file);
      const toStdout = jarvisAudit(dir, '--export');

      // Assert
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`Exported 4 audit rows to ${file}.`);
      const rows = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ChainedAuditEntry & { time: string });
      expect(rows.map((r) => [r.id, r.outcome, r.time])).toEqual([
        [1, 'ok', '2026-01-05T09:00:01.000Z'],
        [2, 'ok', '2026-01-05T09:00:02.000Z'],
        [3, 'mfa-failed', '2026-01-05T09:00:03.000Z'],
        [4, 'ok', '2026-01-05T09:00:04.000Z'],
      ]);
      expect(rows[0]?.prevHash).toBeNull();
      for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
      for (const r of rows) {
        const { time: _time, prevHash, hash, ...entry } = r;
        expect(auditHash(entry, prevHash ?? null)).toBe(hash);
      }
      expect(toStdout.stdout.trim().split('\n')).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
