import { toJsonSafe } from "../records/json-safe.js";
import type { JsonValue } from "../records/records.js";

/**
 * A snapshot of settings fit for a record: the redaction rule of
 * `records/redact.ts` applied (secret-looking keys, credentials in URIs,
 * token-shaped values).
 */
export function redactSettings(settings: unknown): JsonValue {
  return toJsonSafe(settings, { maxBytes: 256 * 1024, maxStringLength: 4096, maxDepth: 16 });
}
