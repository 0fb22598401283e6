/**
 * What a line of the local store is about — its record type and id — read
 * from the bytes without decoding or parsing the line where they tell it
 * plainly (see `line-index.ts`), by parsing it otherwise.
 */
import { diag } from "@opentelemetry/api";
import type { FlowceptRecord } from "../records/records.js";
import { recordTypeOf } from "../records/record-type.js";
import type { CollectionName } from "./query-types.js";
import { scanFieldChoice, scanTopLevelStringField } from "./line-index.js";

/** A record as read from a line. */
export type StoredRecord = FlowceptRecord & Record<string, unknown>;

/** Record types with a collection, and the field that is their id. */
export const RECORD_TYPES = ["task", "workflow", "agent", "object"] as const;
export const ID_FIELDS = ["task_id", "workflow_id", "agent_id", "object_id"] as const;
const COLLECTIONS: CollectionName[] = ["tasks", "workflows", "agents", "objects"];
const TYPE_NAMES: readonly string[] = RECORD_TYPES;
/** How this package's writer begins a line: the type, then the id (`{"type":"task","task_id":"…`). */
const PREFIXES = RECORD_TYPES.map((t, i) => Buffer.from(`{"type":"${t}","${ID_FIELDS[i]}":"`, "latin1"));

/** The index in {@link RECORD_TYPES} of the records of `collection`. */
export function typeOfCollection(collection: CollectionName): number {
  return COLLECTIONS.indexOf(collection);
}

/** A line's record type (index in {@link RECORD_TYPES}) and id, and the record when finding them took a parse. */
export interface LineRecordId {
  type: number;
  id: string;
  parsed?: StoredRecord;
}

/**
 * Parses the line `buf[start, end)`; undefined when it is not a JSON
 * object, with a warning naming `file` and `line` when a line number is
 * given (a torn last line, a write in progress, is left quietly for the
 * next query).
 */
export function parseLine(buf: Buffer, start: number, end: number, file: string, line?: number): StoredRecord | undefined {
  const text = buf.toString("utf8", start, end);
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    if (line !== undefined && end < buf.length && text.trim() !== "") reportCorruptLine(file, line);
    return undefined;
  }
  return r && typeof r === "object" && !Array.isArray(r) ? (r as StoredRecord) : undefined;
}

/** The warning for a line of the store that is not JSON. */
export function reportCorruptLine(file: string, line: number): void {
  diag.warn(`flowcept: ${file}:${line}: corrupt line skipped`);
}

/** True when the whole line `buf[start, end)` is not JSON (blank lines are not corrupt). */
export function isCorruptLine(buf: Buffer, start: number, end: number): boolean {
  const text = buf.toString("utf8", start, end);
  try {
    JSON.parse(text);
    return false;
  } catch {
    return text.trim() !== "";
  }
}

/** The type whose value starts with this byte, right after `{"type":"` (t, w, a, o). */
const TYPE_BY_FIRST_BYTE = new Map(RECORD_TYPES.map((t, i) => [t.charCodeAt(0), i]));

/**
 * The type and id of a line as this package writes it, read from its first
 * two keys (nothing else of the line is looked at); undefined for any other form.
 */
function writerPrefix(buf: Buffer, start: number, end: number): LineRecordId | undefined {
  const type = TYPE_BY_FIRST_BYTE.get(buf[start + 9]!);
  if (type === undefined) return undefined;
  const p = PREFIXES[type]!;
  const from = start + p.length;
  if (from > end) return undefined;
  for (let i = 0; i < p.length; i++) if (buf[start + i] !== p[i]) return undefined;
  for (let i = from; i < end; i++) {
    const b = buf[i];
    if (b === 92) return undefined; // an escape: read the general way
    if (b === 34) return { type, id: buf.toString("utf8", from, i) };
  }
  return undefined;
}

/**
 * The type and id of the record on the line `buf[start, end)`, or undefined
 * for a line with neither (or, when `want` is a type index, for a line of
 * another type). A corrupt line is reported when `line` is given.
 */
export function lineRecordId(buf: Buffer, start: number, end: number, want: number, file: string, line?: number): LineRecordId | undefined {
  if (end === start) return undefined;
  const fast = writerPrefix(buf, start, end);
  if (fast !== undefined) return want !== -1 && fast.type !== want ? undefined : fast;
  const t = scanFieldChoice(buf, "type", TYPE_NAMES, start, end);
  if (t !== -1) {
    if (want !== -1 && t !== want) return undefined;
    const id = scanTopLevelStringField(buf, ID_FIELDS[t]!, start, end);
    if (id !== undefined) return { type: t, id };
  }
  const r = parseLine(buf, start, end, file, line);
  if (!r) return undefined;
  const type = TYPE_NAMES.indexOf(recordTypeOf(r) ?? "");
  if (type === -1 || (want !== -1 && type !== want)) return undefined;
  const id = r[ID_FIELDS[type]!];
  return typeof id === "string" ? { type, id, parsed: r } : undefined;
}
