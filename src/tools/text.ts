import Table from 'cli-table3';

/**
 * A plain table (box drawing, no colour codes), readable in a terminal and in a Slack code block alike.
 * Cells are turned into text; null and undefined show as an en dash. With `width` (a Slack message's 100
 * columns), a table wider than that has its widest columns narrowed and their cells wrapped onto more
 * lines, never cut; without it (or when it fits) the table is laid out as wide as its cells.
 */
export function textTable(
  head: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  width = Infinity,
): string {
  const text = rows.map((r) => r.map(cell));
  // Each column is its text plus a space either side; n + 1 borders.
  const natural = head.map((h, i) => Math.max(h.length, ...text.map((r) => longestLine(r[i] ?? ''))));
  const widths = fit(natural, head, width - (head.length + 1) - 2 * head.length);
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of text) table.push(row.map((c, i) => wrap(c, widths[i] ?? Infinity).join('\n')));
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
 * so that they fit a Slack message and a terminal alike. null and undefined show as an en dash. With
 * `width` (a Slack message's 100 columns), rows and notes wider than that are wrapped: the widest columns
 * are narrowed and their cells continue on the next lines, notes continue indented under themselves;
 * nothing is cut. Without it (or when everything fits) each row and note is one line.
 */
export function columns(head: readonly string[], rows: readonly ColumnRow[], width = Infinity): string {
  const text = rows.map((r) => r.cells.map(cell));
  const natural = head.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const widths = fit(natural, head, width - 2 * (head.length - 1));
  const line = (cells: readonly string[]): string[] => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i] ?? Infinity));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, at) =>
      wrapped
        .map((w, i) => (i === wrapped.length - 1 ? (w[at] ?? '') : (w[at] ?? '').padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  };
  const note = (text: string): string[] =>
    wrap(text, width - NOTE.length).map((l, i) => `${i === 0 ? NOTE : ' '.repeat(NOTE.length)}${l}`);
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    ...line(head),
    rule,
    ...rows.flatMap((r, i) => [...line(text[i] ?? []), ...(r.note ? note(r.note) : [])]),
  ].join('\n');
}

/** What opens a row's note. */
const NOTE = '  └─ ';
/** The narrowest a column is made to fit a width: a date or a status still reads whole. */
const MIN_COLUMN = 10;

/**
 * Column widths within `room` characters of text: the widest column is narrowed, one character at a
 * time, until the sum fits or no column can give more (none narrower than its header or
 * {@link MIN_COLUMN}); `natural` as it is when it fits already.
 */
function fit(natural: readonly number[], head: readonly string[], room: number): number[] {
  const widths = [...natural];
  const floor = (i: number): number => Math.min(natural[i] ?? 0, Math.max(head[i]?.length ?? 0, MIN_COLUMN));
  let excess = widths.reduce((a, b) => a + b, 0) - room;
  while (excess > 0) {
    let widest = -1;
    for (const [i, w] of widths.entries()) {
      if (w > floor(i) && (widest < 0 || w > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    widths[widest]! -= 1;
    excess -= 1;
  }
  return widths;
}

/**
 * `text` in lines of at most `width` characters, broken between words where it can and inside a word
 * longer than a line; its own line breaks are kept. `[text]` as it is for an unbounded width.
 */
export function wrap(text: string, width: number): string[] {
  if (!Number.isFinite(width) || width <= 0) return [text];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let current = '';
    for (const word of paragraph.split(' ')) {
      let rest = word;
      const joined = current === '' ? rest : `${current} ${rest}`;
      if (joined.length <= width) {
        current = joined;
        continue;
      }
      if (current !== '') lines.push(current);
      while (rest.length > width) {
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
      current = rest;
    }
    lines.push(current);
  }
  return lines;
}

function longestLine(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
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
