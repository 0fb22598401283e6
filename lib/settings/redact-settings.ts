import { toJsonSafe } from "../records/json-safe.js";
import { redactUri } from "../records/redact.js";
import type { JsonValue } from "../records/records.js";

/**
 * A snapshot of settings fit for a record: secret-looking keys redacted and
 * credentials removed from URIs.
 */
export function redactSettings(settings: unknown): JsonValue {
  return scrubUris(toJsonSafe(settings, { maxBytes: 256 * 1024, maxStringLength: 4096, maxDepth: 16 }));
}

function scrubUris(v: JsonValue): JsonValue {
  if (typeof v === "string") return redactUri(v);
  if (Array.isArray(v)) return v.map(scrubUris);
  if (v && typeof v === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = scrubUris(x);
    return out;
  }
  return v;
}
