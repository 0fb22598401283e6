import { isPlainObject } from "../../lib/util/plain-object.js";
/**
 * Reversible escaping of field names MongoDB refuses to store: a leading
 * `$`, a `.` anywhere, and NUL (which BSON cannot encode at all). Escaping is
 * percent-style; `%` itself is escaped too, so that un-escaping is exact.
 * Keys without any of these characters are left untouched, and objects that
 * need no change are returned as they are (no copy).
 */

const NEEDS_ESCAPE = /^\$|[.\0%]/;

/** Escapes one field name. */
export function escapeKey(key: string): string {
  if (!NEEDS_ESCAPE.test(key)) return key;
  let out = key.replace(/%/g, "%25").replace(/\./g, "%2E").replace(/\0/g, "%00");
  if (out.startsWith("$")) out = `%24${out.slice(1)}`;
  return out;
}

/** Reverses {@link escapeKey}. */
export function unescapeKey(key: string): string {
  if (!key.includes("%")) return key;
  return key.replace(/%(25|2E|00|24)/g, (_m, code: string) => String.fromCharCode(parseInt(code, 16)));
}

function mapKeys(value: unknown, fn: (k: string) => string): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = mapKeys(value[i], fn);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const nk = fn(k);
    const v = value[k];
    const nv = mapKeys(v, fn);
    if (out === undefined && (nk !== k || nv !== v)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = value[keys[j]!];
    }
    if (out !== undefined) out[nk] = nv;
  }
  return out ?? value;
}

/** Escapes every field name in `value`, at any depth. Returns `value` itself when nothing needed escaping. */
export function escapeKeys<T>(value: T): T {
  return mapKeys(value, escapeKey) as T;
}

/** Reverses {@link escapeKeys}. */
export function unescapeKeys<T>(value: T): T {
  return mapKeys(value, unescapeKey) as T;
}
