/**
 * One MLflow run as both stores describe it, and the task record it becomes.
 */
import type { JsonObject, TaskRecord } from "../../../lib/records/records.js";
import type { NameFilter } from "../name-filter.js";
import { compact, jsonNumber, msToSeconds, nowSeconds } from "../record-values.js";
import { taskStatusOfMlflow } from "./mlflow-status.js";
import { taskRecord } from "../../../lib/records/task-record.js";

/** The latest value of a metric, as MLflow picks it (highest step, then timestamp, then value). */
export interface MlflowMetric {
  value: number;
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** A run read from a tracking store. */
export interface MlflowRun {
  run_id: string;
  experiment_id: string;
  experiment_name?: string;
  run_name?: string;
  /** MLflow's status name (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED). */
  status: string;
  /** Milliseconds since the epoch. */
  start_time?: number;
  /** Milliseconds since the epoch; absent while the run is going. */
  end_time?: number;
  user_id?: string;
  lifecycle_stage?: string;
  artifact_uri?: string;
  params: Record<string, string>;
  metrics: Record<string, MlflowMetric>;
  tags: Record<string, string>;
}

/** True when `b` is later than `a` in MLflow's order for latest metrics. */
export function isLaterMetric(a: MlflowMetric, b: MlflowMetric): boolean {
  if (b.step !== a.step) return b.step > a.step;
  if (b.timestamp !== a.timestamp) return b.timestamp > a.timestamp;
  return b.value > a.value;
}

/** What a task record of a run needs besides the run. */
export interface MlflowRecordContext {
  /** Absolute path of the store. */
  store: string;
  store_type: "sqlite" | "file";
  workflowId: string;
  campaignId?: string;
  keepParam: NameFilter;
  keepMetric: NameFilter;
}

function sortedEntries<T>(obj: Record<string, T>): Array<[string, T]> {
  return Object.entries(obj).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * The task record of a run: `task_id` = run id, `used` = params,
 * `generated` = latest metrics (both filtered), times in float seconds, tags
 * and experiment in `custom_metadata`.
 */
export function mlflowRunToTask(run: MlflowRun, ctx: MlflowRecordContext): TaskRecord {
  const used: JsonObject = {};
  for (const [k, v] of sortedEntries(run.params)) if (ctx.keepParam(k)) used[k] = v;
  const generated: JsonObject = {};
  const steps: JsonObject = {};
  for (const [k, m] of sortedEntries(run.metrics)) {
    if (!ctx.keepMetric(k)) continue;
    generated[k] = jsonNumber(m.value);
    steps[k] = m.step;
  }
  const tags: JsonObject = {};
  for (const [k, v] of sortedEntries(run.tags)) tags[k] = v;
  const runName = run.run_name || run.tags["mlflow.runName"] || undefined;
  return taskRecord(
    compact({
      task_id: run.run_id,
      workflow_id: ctx.workflowId,
      campaign_id: ctx.campaignId,
      activity_id: runName,
      used,
      generated,
      started_at: msToSeconds(run.start_time),
      ended_at: msToSeconds(run.end_time),
      status: taskStatusOfMlflow(run.status),
      custom_metadata: compact({
        mlflow_status: run.status,
        run_name: runName,
        experiment_id: run.experiment_id,
        experiment_name: run.experiment_name,
        lifecycle_stage: run.lifecycle_stage,
        artifact_uri: run.artifact_uri,
        tags,
        metric_steps: steps,
        store: ctx.store,
        store_type: ctx.store_type,
      }) as JsonObject,
      adapter_id: "mlflow",
      utc_timestamp: nowSeconds(),
    }),
    { user: run.user_id || undefined },
  );
}
