import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import pc from 'picocolors';
import { loadEnvSettings } from '../config/env.js';
import { JarvisError } from '../errors.js';
import { ChainVerifier, type AuditChainStore } from '../store/audit-chain.js';
import { openStore } from '../store/open.js';
import type { AuditEntry } from '../store/store.js';
import { MAX_LIMIT } from '../store/validate.js';

export interface AuditOptions {
  /** An ISO time, or a duration back from now: `30m`, `24h`, `7d`, `2w`. */
  since?: string;
  actor?: string;
  /** Most entries shown, 1..10000 (default 50), as typed. */
  limit?: string;
  /** JSON lines instead of a table. */
  json?: boolean;
  /** Check the hash chain of the whole log and name the first row where it breaks. */
  verify?: boolean;
  /** Write the whole log, oldest first with its hashes, as JSON lines: to this file, or stdout (`true`). */
  export?: string | boolean;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `jarvis audit`: prints the audit log of `<JARVIS_DATA_DIR>/jarvis.db`, newest first, as a table or as
 * JSON lines (one entry per line, with `time` in ISO form next to `at`). A missing database is reported,
 * not created. `--verify` checks the hash chain instead and `--export` writes the whole chained log (see
 * {@link verifyAudit}, {@link exportAudit}). Resolves with the exit status: 1 when the chain is broken.
 * Throws INVALID_INPUT for a malformed `since` or `limit`.
 */
export async function runAudit(
  opts: AuditOptions,
  out: NodeJS.WritableStream = process.stdout,
  now: number = Date.now(),
): Promise<number> {
  const since = opts.since === undefined ? undefined : parseSince(opts.since, now);
  const limit = parseLimit(opts.limit ?? '50');
  const env = loadEnvSettings();
  const file = join(env.JARVIS_DATA_DIR, 'jarvis.db');
  if (env.JARVIS_DATABASE_URL === undefined && !existsSync(file)) {
    if (!opts.json && opts.export !== true)
      out.write(
        `No audit log yet: ${file} does not exist (set JARVIS_DATA_DIR to Jarvis's data directory).\n`,
      );
    return 0;
  }
  const store = await openStore({ databaseUrl: env.JARVIS_DATABASE_URL, file, dataDir: env.JARVIS_DATA_DIR });
  try {
    if (opts.verify) return await verifyAudit(store, out);
    if (opts.export !== undefined && opts.export !== false) {
      await exportAudit(store, opts.export === true ? out : opts.export, out);
      return 0;
    }
    const entries = await store.listAudit({ since, actor: opts.actor, limit });
    if (opts.json) {
      for (const e of entries) out.write(`${JSON.stringify({ ...e, time: new Date(e.at).toISOString() })}\n`);
      return 0;
    }
    out.write(entries.length === 0 ? 'No audit entries match.\n' : `${renderTable(entries)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

const PAGE = 1000;

/**
 * Checks the hash chain of the whole log, oldest row first, and says whether it holds or the first row
 * where it breaks (what was done to the file from there on cannot be trusted). Resolves 0 or 1.
 */
export async function verifyAudit(store: AuditChainStore, out: NodeJS.WritableStream): Promise<number> {
  const verifier = new ChainVerifier();
  for (let after = 0; ;) {
    const rows = await store.auditChain(after, PAGE);
    if (rows.length === 0 || !verifier.add(rows)) break;
    after = rows[rows.length - 1]!.id;
  }
  const v = verifier.verdict();
  const before = v.unchained > 0 ? ` (${v.unchained} written before the chain began, not covered)` : '';
  if (v.ok) {
    out.write(`Audit log intact: ${v.rows} rows checked${before}.\n`);
    return 0;
  }
  out.write(
    `Audit log broken at row ${v.brokenAt}: ${v.reason}. Rows before it are intact; from row ${v.brokenAt} on, the log cannot be trusted.\n`,
  );
  return 1;
}

/**
 * Writes every row, oldest first, as one JSON object a line (with `time`, `prevHash` and `hash`), to
 * `target`: a file path (created or replaced; `out` then gets a one-line report) or a stream.
 */
export async function exportAudit(
  store: AuditChainStore,
  target: string | NodeJS.WritableStream,
  out: NodeJS.WritableStream,
): Promise<void> {
  const lines: string[] = [];
  let count = 0;
  const sink = typeof target === 'string' ? undefined : target;
  for (let after = 0; ;) {
    const rows = await store.auditChain(after, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      const line = `${JSON.stringify({ ...row, time: new Date(row.at).toISOString() })}\n`;
      if (sink) sink.write(line);
      else lines.push(line);
      count++;
    }
    after = rows[rows.length - 1]!.id;
  }
  if (typeof target === 'string') {
    writeFileSync(target, lines.join(''));
    out.write(`Exported ${count} audit rows to ${target}.\n`);
  }
}

/**
 * The time `value` means: an ISO date or date-time, or a duration (`<n>m|h|d|w`) before `now`. Throws
 * INVALID_INPUT otherwise.
 */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * (UNIT_MS[relative[2] ?? ''] ?? 0);
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new JarvisError(
      'INVALID_INPUT',
      `--since ${JSON.stringify(value)}: give an ISO time (2026-01-05 or 2026-01-05T09:00:00Z) or a duration such as 30m, 24h, 7d, 2w.`,
    );
  }
  return at;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new JarvisError(
      'INVALID_INPUT',
      `--limit ${JSON.stringify(value)}: give a whole number from 1 to ${MAX_LIMIT}.`,
    );
  }
  return n;
}

function renderTable(entries: readonly AuditEntry[]): string {
  const table = new Table({
    head: ['time (UTC)', 'actor', 'channel', 'tool', 'call', 'decision', 'outcome', 'detail'],
    colWidths: [22, null, null, null, 44, null, null, 36],
    wordWrap: true,
    // cli-table3 colours borders even when piped; only a terminal gets colours.
    style: pc.isColorSupported ? { head: ['bold'] } : { head: [], border: [] },
  });
  for (const e of entries) {
    table.push([
      new Date(e.at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z'),
      e.actor,
      e.channel,
      e.tool,
      e.inputSummary,
      colourDecision(e.decision),
      e.outcome,
      e.detail ? JSON.stringify(e.detail) : '',
    ]);
  }
  return table.toString();
}

function colourDecision(decision: string): string {
  if (decision === 'deny') return pc.red(decision);
  if (decision === 'allow') return pc.green(decision);
  return decision.startsWith('ask') ? pc.yellow(decision) : decision;
}
