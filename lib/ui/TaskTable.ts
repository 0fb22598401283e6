/**
 * The tasks of one workflow as the UI's task table needs them: one small
 * row per task (the record's scalar fields, merged message by message as
 * the stores merge them), counts by status kept as rows change, and views —
 * the rows that pass a filter, in a sort order — kept until the table
 * changes, so that scrolling asks only for a window of rows.
 */
import { mergeRecord } from "../records/merge-records.js";
import type { FlowceptRecord } from "../records/records.js";
import type { TaskRow } from "./api-types.js";

/** The fields a row keeps. */
export const ROW_FIELDS = ["task_id", "workflow_id", "activity_id", "status", "started_at", "ended_at", "parent_task_id", "group_id", "hostname", "subtype"] as const;

/** Columns the table sorts by. */
export const SORT_KEYS = ["started_at", "ended_at", "duration", "activity_id", "status", "task_id", "hostname"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** What a view keeps and how it orders it. */
export interface TaskView {
  activities?: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  hostnames?: readonly string[] | undefined;
  /** Started at or after (seconds since the epoch). */
  from?: number | undefined;
  /** Started at or before. */
  to?: number | undefined;
  /** Only these tasks (the text search's answer). */
  only?: ReadonlySet<string> | undefined;
  /** A key naming `only`, for the view cache. */
  onlyKey?: string | undefined;
  sort?: SortKey | undefined;
  descending?: boolean | undefined;
}

/** The compact row of a task record. */
export function taskRow(r: Record<string, unknown>): TaskRow {
  const row: Record<string, unknown> = {};
  for (const f of ROW_FIELDS) {
    const v = r[f];
    if (typeof v === "string" || typeof v === "number") row[f] = v;
  }
  if (r.telemetry_at_start !== undefined || r.telemetry_at_end !== undefined || r.telemetry === true) row.telemetry = true;
  return row as unknown as TaskRow;
}

function duration(r: TaskRow): number | undefined {
  return r.started_at !== undefined && r.ended_at !== undefined ? r.ended_at - r.started_at : undefined;
}

function sortValue(r: TaskRow, key: SortKey): string | number | undefined {
  return key === "duration" ? duration(r) : r[key];
}

const VIEWS_KEPT = 8;

/** See the file header. */
export class TaskTable {
  readonly rows: TaskRow[] = [];
  private readonly byId = new Map<string, number>();
  /** Tasks by status. */
  readonly counts: Record<string, number> = {};
  /** Changes whenever a row is added or changed. */
  version = 0;
  firstStart: number | undefined;
  /** The campaign of the first task that names one. */
  campaignId: string | undefined;
  lastEnd: number | undefined;
  private views = new Map<string, Int32Array>();
  private readonly activityNames = new Set<string>();
  private readonly hostNames = new Set<string>();

  get size(): number {
    return this.rows.length;
  }

  /** The row of `taskId`. */
  get(taskId: string): TaskRow | undefined {
    const i = this.byId.get(taskId);
    return i === undefined ? undefined : this.rows[i];
  }

  /** Activities seen, in order of first appearance. */
  get activities(): string[] {
    return [...this.activityNames];
  }

  get hostnames(): string[] {
    return [...this.hostNames];
  }

  /** Adds a task message (merged with the task's earlier ones); returns its row. */
  apply(record: Record<string, unknown>): TaskRow | undefined {
    const id = record.task_id;
    if (typeof id !== "string") return undefined;
    const incoming = taskRow(record);
    if (this.campaignId === undefined && typeof record.campaign_id === "string") this.campaignId = record.campaign_id;
    const at = this.byId.get(id);
    let row: TaskRow;
    if (at === undefined) {
      row = incoming;
      this.byId.set(id, this.rows.length);
      this.rows.push(row);
    } else {
      const old = this.rows[at]!;
      this.count(old.status, -1);
      row = mergeRecord({ ...old, type: "task" } as unknown as FlowceptRecord, { ...incoming, type: "task" } as unknown as FlowceptRecord) as unknown as TaskRow;
      delete (row as unknown as Record<string, unknown>).type;
      if (old.telemetry) row.telemetry = true;
      this.rows[at] = row;
    }
    this.count(row.status, 1);
    if (row.activity_id !== undefined) this.activityNames.add(row.activity_id);
    if (row.hostname !== undefined) this.hostNames.add(row.hostname);
    if (row.started_at !== undefined && (this.firstStart === undefined || row.started_at < this.firstStart)) this.firstStart = row.started_at;
    const end = row.ended_at ?? row.started_at;
    if (end !== undefined && (this.lastEnd === undefined || end > this.lastEnd)) this.lastEnd = end;
    this.version++;
    if (this.views.size) this.views.clear();
    return row;
  }

  private count(status: string | undefined, d: number): void {
    const s = status ?? "UNKNOWN";
    const n = (this.counts[s] ?? 0) + d;
    if (n > 0) this.counts[s] = n;
    else delete this.counts[s];
  }

  /** Indexes of the rows that pass `v`, in its order (kept until the table changes). */
  view(v: TaskView): Int32Array {
    const key = JSON.stringify([v.activities, v.statuses, v.hostnames, v.from, v.to, v.onlyKey, v.sort, v.descending]);
    const kept = this.views.get(key);
    if (kept) return kept;
    const acts = v.activities?.length ? new Set(v.activities) : undefined;
    const stats = v.statuses?.length ? new Set(v.statuses) : undefined;
    const hosts = v.hostnames?.length ? new Set(v.hostnames) : undefined;
    const picked: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i]!;
      if (acts && !acts.has(r.activity_id ?? "")) continue;
      if (stats && !stats.has(r.status ?? "UNKNOWN")) continue;
      if (hosts && !hosts.has(r.hostname ?? "")) continue;
      if (v.from !== undefined && !(r.started_at !== undefined && r.started_at >= v.from)) continue;
      if (v.to !== undefined && !(r.started_at !== undefined && r.started_at <= v.to)) continue;
      if (v.only && !v.only.has(r.task_id)) continue;
      picked.push(i);
    }
    const out = Int32Array.from(picked);
    const key2 = v.sort ?? "started_at";
    const dir = v.descending ? -1 : 1;
    const values = new Array<string | number | undefined>(this.rows.length);
    for (const i of out) values[i] = sortValue(this.rows[i]!, key2);
    out.sort((a, b) => {
      const x = values[a];
      const y = values[b];
      // Rows without the value go last, whatever the direction.
      if (x === undefined || y === undefined) return x === y ? a - b : x === undefined ? 1 : -1;
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a - b;
    });
    if (this.views.size >= VIEWS_KEPT) this.views.delete(this.views.keys().next().value!);
    this.views.set(key, out);
    return out;
  }
}
