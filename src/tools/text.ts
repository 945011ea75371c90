import Table from 'cli-table3';

/**
 * A plain table (box drawing, no colour codes), readable in a terminal and in a Slack code block alike.
 * Cells are turned into text; null and undefined show as an en dash.
 */
export function textTable(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(cell));
  return table.toString();
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A ratio as a percentage with the precision people read error rates at: 0.0123 → "1.23%". */
export function percent(ratio: unknown, digits = 2): string {
  return typeof ratio === 'number' && Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)}%` : '–';
}

/** Seconds as "1m 05s" / "42s"; anything else as an en dash. */
export function duration(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Narrows an untrusted result to a record; undefined for anything else. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The records of an untrusted array field; empty when it is not an array. */
export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record).filter((r) => r !== undefined) : [];
}
