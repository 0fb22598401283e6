import type { FlowceptRecord, TaskRecord, WorkflowRecord } from "../records/records.js";
import { formatDuration, formatLocalTime } from "../util/human-format.js";

/** Per-activity figures of a workflow. */
export interface ActivitySummary {
  activity_id: string;
  count: number;
  statuses: Record<string, number>;
  /** Seconds: total, mean, min, max of the tasks with both times. */
  duration: { total: number; mean: number; min: number; max: number } | null;
}

/** A readable digest of one workflow and its tasks. */
export interface WorkflowSummary {
  workflow_id: string;
  name?: string;
  status?: string;
  campaign_id?: string;
  started_at?: number;
  ended_at?: number;
  duration?: number;
  task_count: number;
  statuses: Record<string, number>;
  activities: ActivitySummary[];
  /** The first failed tasks, with their error. */
  errors: { activity_id: string; task_id: string; stderr: string }[];
  /** The error a failed workflow ended with (its `stderr`). */
  error?: string;
  /** Where the records were read from. */
  source?: string;
}

/** Summarises a workflow from its (merged) workflow record and task records. */
export function summarizeWorkflow(workflow: WorkflowRecord | undefined, tasks: readonly FlowceptRecord[], workflowId?: string, source?: string): WorkflowSummary {
  const statuses: Record<string, number> = {};
  const acts = new Map<string, ActivitySummary & { sum: number; timed: number }>();
  const errors: WorkflowSummary["errors"] = [];
  for (const r of tasks) {
    if (r.type !== undefined && r.type !== "task") continue; // query results carry no `type`
    const t = r as TaskRecord;
    const status = t.status ?? "UNKNOWN";
    statuses[status] = (statuses[status] ?? 0) + 1;
    const name = t.activity_id ?? "(unnamed)";
    let a = acts.get(name);
    if (!a) acts.set(name, (a = { activity_id: name, count: 0, statuses: {}, duration: null, sum: 0, timed: 0 }));
    a.count++;
    if (status === "ERROR" && errors.length < 5) errors.push({ activity_id: name, task_id: t.task_id, stderr: typeof t.stderr === "string" ? t.stderr : JSON.stringify(t.stderr ?? "") });
    a.statuses[status] = (a.statuses[status] ?? 0) + 1;
    if (typeof t.started_at === "number" && typeof t.ended_at === "number") {
      const d = Math.max(0, t.ended_at - t.started_at);
      a.sum += d;
      a.timed++;
      a.duration = a.duration ? { total: 0, mean: 0, min: Math.min(a.duration.min, d), max: Math.max(a.duration.max, d) } : { total: 0, mean: 0, min: d, max: d };
    }
  }
  const activities = [...acts.values()].map(({ sum, timed, ...a }) => ({
    ...a,
    duration: a.duration ? { ...a.duration, total: sum, mean: sum / timed } : null,
  }));
  const wf = workflow;
  const out: WorkflowSummary = {
    workflow_id: wf?.workflow_id ?? workflowId ?? "(unknown)",
    task_count: activities.reduce((n, a) => n + a.count, 0),
    statuses,
    activities,
    errors,
  };
  if (wf?.name) out.name = wf.name;
  if (wf?.status) out.status = wf.status;
  if (wf?.campaign_id) out.campaign_id = wf.campaign_id;
  if (typeof wf?.started_at === "number") out.started_at = wf.started_at;
  if (typeof wf?.ended_at === "number") out.ended_at = wf.ended_at;
  if (out.started_at !== undefined && out.ended_at !== undefined) out.duration = out.ended_at - out.started_at;
  const stderr = (wf as { stderr?: unknown } | undefined)?.stderr;
  if (stderr !== undefined && stderr !== "") out.error = typeof stderr === "string" ? stderr : JSON.stringify(stderr);
  if (source) out.source = source;
  return out;
}


function fmtCounts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** The summary as text for people. */
export function formatWorkflowSummary(s: WorkflowSummary): string {
  const lines: string[] = [];
  lines.push(`Workflow ${s.name ? `"${s.name}" ` : ""}${s.workflow_id}`);
  if (s.status) lines.push(`  status:    ${s.status}`);
  if (s.error) lines.push(`  error:     ${s.error}`);
  if (s.campaign_id) lines.push(`  campaign:  ${s.campaign_id}`);
  if (s.started_at !== undefined) lines.push(`  started:   ${formatLocalTime(s.started_at)}`);
  if (s.duration !== undefined) lines.push(`  duration:  ${formatDuration(s.duration)}`);
  lines.push(`  tasks:     ${s.task_count} (${fmtCounts(s.statuses) || "none"})`);
  if (s.activities.length) {
    const w = Math.max(8, ...s.activities.map((a) => a.activity_id.length));
    lines.push("");
    lines.push(`  ${"activity".padEnd(w)}  ${"tasks".padStart(6)}  ${"mean".padStart(9)}  ${"max".padStart(9)}  ${"total".padStart(9)}  status`);
    for (const a of s.activities) {
      const d = a.duration;
      lines.push(
        `  ${a.activity_id.padEnd(w)}  ${String(a.count).padStart(6)}  ${(d ? formatDuration(d.mean) : "-").padStart(9)}  ${(d ? formatDuration(d.max) : "-").padStart(9)}  ${(d ? formatDuration(d.total) : "-").padStart(9)}  ${fmtCounts(a.statuses)}`,
      );
    }
  }
  if (s.errors.length) {
    lines.push("");
    lines.push("  errors:");
    for (const e of s.errors) lines.push(`    ${e.activity_id}: ${e.stderr}`);
  }
  if (s.source) {
    lines.push("");
    lines.push(`  records:   ${s.source}`);
  }
  return lines.join("\n");
}
