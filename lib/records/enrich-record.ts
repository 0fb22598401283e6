/**
 * Fields derived from a record's own content, added where records are read
 * or handed to a database (as Flowcept's inserter enriches tasks), not on the
 * local store's write path: a task with both telemetry snapshots gets its
 * `telemetry_summary`. Readers of the local store (`readBufferFile`, the query
 * API) and the MongoDB path see it; the JSONL file, like Flowcept's own
 * buffer file, holds the snapshots only.
 */
import type { FlowceptRecord, JsonObject } from "./records.js";
import { telemetrySummary } from "./telemetry-summary.js";
import { isPlainObject } from "../util/plain-object.js";

/**
 * The record with `telemetry_summary` added when it is a task with both
 * snapshots and no summary yet (a shallow copy; `rec` is not changed), else
 * `rec` itself.
 */
export function enrichRecord<T extends FlowceptRecord>(rec: T): T {
  if (rec.telemetry_summary !== undefined || rec.type === "workflow") return rec;
  const start = rec.telemetry_at_start;
  const end = rec.telemetry_at_end;
  if (!isPlainObject(start) || !isPlainObject(end)) return rec;
  const duration = typeof rec.ended_at === "number" && typeof rec.started_at === "number" ? rec.ended_at - rec.started_at : undefined;
  try {
    return { ...rec, telemetry_summary: telemetrySummary(start as JsonObject, end as JsonObject, duration) };
  } catch {
    return rec; // malformed snapshots: no summary rather than a failed read
  }
}
