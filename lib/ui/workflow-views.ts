/**
 * What the workflow page draws, reduced on the server so that a page of a
 * workflow of any size stays small: the Gantt timeline (at most a few
 * thousand bars, the earliest in the range asked), per-activity statistics,
 * telemetry series, and the task and dataflow graphs (one node per task in
 * small workflows, one per activity in big ones).
 */
import type { LineageGraph } from "../query/lineage-types.js";
import { telemetryPoints } from "../report/report-charts.js";
import { activityLinks, groupActivities, percentile } from "../report/workflow-card.js";
import type { ActivityStats, GraphData, GraphEdge, GraphNode, TaskRow, TelemetryCharts, Timeline } from "./api-types.js";
import type { TaskTable } from "./TaskTable.js";

/** Bars the timeline sends at most. */
export const TIMELINE_BARS = 3000;
/** Tasks a graph shows one node each for; above, tasks are grouped by activity. */
export const GRAPH_TASK_NODES = 300;

/** The timeline's bars: tasks that start in `[from, to]`, earliest first, at most `limit`. */
export function timelineOf(table: TaskTable, from?: number, to?: number, limit = TIMELINE_BARS): Timeline {
  const view = table.view({ from, to, sort: "started_at" });
  const bars = [];
  for (let i = 0; i < view.length && bars.length < limit; i++) {
    const r = table.rows[view[i]!]!;
    if (r.started_at === undefined) continue;
    bars.push({ task_id: r.task_id, activity_id: r.activity_id ?? "unknown", status: r.status ?? "UNKNOWN", start: r.started_at, end: Math.max(r.ended_at ?? r.started_at, r.started_at) });
  }
  const out: Timeline = { bars, total: view.length };
  if (table.firstStart !== undefined) out.t0 = table.firstStart;
  if (table.lastEnd !== undefined) out.t1 = table.lastEnd;
  return out;
}

/** Per-activity counts and duration figures, in order of first start. */
export function activityStatsOf(rows: readonly TaskRow[]): ActivityStats[] {
  return groupActivities(rows as unknown as Record<string, unknown>[]).map((a) => {
    const s: ActivityStats = { activity_id: a.activity_id, n_tasks: a.n_tasks, status_counts: a.status_counts };
    if (a.started_at_min !== undefined) s.started_at_min = a.started_at_min;
    if (a.ended_at_max !== undefined) s.ended_at_max = a.ended_at_max;
    const d = a.elapsed;
    if (d.length) {
      let sum = 0;
      for (const x of d) sum += x;
      s.duration = { min: d[0]!, q1: percentile(d, 0.25), median: percentile(d, 0.5), q3: percentile(d, 0.75), p95: percentile(d, 0.95), max: d[d.length - 1]!, mean: sum / d.length };
    }
    return s;
  });
}

/** Telemetry series of tasks holding snapshots, one per metric. */
export function telemetryOf(tasks: readonly Record<string, unknown>[], withTelemetry: number): TelemetryCharts {
  const by = new Map<string, [number, number][]>();
  for (const p of telemetryPoints(tasks)) {
    let s = by.get(p.metric);
    if (!s) by.set(p.metric, (s = []));
    s.push([p.time, p.value]);
  }
  return { series: [...by].map(([metric, points]) => ({ metric, points })), sampled: tasks.length, withTelemetry };
}

function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

function valueLabel(v: unknown): string {
  const s = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** A lineage graph as the UI draws it: one node per task and value. */
export function taskLevelGraph(g: LineageGraph, note?: string): GraphData {
  const nodes: GraphNode[] = g.nodes.map((n) =>
    n.kind === "task"
      ? { id: n.id, kind: "task", label: `${n.activity_id ?? "task"} ${shortId(n.task_id)}`, task_id: n.task_id, ...(n.status ? { status: n.status } : {}), ...(n.side === "start" ? { start: true } : {}) }
      : { id: n.id, kind: "value", label: `${n.keys[0]?.replace(/^(used|generated)\./, "") ?? "value"} = ${valueLabel(n.value)}` },
  );
  const edges: GraphEdge[] = g.edges.map((e) => ({ source: e.source, target: e.target, kind: e.kind, ...(e.key ? { label: e.key.replace(/^(used|generated)\./, "") } : {}) }));
  return { nodes, edges, level: "task", ...(note ? { note } : {}) };
}

/** A lineage graph with its tasks grouped by activity: control links and dataflow links between activities, with counts. */
export function activityLevelGraph(g: LineageGraph, note?: string): GraphData {
  const act = new Map<string, string>();
  const counts = new Map<string, number>();
  const statuses = new Map<string, Set<string>>();
  for (const n of g.nodes) {
    if (n.kind !== "task") continue;
    const a = n.activity_id ?? "task";
    act.set(n.id, a);
    counts.set(a, (counts.get(a) ?? 0) + 1);
    let s = statuses.get(a);
    if (!s) statuses.set(a, (s = new Set()));
    if (n.status) s.add(n.status);
  }
  const edges: GraphEdge[] = [];
  for (const [from, to, n] of activityLinks(g)) if (from !== to) edges.push({ source: `activity:${from}`, target: `activity:${to}`, kind: "dataflow", label: String(n) });
  const control = new Map<string, number>();
  for (const e of g.edges) {
    if (e.kind !== "parent" && e.kind !== "loop") continue;
    const from = act.get(e.source);
    const to = act.get(e.target);
    if (!from || !to || from === to) continue;
    const k = `${from}\u0000${to}`;
    control.set(k, (control.get(k) ?? 0) + 1);
  }
  for (const [k, n] of control) {
    const [from, to] = k.split("\u0000") as [string, string];
    edges.push({ source: `activity:${from}`, target: `activity:${to}`, kind: "control", label: String(n) });
  }
  const nodes: GraphNode[] = [...counts].map(([a, n]) => {
    const s = statuses.get(a)!;
    return { id: `activity:${a}`, kind: "activity", label: `${a} ×${n}`, count: n, ...(s.has("ERROR") ? { status: "ERROR" } : s.size === 1 ? { status: [...s][0]! } : {}) };
  });
  return { nodes, edges, level: "activity", ...(note ? { note } : {}) };
}

/**
 * The graph to draw for a lineage answer: tasks linked to nothing are left
 * out (and counted in the note); task level when small enough, else grouped
 * by activity.
 */
export function graphOf(g: LineageGraph, maxTaskNodes = GRAPH_TASK_NODES): GraphData {
  const linked = new Set<string>();
  for (const e of g.edges) {
    linked.add(e.source);
    linked.add(e.target);
  }
  const alone = g.nodes.filter((n) => !linked.has(n.id) && !(n.kind === "task" && n.side === "start")).length;
  const kept: LineageGraph = alone ? { ...g, nodes: g.nodes.filter((n) => linked.has(n.id) || (n.kind === "task" && n.side === "start")) } : g;
  const aloneNote = alone ? `${alone} task(s) linked to no other are not shown` : undefined;
  if (kept.nodes.length <= maxTaskNodes) return taskLevelGraph(kept, aloneNote);
  const tasks = kept.nodes.filter((n) => n.kind === "task").length;
  return activityLevelGraph(kept, [`${tasks} linked tasks, grouped by activity`, aloneNote].filter(Boolean).join("; "));
}
