import { enrichRecord } from "./enrich-record.js";
import { RawJson, type RawRecord } from "./RawJson.js";
import type { FlowceptRecord } from "./records.js";

/** Whether a record holds any {@link RawJson} value. */
export function hasRawJson(rec: RawRecord): boolean {
  for (const k in rec) if (rec[k] instanceof RawJson) return true;
  return false;
}

/**
 * The record with every {@link RawJson} value parsed — a plain JSON object —
 * and its derived fields added (`telemetry_summary`). Returns the same object
 * when there is nothing to parse.
 */
export function materializeRecord(rec: RawRecord): FlowceptRecord {
  if (!hasRawJson(rec)) return enrichRecord(rec as FlowceptRecord);
  const out: Record<string, unknown> = {};
  for (const k in rec) {
    const v = rec[k];
    out[k] = v instanceof RawJson ? v.toJSON() : v;
  }
  return enrichRecord(out as FlowceptRecord);
}
