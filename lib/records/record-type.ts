/**
 * A message's record type. Flowcept's own writers leave `type` out of some
 * messages (a `FlowceptLoop`'s iteration tasks); its database inserter then
 * infers it from the fields present, and so do this package's readers.
 */
import type { FlowceptRecord } from "./records.js";

const KNOWN = new Set(["task", "workflow", "agent", "object"]);

/**
 * `type` when the message carries one; else the type Flowcept's inserter
 * would infer: a task (`task_id` or `activity_id`), an agent (`agent_id`), a
 * workflow (`name` or `environment_id`); else undefined.
 */
export function recordTypeOf(r: Record<string, unknown>): string | undefined {
  const t = r.type;
  if (typeof t === "string") return KNOWN.has(t) ? t : undefined;
  if (t !== undefined && t !== null) return undefined;
  if ("task_id" in r || "activity_id" in r) return "task";
  if ("agent_id" in r) return "agent";
  if ("name" in r || "environment_id" in r) return "workflow";
  return undefined;
}

/** The message with its inferred `type` set (a shallow copy) when it had none; else the message itself. */
export function withRecordType(r: FlowceptRecord): FlowceptRecord {
  if (typeof r.type === "string") return r;
  const type = recordTypeOf(r);
  return type === undefined ? r : ({ ...(r as Record<string, unknown>), type } as FlowceptRecord);
}
