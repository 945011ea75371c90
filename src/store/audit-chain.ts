import { createHash } from 'node:crypto';
import type { AuditEntry } from './store.js';

/**
 * The audit log as a hash chain: each row carries the hash of the row before it and its own hash, over
 * the canonical JSON of its content (id included), so that a row changed, removed or inserted in the
 * file breaks the chain at the row where it happened. Rows written before the chain existed (schema 8
 * and older) carry no hashes; the chain starts after them.
 */

/** An audit row with its links: what `jarvis audit --export` writes, one per line. */
export interface ChainedAuditEntry extends AuditEntry {
  /** The previous row's hash; `null` for the first row of the chain. Absent on rows from before it. */
  prevHash?: string | null;
  /** SHA-256 (hex) of `prevHash` and the canonical JSON of the row; absent on rows from before the chain. */
  hash?: string;
}

export interface AuditChainStore {
  /** Audit rows with their hashes, oldest first, with ids above `afterId` (0: from the start), at most `limit`. */
  auditChain(afterId: number, limit: number): Promise<ChainedAuditEntry[]>;
}

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of `entry` after `prevHash`: what its row must carry. */
export function auditHash(entry: AuditEntry, prevHash: string | null): string {
  const { id, at, actor, channel, tool, inputSummary, decision, outcome, detail } = entry;
  const content = { id, at, actor, channel, tool, inputSummary, decision, outcome, detail: detail ?? null };
  return createHash('sha256')
    .update(`${prevHash ?? ''}\n${canonicalJson(content)}`)
    .digest('hex');
}

/** The outcome of checking the chain. */
export type ChainVerdict =
  | { ok: true; rows: number; unchained: number }
  | { ok: false; rows: number; unchained: number; brokenAt: number; reason: string };

/**
 * Checks rows given oldest first (in pages: pass the state back in), and stops at the first broken one.
 * A row is broken when its content does not hash to its `hash` (it was changed), when its `prevHash` is
 * not the hash of the row before it (a row before it was changed, removed or inserted), when its id does
 * not follow the previous one (rows removed), or when it has no hash after the chain began.
 */
export class ChainVerifier {
  private rows = 0;
  private unchained = 0;
  private last: { id: number; hash: string | undefined } | undefined;
  private broken: { brokenAt: number; reason: string } | undefined;

  /** Feeds the next rows; false once a break was found (the rest need not be read). */
  add(rows: readonly ChainedAuditEntry[]): boolean {
    for (const row of rows) {
      if (this.broken) return false;
      this.rows++;
      const previous = this.last;
      this.last = { id: row.id, hash: row.hash };
      if (row.hash === undefined) {
        if (previous?.hash !== undefined) {
          this.broken = { brokenAt: row.id, reason: 'it has no hash, though the chain began before it' };
        } else {
          this.unchained++;
        }
        continue;
      }
      if (previous && row.id !== previous.id + 1) {
        this.broken = {
          brokenAt: row.id,
          reason: `rows ${previous.id + 1}..${row.id - 1} before it are missing (removed)`,
        };
      } else if ((row.prevHash ?? null) !== (previous?.hash ?? null)) {
        this.broken = {
          brokenAt: row.id,
          reason: 'its link does not match the row before it (that row was changed, removed or inserted)',
        };
      } else if (auditHash(row, row.prevHash ?? null) !== row.hash) {
        this.broken = {
          brokenAt: row.id,
          reason: 'its content does not match its hash (the row was changed)',
        };
      }
    }
    return this.broken === undefined;
  }

  verdict(): ChainVerdict {
    const counts = { rows: this.rows, unchained: this.unchained };
    return this.broken ? { ok: false, ...counts, ...this.broken } : { ok: true, ...counts };
  }
}
