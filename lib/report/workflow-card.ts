/**
 * The workflow card: the sections of Flowcept's own card (workflow,
 * summary, infrastructure, overview with run summary, structure, resource
 * usage and observations, activities with timing and per-activity inputs
 * and outputs, artifacts), then lineage highlights and errors with their
 * messages. Figures, when given, go where they belong (the HTML report).
 */
import { flattenValues } from "../query/workflow-diff.js";
import type { LineageGraph, LineageTaskNode, LineageValueNode } from "../query/lineage-types.js";
import { nodeName } from "../query/lineage-formats.js";
import { VERSION } from "../process/version.js";
import { isPlainObject } from "../util/plain-object.js";
import { code, type Block, type ListItem } from "./report-document.js";

/** What a report is made from. */
export interface ReportData {
  workflowId: string;
  workflow?: Record<string, unknown> | undefined;
  tasks: readonly Record<string, unknown>[];
  /** The workflow's lineage graph (whole workflow). */
  lineage?: LineageGraph | undefined;
  /** Where the records were read from. */
  source?: string | undefined;
}

/** The figures of the HTML report, by place. */
export interface CardFigures {
  gantt?: Block;
  durations?: Block;
  telemetry?: Block;
  lineage?: Block;
}

/** Per-activity figures, in order of first start. */
export interface ActivityRow {
  activity_id: string;
  n_tasks: number;
  status_counts: Record<string, number>;
  started_at_min?: number;
  ended_at_max?: number;
  elapsed: number[];
  elapsed_median?: number;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Percentile of sorted values, interpolated (as Flowcept's card). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/** Seconds of a task, when it has both times. */
export function elapsedOf(t: Record<string, unknown>): number | undefined {
  const s = num(t.started_at);
  const e = num(t.ended_at);
  return s !== undefined && e !== undefined && e >= s ? e - s : undefined;
}

/** Tasks grouped by activity, in order of first start. */
export function groupActivities(tasks: readonly Record<string, unknown>[]): ActivityRow[] {
  const by = new Map<string, ActivityRow>();
  for (const t of tasks) {
    const name = str(t.activity_id) ?? "unknown";
    let a = by.get(name);
    if (!a) by.set(name, (a = { activity_id: name, n_tasks: 0, status_counts: {}, elapsed: [] }));
    a.n_tasks++;
    const status = str(t.status) ?? "unknown";
    a.status_counts[status] = (a.status_counts[status] ?? 0) + 1;
    const s = num(t.started_at);
    const e = num(t.ended_at);
    if (s !== undefined) a.started_at_min = Math.min(a.started_at_min ?? s, s);
    if (e !== undefined) a.ended_at_max = Math.max(a.ended_at_max ?? e, e);
    const d = elapsedOf(t);
    if (d !== undefined) a.elapsed.push(d);
  }
  const rows = [...by.values()];
  for (const a of rows) {
    a.elapsed.sort((x, y) => x - y);
    if (a.elapsed.length) a.elapsed_median = percentile(a.elapsed, 0.5);
  }
  return rows.sort((x, y) => (x.started_at_min ?? Infinity) - (y.started_at_min ?? Infinity));
}

function utc(t: number | undefined): string {
  return t === undefined ? "unknown" : new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

function secs(v: number | undefined): string {
  return v === undefined ? "unknown" : v.toFixed(3);
}

function bytes(v: number | undefined): string {
  if (v === undefined || v <= 0) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(x)} B` : `${x.toFixed(2)} ${units[i]}`;
}

function counts(c: Record<string, number>): string {
  return JSON.stringify(c);
}

function sample(v: unknown, max = 140): string {
  const s = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  const one = s.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** One flattened field over an activity's tasks, as Flowcept's card summarises it. */
function fieldSummary(values: unknown[], runs: number): string {
  const presence = `${((values.length / runs) * 100).toFixed(1)}%`;
  const nums = values.map(num);
  if (nums.every((n) => n !== undefined)) {
    const s = (nums as number[]).sort((a, b) => a - b);
    return `presence=${presence}; type=numeric; min=${s[0]!.toFixed(3)}; p50=${percentile(s, 0.5).toFixed(3)}; p95=${percentile(s, 0.95).toFixed(3)}; max=${s[s.length - 1]!.toFixed(3)}`;
  }
  const top = new Map<string, number>();
  for (const v of values) if (["string", "number", "boolean"].includes(typeof v)) top.set(sample(v, 40), (top.get(sample(v, 40)) ?? 0) + 1);
  if (top.size) {
    const listed = [...top].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, c]) => (c > 1 ? `${k} (×${c})` : k));
    return `presence=${presence}; type=scalar/categorical; top_values=${listed.join(", ")}`;
  }
  return `presence=${presence}; type=mixed; sample=${sample(values[0], 80)}`;
}

/** Sum of a telemetry difference over tasks (end − start), from the snapshots. */
function telemetryDelta(tasks: readonly Record<string, unknown>[], path: string[]): number | undefined {
  let sum = 0;
  let any = false;
  for (const t of tasks) {
    const a = at(t.telemetry_at_start, path);
    const b = at(t.telemetry_at_end, path);
    if (a !== undefined && b !== undefined) {
      sum += b - a;
      any = true;
    }
  }
  return any ? sum : undefined;
}

/** A number inside a nested object. */
export function at(v: unknown, path: readonly string[]): number | undefined {
  let cur = v;
  for (const k of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return num(cur);
}

function machineInfo(w: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(w.machine_info) ? w.machine_info : {};
}

function infrastructure(w: Record<string, unknown>): ListItem[] {
  const m = machineInfo(w);
  const platform = isPlainObject(m.platform) ? m.platform : {};
  const cpu = isPlainObject(m.cpu) ? m.cpu : {};
  const memory = isPlainObject(m.memory) ? m.memory : {};
  const os = [platform.system, platform.release, platform.machine].filter((x) => typeof x === "string").join(" ");
  const cpuName = str(cpu.brand_raw) ?? str(cpu.model) ?? str(cpu.brand) ?? str(cpu.arch);
  const hw: string[] = [];
  if (cpuName) hw.push(num(cpu.count) ? `${num(cpu.count)} CPU cores (${cpuName})` : cpuName);
  const total = num(memory.total) ?? (isPlainObject(memory.virtual) ? num(memory.virtual.total) : undefined);
  if (total) hw.push(`${bytes(total)} RAM`);
  const gpus = Array.isArray(m.gpu) ? m.gpu.length : isPlainObject(m.gpu) ? Object.keys(m.gpu).length : 0;
  if (gpus) hw.push(`${gpus} GPU device(s)`);
  const proc = isPlainObject(m.process) ? m.process : {};
  const runtime = str(proc.node_version) ? `Node.js ${str(proc.node_version)}` : str(w.environment_id);
  const items: [string, string | undefined][] = [
    ["host_os", os || undefined],
    ["compute_hardware", hw.join("; ") || undefined],
    ["runtime_environment", runtime],
    // A workflow recorded from Node.js names its runtime; Python Flowcept's do not.
    ["primary_software", `${str(proc.node_version) ? "flowcept-otel" : "Flowcept"} ${str(w.flowcept_version) ?? VERSION}`],
  ];
  return items.filter(([, v]) => v !== undefined).map(([k, v]) => ({ text: `**${k}:** ${code(v!)}` }));
}

function percent(v: number | undefined): string {
  return v === undefined || v <= 0 ? "-" : `${v.toFixed(1)}%`;
}

function ops(v: number | undefined): string {
  return v === undefined || v <= 0 ? "-" : Math.round(v).toLocaleString("en");
}

/** Mean of a telemetry reading over the tasks' end snapshots. */
function average(tasks: readonly Record<string, unknown>[], path: string[]): number | undefined {
  const xs = tasks.map((t) => at(t.telemetry_at_end, path)).filter((x): x is number => x !== undefined);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** Flowcept's resource sections: workflow-level tables by block, then per activity. */
function resourceBlocks(tasks: readonly Record<string, unknown>[], acts: readonly ActivityRow[]): Block[] {
  const d = (path: string[]) => telemetryDelta(tasks, path);
  const groups: [string, [string, string][]][] = [
    ["Overview", [["Telemetry Samples (task start/end pairs)", String(tasks.length)]]],
    [
      "CPU",
      [
        ["CPU User Time Delta (s)", secs(d(["cpu", "times_avg", "user"]))],
        ["CPU System Time Delta (s)", secs(d(["cpu", "times_avg", "system"]))],
      ],
    ],
    [
      "Memory",
      [
        ["Memory Used Delta", bytes(d(["memory", "virtual", "used"]))],
        ["Average Memory (%)", percent(average(tasks, ["memory", "virtual", "percent"]))],
        ["Swap Used Delta", bytes(d(["memory", "swap", "used"]))],
      ],
    ],
    [
      "Process",
      [
        ["Process CPU User Time Delta (s)", secs(d(["process", "cpu_times", "user"]))],
        ["Process CPU System Time Delta (s)", secs(d(["process", "cpu_times", "system"]))],
        ["Process RSS Delta", bytes(d(["process", "memory", "rss"]))],
      ],
    ],
    [
      "Disk",
      [
        ["Read", bytes(d(["disk", "io_sum", "read_bytes"]) ?? d(["process", "io_counters", "read_bytes"]))],
        ["Write", bytes(d(["disk", "io_sum", "write_bytes"]) ?? d(["process", "io_counters", "write_bytes"]))],
        ["Read Ops", ops(d(["disk", "io_sum", "read_count"]) ?? d(["process", "io_counters", "read_count"]))],
        ["Write Ops", ops(d(["disk", "io_sum", "write_count"]) ?? d(["process", "io_counters", "write_count"]))],
      ],
    ],
    [
      "Network",
      [
        ["Sent", bytes(d(["network", "netio_sum", "bytes_sent"]))],
        ["Received", bytes(d(["network", "netio_sum", "bytes_recv"]))],
      ],
    ],
  ];
  const out: Block[] = [{ kind: "heading", level: 3, text: "Workflow-level Resource Usage" }];
  for (const [name, rows] of groups) {
    const shown = rows.filter(([, v]) => v !== "unknown" && v !== "-");
    if (!shown.length) continue;
    out.push({ kind: "heading", level: 4, text: name }, { kind: "table", headers: ["Metric", "Value"], rows: shown });
  }
  out.push({ kind: "heading", level: 3, text: "Per-activity Resource Usage" });
  out.push({
    kind: "table",
    headers: ["Activity", "Elapsed (s)", "CPU User (s)", "CPU System (s)", "Memory Delta", "Process RSS Delta"],
    rows: acts.map((a) => {
      const members = tasks.filter((t) => (str(t.activity_id) ?? "unknown") === a.activity_id);
      return [a.activity_id, secs(a.elapsed_median), secs(telemetryDelta(members, ["cpu", "times_avg", "user"])), secs(telemetryDelta(members, ["cpu", "times_avg", "system"])), bytes(telemetryDelta(members, ["memory", "virtual", "used"])), bytes(telemetryDelta(members, ["process", "memory", "rss"]))];
    }),
  });
  return out;
}

/** Tasks that ended in ERROR, with their messages. */
function errorBlocks(w: Record<string, unknown>, tasks: readonly Record<string, unknown>[]): Block[] {
  const failed = tasks.filter((t) => t.status === "ERROR").sort((a, b) => (num(a.started_at) ?? 0) - (num(b.started_at) ?? 0));
  const out: Block[] = [{ kind: "heading", level: 2, text: "8. Errors" }];
  const wfError = w.stderr;
  if (w.status === "ERROR" && wfError !== undefined) out.push({ kind: "paragraph", text: `The workflow failed: ${code(sample(wfError, 400))}` });
  if (!failed.length) {
    out.push({ kind: "paragraph", text: "*No task failed.*" });
    return out;
  }
  out.push({ kind: "paragraph", text: `${failed.length} task(s) ended in ERROR.` });
  const shown = failed.slice(0, 50);
  out.push({
    kind: "table",
    headers: ["Activity", "Task", "Started At (UTC)", "Message"],
    rows: shown.map((t) => [code(str(t.activity_id) ?? "unknown"), code(String(t.task_id)), utc(num(t.started_at)), code(sample(t.stderr ?? "(no message recorded)", 400))]),
  });
  if (failed.length > shown.length) out.push({ kind: "paragraph", text: `…and ${failed.length - shown.length} more.` });
  return out;
}

/** The longest chain of tasks linked by values, by number of tasks. */
function longestDataflowChain(g: LineageGraph): LineageTaskNode[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const producers = new Map<string, string[]>();
  const next = new Map<string, Set<string>>();
  for (const e of g.edges) if (e.kind === "generated") producers.set(e.target, [...(producers.get(e.target) ?? []), e.source]);
  for (const e of g.edges) {
    if (e.kind !== "used") continue;
    for (const p of producers.get(e.source) ?? []) {
      if (!next.has(p)) next.set(p, new Set());
      next.get(p)!.add(e.target);
    }
  }
  const tasks = g.nodes.filter((n): n is LineageTaskNode => n.kind === "task" && next.has(n.id)).sort((a, b) => (a.started_at ?? 0) - (b.started_at ?? 0));
  const best = new Map<string, { len: number; prev?: string }>();
  const order = g.nodes.filter((n): n is LineageTaskNode => n.kind === "task").sort((a, b) => (a.started_at ?? 0) - (b.started_at ?? 0));
  for (const t of order) if (!best.has(t.id)) best.set(t.id, { len: 1 });
  for (const t of order) {
    const here = best.get(t.id)!;
    for (const c of next.get(t.id) ?? []) {
      const there = best.get(c);
      if (there && here.len + 1 > there.len) best.set(c, { len: here.len + 1, prev: t.id });
    }
  }
  let end: string | undefined;
  let len = 1;
  for (const [id, b] of best) if (b.len > len) [end, len] = [id, b.len];
  const chain: LineageTaskNode[] = [];
  for (let id = end; id !== undefined; id = best.get(id)?.prev) chain.unshift(byId.get(id) as LineageTaskNode);
  return tasks.length ? chain : [];
}

/** Activities linked by values: `[from, to, number of links]`, most first. */
export function activityLinks(g: LineageGraph): [string, string, number][] {
  const act = new Map<string, string>();
  for (const n of g.nodes) if (n.kind === "task") act.set(n.id, n.activity_id ?? "task");
  const producers = new Map<string, string[]>();
  for (const e of g.edges) if (e.kind === "generated") producers.set(e.target, [...(producers.get(e.target) ?? []), e.source]);
  const links = new Map<string, number>();
  for (const e of g.edges) {
    if (e.kind !== "used") continue;
    for (const p of producers.get(e.source) ?? []) {
      const k = `${act.get(p)}\u0000${act.get(e.target)}`;
      links.set(k, (links.get(k) ?? 0) + 1);
    }
  }
  return [...links].map(([k, n]) => [...(k.split("\u0000") as [string, string]), n] as [string, string, number]).sort((a, b) => b[2] - a[2]);
}

function lineageBlocks(g: LineageGraph | undefined, figure?: Block): Block[] {
  const out: Block[] = [{ kind: "heading", level: 2, text: "7. Lineage Highlights" }];
  if (!g) {
    out.push({ kind: "paragraph", text: "*Lineage was not computed.*" });
    return out;
  }
  const control = g.edges.filter((e) => e.kind === "parent" || e.kind === "loop").length;
  const used = g.edges.filter((e) => e.kind === "used").length;
  const values = g.nodes.filter((n): n is LineageValueNode => n.kind === "value");
  out.push({
    kind: "list",
    items: [
      { text: `**control edges:** ${code(String(control))} (parent task, loop)` },
      { text: `**dataflow links:** ${code(String(used))} uses of ${code(String(values.length))} value(s) another task generated` },
      { text: `**rule:** values linked by content (SHA-256 of canonical JSON) within the ${g.rule.scope}; strings shorter than ${g.rule.minStringLength}, integers below ${g.rule.minIntegerMagnitude}, booleans and null link nothing` },
    ],
  });
  const links = activityLinks(g);
  if (links.length) {
    out.push({ kind: "heading", level: 3, text: "Dataflow between activities" });
    out.push({ kind: "table", headers: ["From", "To", "Links"], rows: links.slice(0, 15).map(([a, b, n]) => [code(a), code(b), String(n)]) });
    const ids = new Map<string, string>();
    const acts = [...new Set(links.flatMap(([a, b]) => [a, b]))];
    acts.forEach((a, i) => ids.set(a, `a${i}`));
    const mermaid = ["flowchart LR", ...acts.map((a) => `  ${ids.get(a)}["${a.replace(/[^A-Za-z0-9 _.:/=+\-]/g, (c) => `#${c.codePointAt(0)};`)}"]`), ...links.slice(0, 40).map(([a, b, n]) => `  ${ids.get(a)} -->|${n}| ${ids.get(b)}`)];
    out.push({ kind: "code", language: "mermaid", text: mermaid.join("\n") });
  }
  const fanOut = values
    .map((v) => ({ v, users: g.edges.filter((e) => e.kind === "used" && e.source === v.id).length }))
    .sort((a, b) => b.users - a.users)
    .slice(0, 5)
    .filter((x) => x.users > 0);
  if (fanOut.length) {
    out.push({ kind: "heading", level: 3, text: "Most used values" });
    out.push({ kind: "list", items: fanOut.map(({ v, users }) => ({ text: `${code(nodeName(v))} — used by ${users} task(s); value id ${code(v.value_id.slice(0, 16))}` })) });
  }
  const chain = longestDataflowChain(g);
  if (chain.length > 1) {
    out.push({ kind: "heading", level: 3, text: "Longest dataflow chain" });
    out.push({ kind: "paragraph", text: chain.map((t) => code(`${t.activity_id ?? "task"}`)).join(" → ") + ` (${chain.length} tasks, from task ${code(chain[0]!.task_id)})` });
  }
  if (figure) out.push(figure);
  if (!links.length && !control) out.push({ kind: "paragraph", text: "*No task of this workflow is linked to another.*" });
  return out;
}

/** The card's blocks. */
export function workflowCard(data: ReportData, figures: CardFigures = {}): Block[] {
  const w = data.workflow ?? {};
  const tasks = [...data.tasks].sort((a, b) => (num(a.started_at) ?? Infinity) - (num(b.started_at) ?? Infinity));
  const starts = tasks.map((t) => num(t.started_at)).filter((x): x is number => x !== undefined);
  const ends = tasks.map((t) => num(t.ended_at)).filter((x): x is number => x !== undefined);
  const minStart = starts.length ? Math.min(...starts) : num(w.started_at);
  const maxEnd = ends.length ? Math.max(...ends) : num(w.ended_at);
  const total = minStart !== undefined && maxEnd !== undefined ? maxEnd - minStart : undefined;
  const name = str(w.name) ?? "unknown";
  const acts = groupActivities(tasks);
  const statusCounts: Record<string, number> = {};
  for (const a of acts) for (const [k, v] of Object.entries(a.status_counts)) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  const b: Block[] = [];

  b.push({ kind: "heading", level: 1, text: name === "unknown" ? "Workflow Card" : `Workflow Card: ${name}` });
  b.push({ kind: "heading", level: 2, text: "1. Workflow" });
  const description = str(w.workflow_description) ?? str(w.description) ?? `Workflow run identified as '${name}', consisting of ${acts.length} ${acts.length === 1 ? "sub-activity" : "sub-activities"}.`;
  b.push({ kind: "list", items: [{ text: `**name:** ${code(name)}` }, { text: `**description:** ${code(description)}` }] });

  const summary: [string, string | undefined][] = [
    ["execution_id", data.workflowId],
    ["campaign_id", str(w.campaign_id)],
    ["started_at (UTC)", minStart === undefined ? undefined : utc(minStart)],
    ["ended_at (UTC)", maxEnd === undefined ? undefined : utc(maxEnd)],
    ["duration", total === undefined ? undefined : secs(total)],
    ["status", str(w.status)],
    ["location", str(w.sys_name)],
    ["user", str(w.user)],
    ["Workflow Subtype", str(w.subtype)],
  ];
  const repo = isPlainObject(w.code_repository) ? w.code_repository : {};
  for (const k of ["remote", "branch", "short_sha", "dirty"]) if (repo[k] !== undefined) summary.push([`entrypoint.${k === "remote" ? "repository" : k}`, String(repo[k])]);
  b.push({ kind: "heading", level: 2, text: "2. Summary" });
  b.push({ kind: "list", items: summary.filter(([, v]) => v !== undefined).map(([k, v]) => ({ text: `**${k}:** ${code(v!)}` })) });

  const infra = infrastructure(w);
  if (infra.length) {
    b.push({ kind: "heading", level: 2, text: "3. Infrastructure" });
    b.push({ kind: "list", items: infra });
  }

  b.push({ kind: "heading", level: 2, text: "4. Workflow Overview" });
  b.push({ kind: "heading", level: 3, text: "4.1 Run Summary" });
  const run: ListItem[] = [
    { text: `**total_activities:** ${code(String(acts.length))}` },
    { text: `**total_tasks:** ${code(String(tasks.length))}` },
    { text: `**status_counts:** ${code(counts(statusCounts))}` },
    { text: `**Total Elapsed Workflow Time (s):** ${code(secs(total))}` },
  ];
  const args = isPlainObject(w.used) ? w.used : undefined;
  if (args && Object.keys(args).length) run.push({ text: "**significant inputs:**", items: Object.keys(args).sort().map((k) => ({ text: `${code(k)}: ${code(sample(args[k], 220))}` })) });
  const outs = isPlainObject(w.generated) ? w.generated : undefined;
  if (outs && Object.keys(outs).length) run.push({ text: "**significant outputs:**", items: Object.keys(outs).sort().map((k) => ({ text: `${code(k)}: ${code(sample(outs[k], 220))}` })) });
  const meta = isPlainObject(w.custom_metadata) ? w.custom_metadata : undefined;
  if (meta && Object.keys(meta).length) run.push({ text: "**arguments:**", items: Object.keys(meta).sort().map((k) => ({ text: `${code(k)}: ${code(sample(meta[k], 220))}` })) });
  b.push({ kind: "list", items: run });

  b.push({ kind: "heading", level: 3, text: "4.2 Workflow Structure" });
  b.push({ kind: "code", language: "text", text: ["   input", "     │", "     ▼", ...acts.flatMap((a, i) => [` ${a.activity_id}`, ...(i < acts.length - 1 ? ["     │"] : [])]), "     ▼", "   output"].join("\n") });
  if (figures.gantt) b.push(figures.gantt);

  b.push({ kind: "heading", level: 3, text: "4.3 Resource Usage" });
  const withTelemetry = tasks.filter((t) => isPlainObject(t.telemetry_at_start) && isPlainObject(t.telemetry_at_end));
  if (withTelemetry.length) b.push(...resourceBlocks(withTelemetry, acts));
  else b.push({ kind: "paragraph", text: "*Resource telemetry was not captured.*" });
  if (figures.telemetry) b.push(figures.telemetry);

  b.push({ kind: "heading", level: 3, text: "4.4 Observations" });
  const obs: ListItem[] = [];
  const timed = acts.filter((a) => a.elapsed_median !== undefined).sort((x, y) => y.elapsed_median! - x.elapsed_median!);
  if (timed.length) obs.push({ text: `Slowest activity: ${code(timed[0]!.activity_id)} at ${code(`${secs(timed[0]!.elapsed_median)} s`)} (median).` });
  const failed = tasks.filter((t) => t.status === "ERROR").length;
  if (failed) obs.push({ text: `${failed} task(s) ended in ERROR (section 8).` });
  b.push(obs.length ? { kind: "list", items: obs } : { kind: "paragraph", text: "~" });

  b.push({ kind: "heading", level: 2, text: "5. Activities" });
  b.push({ kind: "heading", level: 3, text: "Timing Report" });
  b.push({ kind: "paragraph", text: "Rows are sorted by **First Started At** (ascending)." });
  b.push({
    kind: "table",
    headers: ["Activity", "Status Counts", "First Started At", "Last Ended At", "Median Elapsed (s)"],
    rows: acts.map((a) => [a.activity_id, counts(a.status_counts), utc(a.started_at_min), utc(a.ended_at_max), secs(a.elapsed_median)]),
  });
  if (timed.length) {
    b.push({ kind: "heading", level: 3, text: "Interpretation & Insights" });
    const insights: ListItem[] = [
      { text: `Slowest activities: ${timed.slice(0, 5).map((a) => `${code(a.activity_id)} (${secs(a.elapsed_median)}s)`).join(", ")}` },
      { text: `Fastest activities: ${[...timed].reverse().slice(0, 3).map((a) => `${code(a.activity_id)} (${secs(a.elapsed_median)}s)`).join(", ")}` },
    ];
    if (timed.length >= 4) {
      // Flowcept's IQR rule over the activities' median durations.
      const medians = timed.map((a) => a.elapsed_median!).sort((x, y) => x - y);
      const q1 = percentile(medians, 0.25);
      const q3 = percentile(medians, 0.75);
      const outliers = timed.filter((a) => a.elapsed_median! < q1 - 1.5 * (q3 - q1) || a.elapsed_median! > q3 + 1.5 * (q3 - q1));
      insights.push({ text: `Timing outliers (IQR rule): ${outliers.length ? outliers.slice(0, 5).map((a) => `${code(a.activity_id)} (${secs(a.elapsed_median)}s)`).join(", ") : "none detected."}` });
    }
    b.push({ kind: "list", items: insights });
  }
  if (figures.durations) b.push(figures.durations);
  b.push({ kind: "heading", level: 3, text: "Per Activity Details" });
  const richness: { activity: string; used: number; generated: number }[] = [];
  for (const a of acts) {
    const members = tasks.filter((t) => (str(t.activity_id) ?? "unknown") === a.activity_id);
    const items: ListItem[] = [
      { text: `**task_count:** ${code(String(a.n_tasks))}` },
      { text: `**started_at (UTC):** ${code(utc(a.started_at_min))}` },
      { text: `**ended_at (UTC):** ${code(utc(a.ended_at_max))}` },
      { text: `**duration:** ${code(secs(a.elapsed_median))}` },
      { text: `**status:** ${code(counts(a.status_counts))}` },
    ];
    const hosts = new Map<string, number>();
    for (const t of members) if (str(t.hostname)) hosts.set(String(t.hostname), (hosts.get(String(t.hostname)) ?? 0) + 1);
    if (hosts.size) items.push({ text: "**hosts:**", items: [...hosts].slice(0, 10).map(([h, n]) => ({ text: `${code(h)}: ${n} task(s)` })) });
    for (const [role, label] of [
      ["used", "inputs"],
      ["generated", "outputs"],
    ] as const) {
      const fields = new Map<string, unknown[]>();
      for (const t of members) for (const [k, v] of Object.entries(flattenValues(t[role], "", 4))) fields.set(k, [...(fields.get(k) ?? []), v]);
      if (!fields.size) continue;
      let r = richness.find((x) => x.activity === a.activity_id);
      if (!r) richness.push((r = { activity: a.activity_id, used: 0, generated: 0 }));
      r[role] = fields.size;
      items.push({
        text: `**${label}:**`,
        items: [...fields.keys()]
          .sort()
          .slice(0, 15)
          .map((k) => ({ text: `${code(k)}: ${members.length === 1 ? code(sample(fields.get(k)![0], 140)) : fieldSummary(fields.get(k)!, members.length)}` })),
      });
    }
    b.push({ kind: "heading", level: 3, text: `Activity: ${code(a.activity_id)}` });
    b.push({ kind: "list", items });
  }

  if (richness.length) {
    b.push({ kind: "heading", level: 3, text: "Per Activity Details Interpretation" });
    const top = (role: "used" | "generated") =>
      richness
        .filter((r) => r[role] > 0)
        .sort((x, y) => y[role] - x[role])
        .slice(0, 3)
        .map((r) => `${code(r.activity)} (${r[role]} fields)`)
        .join(", ");
    const items: ListItem[] = [];
    if (top("used")) items.push({ text: `Activities with richest **used** metadata: ${top("used")}` });
    if (top("generated")) items.push({ text: `Activities with richest **generated** metadata: ${top("generated")}` });
    b.push({ kind: "list", items });
  }

  b.push({ kind: "heading", level: 2, text: "6. Significant Workflow Artifacts" });
  b.push({ kind: "paragraph", text: "*No object artifacts were recorded for this run.*" });
  if (acts.some((a) => a.n_tasks > 1)) {
    b.push({ kind: "heading", level: 2, text: "Aggregation Method" });
    b.push({ kind: "list", items: [{ text: `Grouping key: ${code("activity_id")}.` }, { text: `Each grouped row may aggregate multiple task records (${code("n_tasks")}).` }, { text: "Aggregated metrics include count, status and timing; inputs and outputs as presence, numeric quantiles or top values." }] });
  }

  b.push(...lineageBlocks(data.lineage, figures.lineage));
  b.push(...errorBlocks(w, tasks));

  b.push({ kind: "rule" });
  b.push({ kind: "paragraph", text: `Workflow card generated by flowcept-otel ${VERSION} on ${new Date().toISOString()}${data.source ? ` from ${code(data.source)}` : ""}.` });
  return b;
}

