import { nowSeconds } from "./clock.js";
import { redactValue } from "./redact.js";
import type { TaskRecord } from "./records.js";

/** The fields of a task record, any of which may be undefined. */
export type TaskFields = { [K in keyof TaskRecord as K extends "type" ? never : K]?: TaskRecord[K] | undefined } & { task_id: string };

/**
 * A task record from its fields, built the one way every path builds them:
 * `type: "task"`, fields in schema order, fields with no value (undefined or
 * null) left out, and `utc_timestamp` defaulting to `ended_at`, else
 * `started_at`, else now. `extra` adds fields outside Flowcept's task schema.
 * Named property writes in a fixed order keep every record of one shape, which
 * keeps the lightweight paths fast.
 */
export function taskRecord(f: TaskFields, extra?: Record<string, unknown>): TaskRecord {
  const rec: TaskRecord = { type: "task", task_id: f.task_id };
  if (f.workflow_id != null) rec.workflow_id = f.workflow_id;
  if (f.campaign_id != null) rec.campaign_id = f.campaign_id;
  if (f.activity_id != null) rec.activity_id = f.activity_id;
  if (f.used != null) rec.used = f.used;
  if (f.generated != null) rec.generated = f.generated;
  if (f.started_at != null) rec.started_at = f.started_at;
  if (f.ended_at != null) rec.ended_at = f.ended_at;
  if (f.submitted_at != null) rec.submitted_at = f.submitted_at;
  if (f.status != null) rec.status = f.status;
  if (f.stdout != null) rec.stdout = typeof f.stdout === "string" ? redactValue(f.stdout) : f.stdout;
  if (f.stderr != null) rec.stderr = typeof f.stderr === "string" ? redactValue(f.stderr) : f.stderr;
  if (f.parent_task_id != null) rec.parent_task_id = f.parent_task_id;
  if (f.group_id != null) rec.group_id = f.group_id;
  if (f.subtype != null) rec.subtype = f.subtype;
  if (f.tags != null) rec.tags = f.tags;
  if (f.custom_metadata != null) rec.custom_metadata = f.custom_metadata;
  if (f.telemetry_at_start != null) rec.telemetry_at_start = f.telemetry_at_start;
  if (f.telemetry_at_end != null) rec.telemetry_at_end = f.telemetry_at_end;
  if (f.hostname != null) rec.hostname = f.hostname;
  if (f.agent_id != null) rec.agent_id = f.agent_id;
  if (f.source_agent_id != null) rec.source_agent_id = f.source_agent_id;
  if (f.adapter_id != null) rec.adapter_id = f.adapter_id;
  if (f.address != null) rec.address = f.address;
  if (f.data != null) rec.data = f.data;
  if (f.utc_timestamp != null) rec.utc_timestamp = f.utc_timestamp;
  rec.utc_timestamp ??= rec.ended_at ?? rec.started_at ?? nowSeconds();
  if (extra !== undefined) for (const k in extra) if (extra[k] != null) rec[k] = extra[k];
  return rec;
}
