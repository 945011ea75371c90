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

/** One row of {@link columns}: its cells, and an optional note printed under it ("└─ Reason: ..."). */
export interface ColumnRow {
  cells: readonly unknown[];
  note?: string | undefined;
}

/**
 * Space-aligned columns under a rule, as the seed conversations show tables: narrower than box drawing,
 * so that they fit a Slack message and a terminal alike. null and undefined show as an en dash.
 */
export function columns(head: readonly string[], rows: readonly ColumnRow[]): string {
  const text = rows.map((r) => r.cells.map(cell));
  const widths = head.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    line(head),
    rule,
    ...rows.flatMap((r, i) => [line(text[i] ?? []), ...(r.note ? [`  └─ ${r.note}`] : [])]),
  ].join('\n');
}

/** Wall-clock ms as `YYYY-MM-DD` in `timeZone` (an IANA name; default UTC); an en dash for anything else. */
export function day(ms: unknown, timeZone: unknown = 'UTC'): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: typeof timeZone === 'string' ? timeZone : 'UTC',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(ms);
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/** Seconds as "1d 4h" / "3h 11m" for spans of hours, else as {@link duration}. */
export function span(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 3600) return duration(seconds);
  const m = Math.round(seconds / 60);
  const [d, h, min] = [Math.floor(m / 1440), Math.floor((m % 1440) / 60), m % 60];
  return d > 0 ? `${d}d ${h}h` : `${h}h ${String(min).padStart(2, '0')}m`;
}
