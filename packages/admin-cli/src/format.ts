/**
 * Plain-text tables for a terminal: columns padded to their widest cell, numbers aligned to
 * the right, two spaces between columns, an optional footer (e.g. totals) under a rule.
 */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  /** Rows printed under a dashed rule, e.g. a totals line. */
  footer?: Cell[][];
  /** Printed instead of an empty table. */
  empty?: string;
}

/** Renders a cell: null/undefined as "-", numbers as they are, booleans as yes/no. */
export function cellText(value: Cell): string {
  if (value === null || value === undefined || value === "") return "-";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

export function renderTable(columns: readonly Column[], rows: readonly Cell[][], options: TableOptions = {}): string {
  if (rows.length === 0 && options.empty !== undefined) return options.empty;
  const footer = options.footer ?? [];
  const body = rows.map((row) => columns.map((_, i) => cellText(row[i])));
  // (in the footer, empty and missing cells stay blank: "TOTAL" spans the label columns)
  const foot = footer.map((row) => columns.map((_, i) => (row[i] === undefined || row[i] === "" ? "" : cellText(row[i]))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...body.map((row) => width(row[i]!)), ...foot.map((row) => width(row[i]!))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]!.align === "right" ? padStart(cell, widths[i]!) : padEnd(cell, widths[i]!)))
      .join("  ")
      .trimEnd();
  const lines = [line(columns.map((c) => c.header)), ...body.map(line)];
  if (foot.length) {
    lines.push(widths.map((w) => "-".repeat(w)).join("  "));
    lines.push(...foot.map(line));
  }
  return lines.join("\n");
}

/** `key: value` lines with the keys padded to the same width. */
export function renderPairs(pairs: readonly [string, Cell][]): string {
  const keyWidth = Math.max(0, ...pairs.map(([key]) => key.length + 1));
  return pairs.map(([key, value]) => `${padEnd(`${key}:`, keyWidth)} ${cellText(value)}`.trimEnd()).join("\n");
}

/** Seconds with at most one decimal ("12.3"), "-" when absent. */
export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return String(Math.round(value * 10) / 10);
}

/** An ISO time without milliseconds ("2025-03-01T12:00:00Z"), "-" when absent. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "-";
  return value.replace(/\.\d+Z$/, "Z");
}

// Display width: code points (no terminal knows better for the text these tables show).
const width = (text: string) => [...text].length;
const padEnd = (text: string, to: number) => text + " ".repeat(Math.max(0, to - width(text)));
const padStart = (text: string, to: number) => " ".repeat(Math.max(0, to - width(text))) + text;
