/** Output helpers of the command-line program: tables for people, JSON for programs. */
import { formatDuration, formatLocalTime } from "../util/human-format.js";

/** Widest cell of a table that is not `--wide`. */
const MAX_CELL = 60;
/** Narrowest a column is cut to when the table must fit the terminal. */
const MIN_COLUMN = 6;
const GAP = "  ";

/** Record fields holding seconds since the epoch. */
const TIME_FIELDS = new Set(["started_at", "ended_at", "submitted_at", "registered_at", "utc_timestamp"]);
/** Fields holding seconds of duration. */
const DURATION_FIELDS = new Set(["duration"]);

/** How a table is laid out. */
export interface TableLayout {
  /** Width to fit (the terminal's); undefined: no limit. */
  width?: number | undefined;
  /** Show every cell whole (`--wide`). */
  wide?: boolean | undefined;
}

/** Control characters a terminal acts on (all of C0 but tab and newline, DEL, C1). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with its control characters written as `\xHH`, so that values from
 * records or arguments cannot move the cursor, clear the screen or send
 * escape sequences to the terminal that shows them.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function cut(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s;
}

function cell(v: unknown, wide: boolean): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  const one = s.replace(/\s+/g, " ");
  return wide ? one : cut(one, MAX_CELL);
}

/** Narrows the widest columns, one character at a time, until the line fits `width`. */
function fitWidths(widths: number[], width: number): number[] {
  const out = [...widths];
  let total = out.reduce((a, b) => a + b, 0) + GAP.length * (out.length - 1);
  while (total > width) {
    let widest = 0;
    for (let i = 1; i < out.length; i++) if (out[i]! > out[widest]!) widest = i;
    if (out[widest]! <= MIN_COLUMN) break;
    out[widest]!--;
    total--;
  }
  return out;
}

/**
 * A plain-text table with a header line; columns as wide as their widest
 * cell, long cells cut with an ellipsis, and the widest columns narrowed
 * until the table fits `layout.width` — unless `layout.wide`.
 */
export function formatTable(columns: string[], rows: Record<string, unknown>[], layout: TableLayout = {}): string {
  const wide = layout.wide === true;
  const cells = rows.map((r) => columns.map((c) => cell(r[c], wide)));
  let widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  if (!wide && layout.width !== undefined) widths = fitWidths(widths, layout.width);
  const line = (values: string[]): string =>
    values
      .map((v, i) => cut(v, widths[i]!).padEnd(widths[i]!))
      .join(GAP)
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

/** The columns worth showing for records: the given ones first, in their order, then others in order of first appearance. */
export function columnsOf(rows: Record<string, unknown>[], preferred: readonly string[] = []): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  const first = preferred.filter((c) => seen.has(c));
  return [...first, ...[...seen].filter((c) => !first.includes(c))];
}

/** A row with times and durations written for people (local ISO times, `850 ms`); as it is with `raw`. */
export function humanRow(row: Record<string, unknown>, raw: boolean): Record<string, unknown> {
  if (raw) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = typeof v !== "number" ? v : TIME_FIELDS.has(k) ? formatLocalTime(v) : DURATION_FIELDS.has(k) ? formatDuration(v) : v;
  }
  return out;
}
