/** Value helpers shared by the test server's collection and commands. */
import { ObjectId, type Document } from "bson";

/** MongoDB's largest document, in bytes. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** True for `{...}` objects (not arrays, dates, ObjectIds or other BSON classes). */
export function isPlainDoc(v: unknown): v is Document {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Deep copy that keeps BSON value classes (ObjectId, Long, Binary…) as they are. */
export function cloneDoc<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneDoc) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainDoc(v)) {
    const out: Document = {};
    for (const k of Object.keys(v)) out[k] = cloneDoc(v[k]);
    return out as T;
  }
  return v;
}

/** A string that is equal for values an index treats as equal. */
export function indexKey(v: unknown): string {
  if (v === undefined || v === null) return "null";
  switch (typeof v) {
    case "string":
      return `s:${v}`;
    case "number":
      return `n:${v}`;
    case "boolean":
      return `b:${v}`;
    default:
  }
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (v instanceof ObjectId) return `o:${v.toHexString()}`;
  return `j:${JSON.stringify(v)}`;
}

/** The value at a dotted path, or undefined. */
export function getPath(doc: Document, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (!isPlainDoc(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * The first field name MongoDB refuses to store ( `$`-prefixed or dotted,
 * as MongoDB up to 4.4 and every update operator do), with its path; or undefined.
 */
export function invalidFieldName(doc: Document, prefix = ""): string | undefined {
  for (const key of Object.keys(doc)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.startsWith("$") || key.includes(".") || key.includes("\0")) return path;
    const v = doc[key];
    if (isPlainDoc(v)) {
      const bad = invalidFieldName(v, path);
      if (bad) return bad;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (isPlainDoc(v[i])) {
          const bad = invalidFieldName(v[i], `${path}.${i}`);
          if (bad) return bad;
        }
      }
    }
  }
  return undefined;
}
