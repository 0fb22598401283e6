/** Output helpers of the command-line program: tables for people, JSON for programs. */

const MAX_CELL = 60;

function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  const one = s.replace(/\s+/g, " ");
  return one.length > MAX_CELL ? `${one.slice(0, MAX_CELL - 1)}…` : one;
}

/** A plain-text table with a header line; columns as wide as their widest cell. */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

/** The columns worth showing for records: the given ones first, then others in order of first appearance. */
export function columnsOf(rows: Record<string, unknown>[], preferred: string[] = []): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  const first = preferred.filter((c) => seen.has(c));
  return [...first, ...[...seen].filter((c) => !first.includes(c))];
}

/** Seconds as a short human duration (`850 ms`, `12.3 s`, `4 min 05 s`). */
export function formatDuration(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${String(Math.round(seconds - m * 60)).padStart(2, "0")} s`;
}

/** Seconds since the epoch as an ISO time, or "". */
export function formatTime(seconds: unknown): string {
  return typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : "";
}
