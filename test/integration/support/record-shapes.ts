/**
 * The shape of records for the same-run comparison: every field's name and
 * JSON type, with the captured values (`used`, `generated`) and the telemetry
 * snapshots opened a few levels deep; and the differences between two tools'
 * shapes, checked against the list of intended differences in the docs.
 */
import { readFileSync } from "node:fs";
import type { FlowceptRecord } from "../../../lib/records/records.js";

/** Fields whose inner fields are compared too (the rest are compared by type only). */
const OPENED = new Set(["used", "generated", "telemetry_at_start", "telemetry_at_end"]);
const DEPTH = 3;

/** `absent` when a tool does not write the field. */
export type FieldType = "string" | "number" | "boolean" | "null" | "array" | "object" | "absent";

function jsonType(v: unknown): FieldType {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  return t === "string" || t === "number" || t === "boolean" ? t : "object";
}

function addShape(out: Map<string, FieldType>, value: unknown, path: string, depth: number): void {
  out.set(path, jsonType(value));
  if (depth >= DEPTH || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) addShape(out, v, `${path}.${k}`, depth + 1);
}

/** Records grouped as `workflow` and `task <activity_id>`, each group's fields (union over its records) with their types. */
export function recordShapes(records: FlowceptRecord[]): Map<string, Map<string, FieldType>> {
  const groups = new Map<string, Map<string, FieldType>>();
  for (const r of records) {
    const group = r.type === "workflow" ? "workflow" : `task ${String(r.activity_id)}`;
    const shape = groups.get(group) ?? new Map<string, FieldType>();
    groups.set(group, shape);
    for (const [k, v] of Object.entries(r)) {
      if (OPENED.has(k)) addShape(shape, v, k, 1);
      else shape.set(k, jsonType(v));
    }
  }
  return groups;
}

/** One row of the comparison. */
export interface ShapeRow {
  record: string;
  /** `(record)` when one tool writes no such record at all. */
  field: string;
  flowcept: FieldType;
  ours: FieldType;
}

/** Every field of every record group, side by side (`same` tells whether the tools agree). */
export function compareShapes(flowcept: Map<string, Map<string, FieldType>>, ours: Map<string, Map<string, FieldType>>): (ShapeRow & { same: boolean })[] {
  const rows: (ShapeRow & { same: boolean })[] = [];
  for (const record of [...new Set([...flowcept.keys(), ...ours.keys()])].sort()) {
    const a = flowcept.get(record);
    const b = ours.get(record);
    if (!a || !b) {
      rows.push({ record, field: "(record)", flowcept: a ? "object" : "absent", ours: b ? "object" : "absent", same: false });
      continue;
    }
    for (const field of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const fa = a.get(field) ?? "absent";
      const fb = b.get(field) ?? "absent";
      rows.push({ record, field, flowcept: fa, ours: fb, same: fa === fb });
    }
  }
  return rows;
}

/** A row of the intended-differences table: `record` is `workflow`, `task` (every task) or `task <activity>`. */
export interface IntendedDifference extends ShapeRow {
  why: string;
}

/** The table between `<!-- same-run differences -->` and `<!-- end -->` in a Markdown file. */
export function intendedDifferences(markdownPath: string): IntendedDifference[] {
  const text = readFileSync(markdownPath, "utf8");
  const start = text.indexOf("<!-- same-run differences -->");
  const end = text.indexOf("<!-- end -->", start);
  if (start === -1 || end === -1) throw new Error(`${markdownPath}: no same-run differences table`);
  const out: IntendedDifference[] = [];
  for (const line of text.slice(start, end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 7 || cells[1] === "record" || /^-+$/.test(cells[1]!)) continue;
    const unquote = (s: string): string => s.replace(/^`|`$/g, "");
    out.push({ record: unquote(cells[1]!), field: unquote(cells[2]!), flowcept: unquote(cells[3]!) as FieldType, ours: unquote(cells[4]!) as FieldType, why: cells[5]! });
  }
  return out;
}

/**
 * Whether a listed difference stands for a found one: a `task` row stands for
 * every task activity, and `*` in a listed field stands for one path segment
 * (`telemetry_at_*.*.age_ms`).
 */
export function covers(listed: ShapeRow, found: ShapeRow): boolean {
  const record = listed.record === found.record || (listed.record === "task" && found.record.startsWith("task "));
  const field = new RegExp(`^${listed.field.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^.]+")}$`);
  return record && field.test(found.field) && listed.flowcept === found.flowcept && listed.ours === found.ours;
}
