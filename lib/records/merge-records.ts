import { setOwn } from "../util/own-property.js";
import { isTerminalStatus, type FlowceptRecord } from "./records.js";
import { isPlainObject } from "../util/plain-object.js";

/** Sub-documents whose keys are merged, not replaced, when messages for one id meet. */
export const MERGED_SUBDOCUMENTS = [
  "used",
  "generated",
  "custom_metadata",
  "telemetry_at_start",
  "telemetry_at_end",
  "telemetry_summary",
  "machine_info",
] as const;

const MERGED = new Set<string>(MERGED_SUBDOCUMENTS);

/**
 * Merges a later message for the same id into an earlier one, as the MongoDB
 * exporter's upsert does: later scalar fields win, the sub-documents in
 * {@link MERGED_SUBDOCUMENTS} merge key by key, a FINISHED or ERROR status
 * never goes back to an earlier state, and `started_at` keeps the earliest
 * value. Returns a new object; the inputs are not modified.
 */
export function mergeRecord<T extends FlowceptRecord>(earlier: T, later: FlowceptRecord): T {
  const out: Record<string, unknown> = { ...earlier };
  for (const [key, value] of Object.entries(later)) {
    if (value === undefined) continue;
    const prev = out[key];
    if (MERGED.has(key) && isPlainObject(prev) && isPlainObject(value)) {
      out[key] = { ...prev, ...value };
    } else if (key === "status") {
      if (!isTerminalStatus(prev) || isTerminalStatus(value)) out[key] = value;
    } else if (key === "started_at" && typeof prev === "number" && typeof value === "number") {
      out[key] = Math.min(prev, value);
    } else {
      setOwn(out, key, value);
    }
  }
  return out as T;
}

/** The id a record is merged by: `task_id`, `workflow_id`, `agent_id` or `object_id`. */
export function recordKey(r: FlowceptRecord): string | undefined {
  switch (r.type) {
    case "task":
      return typeof r.task_id === "string" ? `task:${r.task_id}` : undefined;
    case "workflow":
      return typeof r.workflow_id === "string" ? `workflow:${r.workflow_id}` : undefined;
    case "agent":
      return typeof r.agent_id === "string" ? `agent:${r.agent_id}` : undefined;
    case "object":
      return typeof r.object_id === "string" ? `object:${r.object_id}` : undefined;
    default:
      return undefined;
  }
}

/**
 * Merges messages by id (tasks by `task_id`, workflows by `workflow_id`, …),
 * keeping the order of first appearance. Records without an id are kept as they are.
 */
export function mergeRecords(records: Iterable<FlowceptRecord>): FlowceptRecord[] {
  const out: FlowceptRecord[] = [];
  const index = new Map<string, number>();
  for (const r of records) {
    const key = recordKey(r);
    if (key === undefined) {
      out.push(r);
      continue;
    }
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(r);
    } else {
      out[at] = mergeRecord(out[at]!, r);
    }
  }
  return out;
}
