import { isPlainObject } from "../util/plain-object.js";
/** CSV output of query results (RFC 4180 quoting; nested objects become dotted columns). */

/** `{ used: { x: 1 } }` → `{ "used.x": 1 }`; arrays stay whole. */
export function flattenRecord(r: Record<string, unknown>, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(r)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length) flattenRecord(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Every column of the rows: those under the `first` fields in that order, then the rest in order of first appearance. */
export function csvHeader(rows: Record<string, unknown>[], first: string[] = []): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  const rank = (c: string): number => {
    const i = first.findIndex((f) => c === f || c.startsWith(`${f}.`));
    return i === -1 ? first.length : i;
  };
  return [...seen].map((c, i) => [c, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([c]) => c);
}

/** One CSV line (without its newline). Objects and arrays are written as JSON. */
export function csvRow(values: unknown[]): string {
  return values
    .map((v) => {
      if (v === undefined || v === null) return "";
      const s = typeof v === "object" ? JSON.stringify(v) : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}
