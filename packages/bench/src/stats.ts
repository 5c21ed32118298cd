/** Small figures for the benchmark reports. */

/** The nearest-rank percentile (0-100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** A fixed-width table for the terminal. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => String(row[col] ?? "").length)));
  return rows.map((row) => row.map((cell, col) => (col === 0 ? String(cell).padEnd(widths[col]!) : String(cell).padStart(widths[col]!))).join("  ")).join("\n");
}
