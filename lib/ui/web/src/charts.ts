/**
 * The charts, with Apache ECharts (canvas), and graph layout with dagre:
 * loaded as their own file the first time a chart is shown. Each draw
 * function fills an element and returns the function that disposes of it.
 */
import dagre from "@dagrejs/dagre";
import { BarChart, BoxplotChart, GraphChart, LineChart } from "echarts/charts";
import { DataZoomComponent, GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { ActivityStats, GraphData, TelemetrySeries, Timeline } from "../../api-types.js";
import { duration, shortId, statusColor, when } from "./format.js";

echarts.use([BarChart, BoxplotChart, GraphChart, LineChart, DataZoomComponent, GridComponent, TooltipComponent, CanvasRenderer]);

/** Disposes of a chart. */
export type Disposer = () => void;

function mount(el: HTMLElement, option: echarts.EChartsCoreOption): { chart: echarts.ECharts; dispose: Disposer } {
  const chart = echarts.init(el, undefined, { renderer: "canvas" });
  chart.setOption(option);
  // An element leaving the page is observed at size 0, where a graph's view transform cannot be inverted.
  const observer = new ResizeObserver(() => {
    if (el.isConnected && el.clientWidth > 0 && el.clientHeight > 0) chart.resize();
  });
  observer.observe(el);
  return {
    chart,
    dispose: () => {
      observer.disconnect();
      chart.dispose();
    },
  };
}

const ROWS_SHOWN = 40;

/** The Gantt timeline: one row per task, a bar from its start to its end, coloured by status. */
export function drawGantt(el: HTMLElement, t: Timeline, onTask: (taskId: string) => void): Disposer {
  const bars = t.bars;
  const t0 = bars.length ? Math.min(...bars.map((b) => b.start)) : 0;
  const t1 = bars.length ? Math.max(...bars.map((b) => b.end)) : 1;
  const minWidth = Math.max((t1 - t0) * 0.002, 1e-6);
  el.style.height = `${Math.min(ROWS_SHOWN, Math.max(bars.length, 3)) * 18 + 90}px`;
  const rows = bars.map((b) => `${b.activity_id} ${shortId(b.task_id)}`);
  const { chart, dispose } = mount(el, {
    animation: false,
    grid: { left: 190, right: 60, top: 10, bottom: 60 },
    tooltip: {
      trigger: "item",
      formatter: (p: { dataIndex: number; seriesIndex: number }) => {
        const b = bars[p.dataIndex]!;
        return `<b>${b.activity_id}</b> ${b.status}<br>${shortId(b.task_id)}<br>start ${when(b.start)}<br>took ${duration(b.end - b.start)}`;
      },
    },
    xAxis: { type: "value", name: "seconds since the first start", nameLocation: "middle", nameGap: 28, axisLabel: { formatter: (v: number) => `${+v.toPrecision(4)}` } },
    yAxis: { type: "category", data: rows, inverse: true, axisLabel: { fontSize: 10, width: 180, overflow: "truncate" } },
    dataZoom: [
      { type: "inside", xAxisIndex: 0, filterMode: "weakFilter" },
      { type: "slider", xAxisIndex: 0, height: 16, bottom: 6, filterMode: "weakFilter" },
      ...(bars.length > ROWS_SHOWN ? [{ type: "slider", yAxisIndex: 0, startValue: 0, endValue: ROWS_SHOWN - 1, width: 14, right: 8, zoomLock: true, showDetail: false }, { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true }] : []),
    ],
    series: [
      { type: "bar", stack: "gantt", silent: true, itemStyle: { color: "transparent" }, data: bars.map((b) => b.start - t0), barWidth: "60%" },
      {
        type: "bar",
        stack: "gantt",
        data: bars.map((b) => ({ value: Math.max(b.end - b.start, minWidth), itemStyle: { color: statusColor(b.status) } })),
        barWidth: "60%",
      },
    ],
  });
  chart.on("click", (p) => {
    if (p.seriesIndex === 1) onTask(bars[p.dataIndex]!.task_id);
  });
  return dispose;
}

/** One metric over time. */
export function drawTelemetry(el: HTMLElement, s: TelemetrySeries): Disposer {
  el.style.height = "190px";
  return mount(el, {
    animation: false,
    grid: { left: 70, right: 20, top: 14, bottom: 40 },
    tooltip: { trigger: "axis", valueFormatter: (v: number) => (typeof v === "number" ? `${+v.toPrecision(5)}` : String(v)) },
    // ECharts' default label for millisecond steps is "hh:mm:ss SSS"; a dot reads as a time.
    xAxis: { type: "time", axisLabel: { formatter: { millisecond: "{HH}:{mm}:{ss}.{SSS}" } } },
    yAxis: { type: "value", scale: true, axisLabel: { formatter: (v: number) => `${+v.toPrecision(4)}` } },
    dataZoom: [{ type: "inside" }],
    series: [{ type: "line", name: s.metric, showSymbol: s.points.length < 300, symbolSize: 4, data: s.points.map(([t, v]) => [t * 1000, v]), lineStyle: { width: 1.5 }, itemStyle: { color: "#3b75af" } }],
  }).dispose;
}

/** Duration distribution per activity: box plots of min, quartiles and max, on a log scale. */
export function drawDurations(el: HTMLElement, stats: ActivityStats[]): Disposer {
  const rows = stats.filter((s) => s.duration);
  el.style.height = `${Math.max(rows.length, 2) * 30 + 70}px`;
  const ms = (s: number): number => Math.max(s * 1000, 0.001);
  return mount(el, {
    animation: false,
    grid: { left: 170, right: 30, top: 10, bottom: 45 },
    tooltip: {
      trigger: "item",
      formatter: (p: { dataIndex: number }) => {
        const d = rows[p.dataIndex]!.duration!;
        return `<b>${rows[p.dataIndex]!.activity_id}</b> (${rows[p.dataIndex]!.n_tasks} tasks)<br>min ${duration(d.min)} · median ${duration(d.median)} · p95 ${duration(d.p95)} · max ${duration(d.max)}`;
      },
    },
    xAxis: { type: "log", name: "duration (ms, log scale)", nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "category", data: rows.map((r) => r.activity_id), inverse: true, axisLabel: { width: 160, overflow: "truncate" } },
    series: [{ type: "boxplot", data: rows.map((r) => [ms(r.duration!.min), ms(r.duration!.q1), ms(r.duration!.median), ms(r.duration!.q3), ms(r.duration!.max)]), itemStyle: { color: "#dce8f5", borderColor: "#3b75af" } }],
  }).dispose;
}

const SYMBOLS = { task: "circle", value: "diamond", activity: "roundRect" } as const;

/** A graph laid out left to right by dagre, drawn by ECharts (a mark per node, its name below); clicking a task opens it. */
export function drawGraph(el: HTMLElement, g: GraphData, onTask: (taskId: string) => void): Disposer {
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: "LR", nodesep: 8, ranksep: 60, marginx: 30, marginy: 16 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) layout.setNode(n.id, { width: Math.min(220, 16 + 6.2 * n.label.length), height: 26 });
  g.edges.forEach((e, i) => layout.setEdge(e.source, e.target, {}, `e${i}`));
  dagre.layout(layout);
  const box = layout.graph();
  // One layout pixel per screen pixel where it fits, so that names do not overlap.
  el.style.height = `${Math.min(2400, Math.max(200, (box.height ?? 200) + 30))}px`;
  const control = (k: string): boolean => k === "parent" || k === "loop" || k === "control";
  const { chart, dispose } = mount(el, {
    animation: false,
    tooltip: { trigger: "item", formatter: (p: { dataType: string; data: { tip?: string } }) => (p.dataType === "node" ? (p.data.tip ?? "") : "") },
    series: [
      {
        type: "graph",
        layout: "none",
        roam: true,
        label: { show: true, position: "bottom", distance: 3, fontSize: 10, color: "#1f2328", width: 210, overflow: "truncate" },
        data: g.nodes.map((n) => {
          const p = layout.node(n.id);
          const size = n.start ? 20 : n.kind === "activity" ? 18 : 13;
          return {
            id: n.id,
            name: n.label,
            tip: `${n.label}${n.status ? ` (${n.status})` : ""}${n.task_id ? "<br>click to open" : ""}`,
            x: p.x,
            y: p.y - 6,
            symbol: SYMBOLS[n.kind],
            symbolSize: size,
            itemStyle: n.kind === "value" ? { color: "#e9d9a6", borderColor: "#9b8443", borderWidth: 1 } : { color: statusColor(n.status), borderColor: n.start ? "#1f2328" : "#ffffff", borderWidth: n.start ? 3 : 1 },
          };
        }),
        links: g.edges.map((e) => ({
          source: e.source,
          target: e.target,
          symbol: ["none", "arrow"],
          symbolSize: [0, 8],
          label: { show: e.kind === "dataflow" && !!e.label, formatter: e.label ?? "", fontSize: 9 },
          lineStyle: { color: control(e.kind) ? "#8c8c8c" : "#3b75af", type: control(e.kind) ? "dashed" : "solid", width: 1.3, curveness: 0.05 },
        })),
      },
    ],
  });
  chart.on("click", (p) => {
    const node = p.dataType === "node" ? g.nodes[p.dataIndex] : undefined;
    if (node?.task_id) onTask(node.task_id);
  });
  return dispose;
}
