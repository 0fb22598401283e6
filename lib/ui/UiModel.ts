/**
 * What the UI shows of a store, kept in memory and brought up to date as
 * records arrive: each workflow's record (merged as the stores merge them)
 * and its {@link TaskTable}. Full records (what a task used and generated,
 * its telemetry) stay in the store and are queried when a page asks.
 */
import { mergeRecord } from "../records/merge-records.js";
import type { FlowceptRecord } from "../records/records.js";
import type { WorkflowRow } from "./api-types.js";
import { TaskTable } from "./TaskTable.js";

/** One workflow: its record, when the store has one, and its tasks. */
export interface WorkflowState {
  id: string;
  record?: Record<string, unknown>;
  tasks: TaskTable;
  /** Changes whenever a record of the workflow arrives. */
  version: number;
}

/** Options of {@link UiModel.list}. */
export interface WorkflowQuery {
  /** Words every listed workflow has in its name, id or campaign id. */
  search?: string | undefined;
  status?: string | undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** See the file header. */
export class UiModel {
  private readonly workflows = new Map<string, WorkflowState>();
  /** Changes whenever any record arrives. */
  version = 0;

  /** Number of workflows known. */
  get size(): number {
    return this.workflows.size;
  }

  /** Takes records (task and workflow messages; others are ignored). Returns the workflows they changed. */
  apply(records: Iterable<Record<string, unknown>>): Set<string> {
    const touched = new Set<string>();
    for (const r of records) {
      const wf = str(r.workflow_id);
      if (wf === undefined || wf === "") continue;
      if (r.type === "task") {
        if (typeof r.task_id !== "string") continue;
        this.state(wf).tasks.apply(r);
      } else if (r.type === "workflow") {
        const s = this.state(wf);
        s.record = s.record ? (mergeRecord(s.record as FlowceptRecord, r as FlowceptRecord) as Record<string, unknown>) : { ...r };
      } else continue;
      const s = this.workflows.get(wf)!;
      s.version++;
      touched.add(wf);
    }
    if (touched.size) this.version++;
    return touched;
  }

  private state(id: string): WorkflowState {
    let s = this.workflows.get(id);
    if (!s) this.workflows.set(id, (s = { id, tasks: new TaskTable(), version: 0 }));
    return s;
  }

  /** The workflow, if known. */
  get(id: string): WorkflowState | undefined {
    return this.workflows.get(id);
  }

  /** The workflows' ids that start with `prefix`. */
  idsStartingWith(prefix: string): string[] {
    const out: string[] = [];
    for (const id of this.workflows.keys()) if (id.startsWith(prefix)) out.push(id);
    return out;
  }

  /** The row of the workflows page. */
  row(s: WorkflowState): WorkflowRow {
    const r = s.record ?? {};
    const t = s.tasks;
    const row: WorkflowRow = { workflow_id: s.id, tasks: { ...t.counts }, n_tasks: t.size };
    const name = str(r.name);
    if (name !== undefined) row.name = name;
    const status = str(r.status);
    if (status !== undefined) row.status = status;
    else if (t.size) row.status = t.counts.RUNNING ? "RUNNING" : t.counts.ERROR ? "ERROR" : "FINISHED";
    const campaign = str(r.campaign_id) ?? t.campaignId;
    if (campaign !== undefined) row.campaign_id = campaign;
    const start = num(r.started_at);
    if (start !== undefined) row.started_at = start;
    const end = num(r.ended_at);
    if (end !== undefined) row.ended_at = end;
    if (t.firstStart !== undefined) row.first_task_at = t.firstStart;
    if (t.lastEnd !== undefined) row.last_task_at = t.lastEnd;
    return row;
  }

  /** Workflows that match `q`, latest first. */
  list(q: WorkflowQuery = {}): WorkflowRow[] {
    const words = (q.search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    const out: WorkflowRow[] = [];
    for (const s of this.workflows.values()) {
      const row = this.row(s);
      if (q.status && row.status !== q.status) continue;
      if (words.length) {
        const text = `${row.name ?? ""} ${row.workflow_id} ${row.campaign_id ?? ""} ${str(s.record?.subtype) ?? ""} ${str(s.record?.user) ?? ""}`.toLowerCase();
        if (!words.every((w) => text.includes(w))) continue;
      }
      out.push(row);
    }
    const when = (r: WorkflowRow): number => r.started_at ?? r.first_task_at ?? 0;
    return out.sort((a, b) => when(b) - when(a));
  }
}
