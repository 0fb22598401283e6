import { toJsonSafe } from "./json-safe.js";
import type { JsonValue } from "./records.js";

const URI_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)([^/@:\s]+)(?::[^/@\s]*)?@/i;

/** A URI with its password (or token user-info) replaced: `mongodb://user:***@host`. */
export function redactUri(uri: string): string {
  return uri.replace(URI_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/**
 * A snapshot of settings fit for a record: secret-looking keys redacted and
 * credentials removed from URIs.
 */
export function redactSettings(settings: unknown): JsonValue {
  return scrubUris(toJsonSafe(settings, { maxBytes: 256 * 1024, maxStringLength: 4096, maxDepth: 16 }));
}

function scrubUris(v: JsonValue): JsonValue {
  if (typeof v === "string") return URI_CREDENTIALS.test(v) ? redactUri(v) : v;
  if (Array.isArray(v)) return v.map(scrubUris);
  if (v && typeof v === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = scrubUris(x);
    return out;
  }
  return v;
}
