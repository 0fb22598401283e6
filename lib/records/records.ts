/**
 * The record schema: plain JSON objects with Flowcept's field names, so that
 * Flowcept's own tools can read what this package writes.
 */

/** Task status values, as in Flowcept's `Status` vocabulary. */
export const Status = {
  SUBMITTED: "SUBMITTED",
  WAITING: "WAITING",
  RUNNING: "RUNNING",
  FINISHED: "FINISHED",
  ERROR: "ERROR",
  UNKNOWN: "UNKNOWN",
} as const;

/** One of the {@link Status} values. */
export type StatusValue = (typeof Status)[keyof typeof Status];

/** A JSON value as stored in a record. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object as stored in `used`, `generated`, `custom_metadata`, telemetry… */
export type JsonObject = { [key: string]: JsonValue };

/** Fields every record carries. */
export interface BaseRecord {
  /** `"task"`, `"workflow"`, `"agent"` or `"object"`. */
  type: string;
  /** Seconds since the epoch when this message was produced. */
  utc_timestamp?: number;
  [key: string]: unknown;
}

/** A task record (Flowcept's TaskObject). Fields with no value are left out. */
export interface TaskRecord extends BaseRecord {
  type: "task";
  task_id: string;
  workflow_id?: string;
  campaign_id?: string;
  activity_id?: string;
  used?: JsonObject;
  generated?: JsonObject;
  /** Float seconds since the epoch. */
  started_at?: number;
  /** Float seconds since the epoch. */
  ended_at?: number;
  submitted_at?: number;
  status?: StatusValue;
  stdout?: string | JsonObject;
  stderr?: string | JsonObject;
  parent_task_id?: string;
  group_id?: string;
  subtype?: string;
  tags?: string[];
  custom_metadata?: JsonObject;
  telemetry_at_start?: JsonObject;
  telemetry_at_end?: JsonObject;
  telemetry_summary?: JsonObject;
  hostname?: string;
  agent_id?: string;
  source_agent_id?: string;
  adapter_id?: string;
  address?: string;
  data?: JsonValue;
}

/** A workflow record (Flowcept's WorkflowObject plus `started_at`, `ended_at`, `status`). */
export interface WorkflowRecord extends BaseRecord {
  type: "workflow";
  workflow_id: string;
  campaign_id?: string;
  parent_workflow_id?: string;
  name?: string;
  subtype?: string;
  used?: JsonObject;
  generated?: JsonObject;
  machine_info?: JsonObject;
  conf?: JsonObject;
  flowcept_settings?: JsonObject;
  flowcept_version?: string;
  user?: string;
  adapter_id?: string;
  interceptor_ids?: string[];
  custom_metadata?: JsonObject;
  environment_id?: string;
  sys_name?: string;
  node_name?: string;
  hostname?: string;
  public_ip?: string;
  private_ip?: string;
  extra_metadata?: JsonValue;
  started_at?: number;
  ended_at?: number;
  status?: StatusValue;
}

/**
 * Fields holding float seconds since the epoch (Flowcept's
 * `TaskObject.get_time_field_names()`); MongoDB stores them as dates.
 */
export const TIME_FIELDS: readonly string[] = ["started_at", "ended_at", "submitted_at", "registered_at", "utc_timestamp"];

/** Any record this package writes. */
export type FlowceptRecord = TaskRecord | WorkflowRecord | BaseRecord;

/** Statuses after which a task never goes back to an earlier state. */
export function isTerminalStatus(status: unknown): boolean {
  return status === Status.FINISHED || status === Status.ERROR;
}
