/**
 * Value helpers shared by the adapters: records are plain JSON, so values
 * JSON cannot hold get an explicit, documented form.
 */
import { createHash } from "node:crypto";
import type { JsonObject, JsonValue } from "../../lib/records/records.js";
import { traceIdToUuid } from "../../lib/records/ids.js";

/**
 * A number as JSON can hold it: finite numbers as they are; NaN and the
 * infinities (real training logs have them) as the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"`, as Python's `json` spells them.
 */
export function jsonNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return "NaN";
  return v > 0 ? "Infinity" : "-Infinity";
}

/** Milliseconds since the epoch (MLflow's unit) to float seconds (Flowcept's). */
export function msToSeconds(ms: number | null | undefined): number | undefined {
  return typeof ms === "number" && Number.isFinite(ms) ? ms / 1000 : undefined;
}


/** Drops keys whose value is undefined, null, or an empty object, so records carry no empty fields. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as T;
}

/** A short stable digest of a JSON value, to tell whether a record changed since it was emitted. */
export function contentDigest(value: JsonValue | JsonObject | Record<string, unknown>): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("base64url");
}

/** This package's namespace for name-based UUIDs (a fixed random UUID). */
const UUID_NAMESPACE = Buffer.from("3b8d0f6e2a7c4e19b5d6c0a4f1e29d73", "hex");

/**
 * A name-based UUID (RFC 9562 version 5, SHA-1) in a namespace of this
 * package: the same name always gives the same id, so a store read again
 * (after a restart, on another day) keeps its workflow ids.
 */
export function stableUuid(name: string): string {
  const h = createHash("sha1").update(UUID_NAMESPACE).update(name, "utf8").digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return traceIdToUuid(hex);
}

export { nowSeconds } from "../../lib/records/clock.js";
