/**
 * Checks and caches blocks as JSON text, so that a capture only joins
 * strings and writes each block's age.
 */
import type { JsonObject, JsonValue } from "../records/records.js";

const MAX_DEPTH = 8;

function clean(value: unknown, depth: number): JsonValue | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value === null || value === undefined || typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH) throw new Error("telemetry block nested too deeply");
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const v of value) {
      const c = clean(v, depth + 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const c = clean(v, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/**
 * A copy of a probe's result holding only JSON values: non-finite numbers,
 * `null` and `undefined` are left out (records never carry null). Throws
 * when the result is not an object.
 */
export function cleanBlock(value: unknown): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`a telemetry probe returned ${Array.isArray(value) ? "an array" : typeof value}, not an object`);
  }
  return clean(value, 0) as JsonObject;
}

// Stands for the age in the cached text; a NUL never occurs in probe output.
const AGE = "\u0000age\u0000";
const AGE_JSON = JSON.stringify(AGE);

/** An object's JSON text split where its age goes: `parts.join(String(ageMs))` is the full text. */
export type AgedJson = string[];

/** `obj` with `sampled_at` and an age placeholder added, as {@link AgedJson}. */
export function agedJson(obj: JsonObject, sampledAt: number): AgedJson {
  return JSON.stringify({ ...obj, sampled_at: sampledAt, age_ms: AGE }).split(AGE_JSON);
}

/** Like {@link agedJson} for each entry of a block whose values are objects (the `gpu` block). */
export function agedJsonPerEntry(block: JsonObject, sampledAt: number): AgedJson {
  const withAge: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block)) {
    withAge[k] = typeof v === "object" && v !== null && !Array.isArray(v) ? { ...v, sampled_at: sampledAt, age_ms: AGE } : v;
  }
  return JSON.stringify(withAge).split(AGE_JSON);
}
