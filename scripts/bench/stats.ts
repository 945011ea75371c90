/**
 * One measured figure, printed as a row; `goal`/`ok` when the figure has a target. `value` is NaN when
 * the run did not measure what the figure names; `note` then says why.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  goal?: string;
  ok?: boolean;
  note?: string;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** The q-quantile (0..1) by nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A plain-text table of figures. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    Number.isNaN(f.value)
      ? 'not measured'
      : `${f.value >= 100 ? f.value.toFixed(0) : f.value.toFixed(2)} ${f.unit}`,
    f.goal ?? '',
    f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED',
    f.note ?? '',
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length), 4));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
