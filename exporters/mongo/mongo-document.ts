/**
 * How one record becomes one MongoDB upsert: the collection and id from
 * Flowcept's layout, field names escaped, time fields as dates,
 * `registered_at` set, over-large documents truncated, and an update
 * pipeline that merges into the stored document on the server (so several
 * writers merge correctly), following `lib/merge-records.ts`: later scalars
 * win, sub-documents merge key by key, FINISHED/ERROR never goes back, the
 * earliest `started_at` is kept.
 */
import { setOwn } from "../../lib/util/own-property.js";
import { randomUUID } from "node:crypto";
import type { Document } from "mongodb";
import { MERGED_SUBDOCUMENTS } from "../../lib/records/merge-records.js";
import { escapeKeys } from "./mongo-keys.js";
import { layoutForType } from "./mongo-layout.js";
import { TIME_FIELDS } from "../../lib/records/records.js";
import { isTerminalStatus, type FlowceptRecord } from "../../lib/records/records.js";
import { documentSize, MONGO_MAX_DOCUMENT_BYTES, truncateDocument } from "./truncate-document.js";
import { isPlainObject } from "../../lib/util/plain-object.js";

/** Room left under the limit for the update statement around the document. */
const STATEMENT_OVERHEAD = 64 * 1024;
/** Size under which a document is certainly small enough, measured roughly first. */
const ROUGH_SAFE_BYTES = 4 * 1024 * 1024;

const MERGED = new Set<string>(MERGED_SUBDOCUMENTS);
const TIMES = new Set<string>(TIME_FIELDS);
const TERMINAL = ["FINISHED", "ERROR"];

/** One record ready to be written. */
export interface MongoUpsert {
  collection: string;
  idField: string;
  id: string;
  /** The document's fields as stored (escaped, dates), without the id. */
  fields: Document;
  /** Paths replaced by a truncation marker. */
  truncated: string[];
}

/** Options of {@link toMongoUpsert}. */
export interface ToUpsertOptions {
  /** Drop fields that are null or "" (Flowcept's `db_buffer.remove_empty_fields`). */
  removeEmptyFields?: boolean;
  /** Largest document, in bytes (default: 16 MiB less room for the statement). */
  maxBytes?: number;
}

/** A record that cannot be written, and why. */
export class UnwritableRecordError extends Error {
  override readonly name = "UnwritableRecordError";
}

/** A rough lower-bound-ish size: enough to tell small documents from huge ones cheaply. */
function roughSize(v: unknown, budget: number): number {
  if (typeof v === "string") return v.length + 8;
  if (typeof v !== "object" || v === null) return 12;
  let n = 8;
  if (Array.isArray(v)) {
    for (const x of v) {
      n += roughSize(x, budget - n) + 4;
      if (n > budget) return n;
    }
    return n;
  }
  for (const k in v as Record<string, unknown>) {
    n += k.length + roughSize((v as Record<string, unknown>)[k], budget - n) + 2;
    if (n > budget) return n;
  }
  return n;
}

function removeEmpty(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (v === null || v === "" || v === undefined) continue;
    setOwn(out, k, isPlainObject(v) ? removeEmpty(v) : v);
  }
  return out;
}

/**
 * Converts a record. Throws {@link UnwritableRecordError} for a record of no
 * known type; a task without `task_id` gets a generated one (as Flowcept's
 * inserter does).
 */
export function toMongoUpsert(record: FlowceptRecord, now: Date, options: ToUpsertOptions = {}): MongoUpsert {
  const layout = layoutForType(record.type);
  if (!layout) throw new UnwritableRecordError(`record type ${JSON.stringify(record.type)} has no MongoDB collection`);
  let id = record[layout.idField];
  if (id === undefined || id === null || id === "") {
    if (layout.type !== "task") throw new UnwritableRecordError(`${layout.type} record without ${layout.idField}`);
    id = randomUUID();
  }
  if (typeof id !== "string") id = String(id);
  let fields: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key === "type" || key === layout.idField) continue;
    const v = record[key];
    if (v === undefined) continue;
    setOwn(fields, key, TIMES.has(key) && typeof v === "number" && Number.isFinite(v) ? new Date(v * 1000) : v);
  }
  if (options.removeEmptyFields) fields = removeEmpty(fields);
  fields = escapeKeys(fields);
  if (fields._id !== undefined) {
    // A record's own _id would collide with MongoDB's; keep it under another name.
    fields.record_id = fields._id;
    delete fields._id;
  }
  const maxBytes = options.maxBytes ?? MONGO_MAX_DOCUMENT_BYTES - STATEMENT_OVERHEAD;
  let truncated: string[] = [];
  if (roughSize(fields, ROUGH_SAFE_BYTES) > Math.min(ROUGH_SAFE_BYTES, maxBytes) / 4 && documentSize(fields) > maxBytes) {
    ({ doc: fields, truncated } = truncateDocument(fields, maxBytes));
  }
  if (fields.registered_at === undefined) fields.registered_at = now;
  return { collection: layout.name, idField: layout.idField, id: id as string, fields, truncated };
}

/** The update pipeline that merges `fields` into the stored document. */
export function mergePipeline(fields: Document): Document[] {
  const set: Document = {};
  for (const key of Object.keys(fields)) {
    const v = fields[key];
    const field = `$${key}`;
    if (MERGED.has(key) && isPlainObject(v)) {
      set[key] = { $cond: [{ $eq: [{ $type: field }, "object"] }, { $mergeObjects: [field, { $literal: v }] }, { $literal: v }] };
    } else if (key === "status" && !isTerminalStatus(v)) {
      set[key] = { $cond: [{ $in: [{ $ifNull: [field, null] }, TERMINAL] }, field, { $literal: v }] };
    } else if (key === "started_at" && v instanceof Date) {
      set[key] = { $min: [{ $ifNull: [field, v] }, { $literal: v }] };
    } else if (key === "registered_at") {
      set[key] = { $ifNull: [field, { $literal: v }] };
    } else {
      setOwn(set, key, { $literal: v });
    }
  }
  return [{ $set: set }];
}
