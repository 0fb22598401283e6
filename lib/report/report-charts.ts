/**
 * The pictures of the HTML report, as Vega-Lite specifications: a Gantt
 * timeline of tasks, the duration distribution per activity, telemetry over
 * time (CPU, memory, GPU when present) and the lineage graph between
 * activities (laid out by dagre). Data is reduced first — per-activity spans
 * for big workflows, quantiles instead of every duration, a few thousand
 * telemetry points — so that a report of a million tasks stays a readable,
 * small file.
 */
import type { LineageGraph } from "../query/lineage-types.js";
import { isPlainObject } from "../util/plain-object.js";
import { activityLinks, at, groupActivities, percentile } from "./workflow-card.js";
import type { chartLibraries } from "./render-svg.js";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 880;
const STATUS_COLORS = { domain: ["FINISHED", "ERROR", "RUNNING", "UNKNOWN"], range: ["#4c9a6a", "#d1495b", "#3b75af", "#9a9a9a"] };
/** Beyond this many tasks the timeline shows one bar per activity. */
const GANTT_TASKS = 1500;
const TELEMETRY_POINTS = 2000;

type Task = Record<string, unknown>;
type Spec = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function base(extra: Spec): Spec {
  return { $schema: SCHEMA, background: "white", config: { font: "Helvetica, Arial, sans-serif", view: { stroke: null } }, ...extra };
}

/** Tasks on a timeline, one row per activity, coloured by status. */
export function ganttSpec(tasks: readonly Task[]): Spec | undefined {
  const timed = tasks.filter((t) => num(t.started_at) !== undefined);
  if (!timed.length) return undefined;
  const acts = groupActivities(timed);
  const t0 = Math.min(...acts.map((a) => a.started_at_min!));
  const t1 = Math.max(...timed.map((t) => num(t.ended_at) ?? num(t.started_at)!));
  const minWidth = Math.max((t1 - t0) * 0.002, 1e-6);
  const rows =
    timed.length <= GANTT_TASKS
      ? timed.map((t) => {
          const s = num(t.started_at)!;
          return { activity: String(t.activity_id ?? "unknown"), start: (s - t0) * 1000, end: (Math.max(num(t.ended_at) ?? s, s + minWidth) - t0) * 1000, status: String(t.status ?? "UNKNOWN") };
        })
      : acts.map((a) => ({ activity: `${a.activity_id} (${a.n_tasks})`, start: (a.started_at_min! - t0) * 1000, end: (Math.max(a.ended_at_max ?? a.started_at_min!, a.started_at_min! + minWidth) - t0) * 1000, status: a.status_counts.ERROR ? "ERROR" : "FINISHED" }));
  const order = timed.length <= GANTT_TASKS ? acts.map((a) => a.activity_id) : acts.map((a) => `${a.activity_id} (${a.n_tasks})`);
  return base({
    width: WIDTH,
    height: Math.max(80, 24 * order.length),
    data: { values: rows },
    mark: { type: "bar", cornerRadius: 2, opacity: 0.85 },
    encoding: {
      y: { field: "activity", type: "nominal", sort: order, title: null },
      x: { field: "start", type: "quantitative", title: "milliseconds since the first task started" },
      x2: { field: "end" },
      color: { field: "status", type: "nominal", scale: STATUS_COLORS, legend: { title: "status", orient: "bottom" } },
    },
  });
}

/** Per activity: minimum, quartiles, median and maximum duration, on a log scale. */
export function durationSpec(tasks: readonly Task[]): Spec | undefined {
  const rows = groupActivities(tasks)
    .filter((a) => a.elapsed.length)
    .map((a) => {
      const ms = a.elapsed.map((d) => Math.max(d * 1000, 0.001));
      return { activity: a.activity_id, n: ms.length, min: ms[0]!, q1: percentile(ms, 0.25), median: percentile(ms, 0.5), q3: percentile(ms, 0.75), max: ms[ms.length - 1]!, label: `n=${ms.length}` };
    });
  if (!rows.length) return undefined;
  const x = { type: "quantitative", scale: { type: "log" }, title: "duration (ms, log scale)" };
  const y = { field: "activity", type: "nominal", sort: rows.map((r) => r.activity), title: null };
  return base({
    width: WIDTH,
    height: Math.max(80, 28 * rows.length),
    data: { values: rows },
    encoding: { y },
    layer: [
      { mark: { type: "rule", color: "#555" }, encoding: { x: { field: "min", ...x }, x2: { field: "max" } } },
      { mark: { type: "bar", size: 14, color: "#8fb3d9", stroke: "#3b75af" }, encoding: { x: { field: "q1", ...x }, x2: { field: "q3" } } },
      { mark: { type: "tick", color: "#1f3b5a", size: 14, thickness: 2 }, encoding: { x: { field: "median", ...x } } },
      { mark: { type: "text", align: "left", dx: 6, fontSize: 10, color: "#555" }, encoding: { x: { field: "max", ...x }, text: { field: "label" } } },
    ],
  });
}

/** The metrics drawn over time, where a snapshot has them. */
const METRICS: [string, (s: unknown) => number | undefined][] = [
  ["CPU (% of all cores)", (s) => at(s, ["cpu", "percent_all"])],
  ["memory used (GB)", (s) => scale(at(s, ["memory", "virtual", "used"]), 1 / 1024 ** 3)],
  ["process RSS (MB)", (s) => scale(at(s, ["process", "memory", "rss"]), 1 / 1024 ** 2)],
];

function scale(v: number | undefined, f: number): number | undefined {
  return v === undefined ? undefined : v * f;
}

/** GPU metrics of a snapshot's `gpu` block: memory used (MB), utilisation, temperature, per device. */
function gpuMetrics(s: unknown): [string, number][] {
  const gpu = isPlainObject(s) ? s.gpu : undefined;
  if (!isPlainObject(gpu)) return [];
  const out: [string, number][] = [];
  for (const [dev, v] of Object.entries(gpu)) {
    if (!isPlainObject(v)) continue;
    const used = num(v.used) ?? at(v, ["memory", "used"]);
    if (used !== undefined) out.push([`GPU ${dev} memory used (MB)`, used / 1024 ** 2]);
    const util = num(v.utilization) ?? num(v.gpu_utilization);
    if (util !== undefined) out.push([`GPU ${dev} utilization (%)`, util]);
    if (num(v.temperature) !== undefined) out.push([`GPU ${dev} temperature (°C)`, num(v.temperature)!]);
  }
  return out;
}

/** A telemetry reading: seconds since the epoch, the metric's name and its value. */
export interface TelemetryPoint {
  time: number;
  metric: string;
  value: number;
}

/**
 * The readings of the tasks' telemetry snapshots (at start and at end), in
 * time order: CPU, memory, process RSS and each GPU's metrics — from at most
 * about `maxPoints / 2` tasks, evenly spread, in big workflows.
 */
export function telemetryPoints(tasks: readonly Task[], maxPoints = TELEMETRY_POINTS): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  const withSnapshots = tasks.filter((t) => isPlainObject(t.telemetry_at_start) || isPlainObject(t.telemetry_at_end));
  const step = Math.max(1, Math.ceil((withSnapshots.length * 2) / maxPoints));
  withSnapshots.forEach((t, i) => {
    if (i % step) return;
    for (const [snap, time] of [
      [t.telemetry_at_start, num(t.started_at)],
      [t.telemetry_at_end, num(t.ended_at)],
    ] as const) {
      if (!isPlainObject(snap) || time === undefined) continue;
      for (const [metric, read] of METRICS) {
        const v = read(snap);
        if (v !== undefined) points.push({ time, metric, value: v });
      }
      for (const [metric, v] of gpuMetrics(snap)) points.push({ time, metric, value: v });
    }
  });
  return points.sort((a, b) => a.time - b.time);
}

/** Telemetry at each task's start and end over time, one panel per metric. */
export function telemetrySpec(tasks: readonly Task[]): Spec | undefined {
  const readings = telemetryPoints(tasks);
  if (!readings.length) return undefined;
  let t0 = Infinity;
  for (const t of tasks) if (isPlainObject(t.telemetry_at_start) || isPlainObject(t.telemetry_at_end)) t0 = Math.min(t0, num(t.started_at) ?? Infinity);
  const points = readings.map((p) => ({ ...p, time: (p.time - t0) * 1000 }));
  const metrics = [...new Set(points.map((p) => p.metric))];
  return base({
    data: { values: points },
    facet: { row: { field: "metric", type: "nominal", sort: metrics, title: null, header: { labelAngle: 0, labelOrient: "top", labelAlign: "left", labelAnchor: "start", labelFontWeight: "bold", labelPadding: 4 } } },
    spec: {
      width: WIDTH - 60,
      height: 90,
      mark: { type: "line", point: { size: 12 }, strokeWidth: 1.5, color: "#3b75af" },
      encoding: {
        x: { field: "time", type: "quantitative", title: "milliseconds since the first task started" },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false }, axis: { format: ".4~r", tickCount: 4 } },
      },
    },
    resolve: { scale: { y: "independent" } },
  });
}

/**
 * The lineage graph between activities: dataflow links (solid, with the
 * number of values passed) and parent/loop links (dashed), laid out left to
 * right by dagre.
 */
export function lineageSpec(g: LineageGraph | undefined, dagre: Awaited<ReturnType<typeof chartLibraries>>["dagre"]): Spec | undefined {
  if (!g) return undefined;
  const act = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const n of g.nodes) {
    if (n.kind !== "task") continue;
    const a = n.activity_id ?? "task";
    act.set(n.id, a);
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  const edges = new Map<string, { from: string; to: string; kind: "dataflow" | "control"; n: number }>();
  for (const [from, to, n] of activityLinks(g)) edges.set(`d|${from}|${to}`, { from, to, kind: "dataflow", n });
  for (const e of g.edges) {
    if (e.kind !== "parent" && e.kind !== "loop") continue;
    const from = act.get(e.source);
    const to = act.get(e.target);
    if (!from || !to || from === to) continue;
    const k = `c|${from}|${to}`;
    const known = edges.get(k);
    if (known) known.n++;
    else edges.set(k, { from, to, kind: "control", n: 1 });
  }
  const names = [...new Set([...edges.values()].flatMap((e) => [e.from, e.to]))];
  if (!names.length) return undefined;
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 90, marginx: 16, marginy: 16 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const a of names) layout.setNode(a, { label: a, width: Math.min(260, 24 + 7 * `${a} ×${counts.get(a) ?? 0}`.length), height: 34 });
  for (const [k, e] of edges) if (e.from !== e.to) layout.setEdge(e.from, e.to, { label: String(e.n) }, k);
  dagre.layout(layout);
  const nodes = names.map((a) => {
    const n = layout.node(a);
    return { label: `${a} ×${counts.get(a) ?? 0}`, x: n.x - n.width / 2, x2: n.x + n.width / 2, y: n.y - n.height / 2, y2: n.y + n.height / 2, cx: n.x, cy: n.y };
  });
  const lines: { edge: string; order: number; x: number; y: number; kind: string }[] = [];
  const heads: { x: number; y: number; angle: number; kind: string }[] = [];
  const labels: { x: number; y: number; text: string }[] = [];
  for (const [k, e] of edges) {
    if (e.from === e.to) continue;
    const points: { x: number; y: number }[] = layout.edge({ v: e.from, w: e.to, name: k })?.points ?? [];
    points.forEach((p, i) => lines.push({ edge: k, order: i, x: p.x, y: p.y, kind: e.kind }));
    const last = points[points.length - 1];
    const prev = points[points.length - 2];
    if (last && prev) heads.push({ x: last.x, y: last.y, angle: (Math.atan2(last.y - prev.y, last.x - prev.x) * 180) / Math.PI + 90, kind: e.kind });
    const mid = points[Math.floor(points.length / 2)];
    if (mid && e.kind === "dataflow") labels.push({ x: mid.x, y: mid.y - 6, text: `${e.n}` });
  }
  const graph = layout.graph();
  const width = Math.max(200, (graph.width ?? 400) + 20);
  const height = Math.max(80, (graph.height ?? 200) + 20);
  const px = (field: string) => ({ field, type: "quantitative", scale: null, axis: null });
  const dash = { field: "kind", type: "nominal", scale: { domain: ["dataflow", "control"], range: [[1, 0], [5, 4]] }, legend: { title: "link", orient: "bottom" } };
  const color = { field: "kind", type: "nominal", scale: { domain: ["dataflow", "control"], range: ["#3b75af", "#9a9a9a"] }, legend: null };
  return base({
    width,
    height,
    layer: [
      { data: { values: lines }, mark: { type: "line", strokeWidth: 1.5, interpolate: "basis" }, encoding: { x: px("x"), y: px("y"), detail: { field: "edge" }, order: { field: "order" }, strokeDash: dash, color } },
      { data: { values: heads }, mark: { type: "point", shape: "triangle-up", filled: true, size: 60, opacity: 1 }, encoding: { x: px("x"), y: px("y"), angle: { field: "angle", type: "quantitative", scale: null }, color } },
      { data: { values: labels }, mark: { type: "text", fontSize: 10, color: "#1f3b5a" }, encoding: { x: px("x"), y: px("y"), text: { field: "text" } } },
      { data: { values: nodes }, mark: { type: "rect", cornerRadius: 6, fill: "#eef4fb", stroke: "#3b75af" }, encoding: { x: px("x"), x2: { field: "x2" }, y: px("y"), y2: { field: "y2" } } },
      { data: { values: nodes }, mark: { type: "text", fontSize: 11, color: "#1f2328", limit: 250 }, encoding: { x: px("cx"), y: px("cy"), text: { field: "label" } } },
    ],
  });
}

