import type { FlowceptRecord, TaskRecord, WorkflowRecord } from "../records/records.js";
import { formatDuration, formatLocalTime } from "../util/human-format.js";
import { AGENT_SUBTYPE } from "../records/agent-vocabulary.js";
import { taskUsage } from "./task-usage.js";

/** Per-activity figures of a workflow. */
export interface ActivitySummary {
  activity_id: string;
  count: number;
  statuses: Record<string, number>;
  /** Seconds: total, mean, min, max of the tasks with both times. */
  duration: { total: number; mean: number; min: number; max: number } | null;
}

/** Per-agent figures of a workflow: its tasks, model and tool calls, models and tokens. */
export interface AgentSummary {
  agent_id: string;
  name?: string;
  tasks: number;
  model_calls: number;
  tool_calls: number;
  models: string[];
  input_tokens: number;
  output_tokens: number;
  /** Some of the counts were estimated from characters (the provider reported none). */
  estimated_tokens: boolean;
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
  /** The agents whose tasks are in the workflow, when any. */
  agents?: AgentSummary[];
  /** Where the records were read from. */
  source?: string;
}

function agentSummaries(tasks: readonly TaskRecord[], names: ReadonlyMap<string, string>): AgentSummary[] {
  const by = new Map<string, AgentSummary>();
  for (const t of tasks) {
    if (typeof t.agent_id !== "string") continue;
    let a = by.get(t.agent_id);
    if (!a) by.set(t.agent_id, (a = { agent_id: t.agent_id, tasks: 0, model_calls: 0, tool_calls: 0, models: [], input_tokens: 0, output_tokens: 0, estimated_tokens: false }));
    a.tasks++;
    if (t.subtype === AGENT_SUBTYPE.AGENT_TOOL) a.tool_calls++;
    const u = taskUsage(t);
    if (u?.modelCall !== true) continue;
    a.model_calls++;
    if (u.model !== undefined && !a.models.includes(u.model)) a.models.push(u.model);
    a.input_tokens += u.inputTokens ?? 0;
    a.output_tokens += u.outputTokens ?? 0;
    if (u.estimated) a.estimated_tokens = true;
  }
  for (const a of by.values()) {
    const name = names.get(a.agent_id);
    if (name !== undefined && name !== a.agent_id) a.name = name;
  }
  return [...by.values()];
}

/**
 * Summarises a workflow from its (merged) workflow record and task records;
 * `agents` are the agent records of the agents among them (for their names).
 */
export function summarizeWorkflow(workflow: WorkflowRecord | undefined, tasks: readonly FlowceptRecord[], workflowId?: string, source?: string, agents: readonly FlowceptRecord[] = []): WorkflowSummary {
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
  const names = new Map<string, string>();
  for (const a of agents) if (typeof a.agent_id === "string" && typeof a.name === "string") names.set(a.agent_id, a.name);
  const perAgent = agentSummaries(tasks.filter((r): r is TaskRecord => r.type === undefined || r.type === "task"), names);
  if (perAgent.length) out.agents = perAgent;
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
  if (s.agents?.length) {
    lines.push("");
    lines.push("  agents:");
    for (const a of s.agents) {
      const tokens = a.model_calls ? `, tokens ${a.estimated_tokens ? "~" : ""}${a.input_tokens} in / ${a.output_tokens} out` : "";
      const models = a.models.length ? `, model ${a.models.join(", ")}` : "";
      lines.push(`    ${a.agent_id}${a.name ? ` (${a.name})` : ""}: ${a.tasks} tasks, ${a.model_calls} model calls, ${a.tool_calls} tool calls${models}${tokens}`);
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
