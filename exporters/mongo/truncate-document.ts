/**
 * Fitting an over-large document under MongoDB's 16 MiB limit: its largest
 * fields are replaced, largest first, by an explicit marker that says what
 * was there. Sub-documents are shrunk from the inside, so small fields next
 * to a huge one survive.
 */
import { mongoDriver } from "./mongo-driver.js";
import { isPlainObject } from "../../lib/util/plain-object.js";

/** MongoDB's document size limit. */
export const MONGO_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Key of the marker object that replaces a truncated value. */
export const TRUNCATED_MARKER = "flowcept_truncated";

const PREVIEW_CHARS = 256;

/** The marker that replaces a value of `bytes` BSON bytes. */
export function truncationMarker(value: unknown, bytes: number): Record<string, unknown> {
  let preview: string;
  try {
    preview = typeof value === "string" ? value.slice(0, PREVIEW_CHARS) : (JSON.stringify(value) ?? String(value)).slice(0, PREVIEW_CHARS);
  } catch {
    preview = String(value).slice(0, PREVIEW_CHARS);
  }
  return { [TRUNCATED_MARKER]: true, reason: "document over MongoDB's 16 MiB limit", original_bytes: bytes, preview };
}

function fieldSize(key: string, value: unknown): number {
  return mongoDriver().BSON.calculateObjectSize({ [key]: value });
}

/** BSON size of a document. */
export function documentSize(doc: Record<string, unknown>): number {
  return mongoDriver().BSON.calculateObjectSize(doc);
}

/**
 * Returns `doc` with its largest fields truncated until its BSON size is at
 * most `limit` bytes (a new object; `doc` is not changed). Fields named in
 * `keep` (ids) are never truncated. Returns the paths truncated.
 */
export function truncateDocument(
  doc: Record<string, unknown>,
  limit: number,
  keep: readonly string[] = [],
): { doc: Record<string, unknown>; truncated: string[] } {
  const truncated: string[] = [];
  const out = shrink(doc, limit, new Set(keep), "", truncated);
  return { doc: out, truncated };
}

function shrink(doc: Record<string, unknown>, limit: number, keep: Set<string>, prefix: string, truncated: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc };
  let total = mongoDriver().BSON.calculateObjectSize(out);
  const sizes = new Map<string, number>();
  for (const [k, v] of Object.entries(out)) if (!keep.has(k)) sizes.set(k, fieldSize(k, v));
  while (total > limit && sizes.size) {
    let key = "";
    let largest = -1;
    for (const [k, s] of sizes) if (s > largest) [key, largest] = [k, s];
    sizes.delete(key);
    const value = out[key];
    const path = prefix ? `${prefix}.${key}` : key;
    const excess = total - limit;
    let next: unknown;
    if (isPlainObject(value) && Object.keys(value).length > 1 && largest - excess > 1024) {
      next = shrink(value, Math.max(0, largest - excess - key.length - 8), new Set(), path, truncated);
    } else {
      next = truncationMarker(value, largest);
      truncated.push(path);
    }
    out[key] = next;
    total = total - largest + fieldSize(key, next);
  }
  return out;
}
