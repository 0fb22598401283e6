/**
 * What changed between two runs: tasks matched by activity and position
 * (iterations by their index), then the differences of each pair in
 * `used`, `generated`, status, duration and telemetry summary; per-activity
 * counts and durations; and the workflows' metadata — arguments, versions,
 * machine, environment and settings.
 */
import { canonicalJson } from "./lineage-rule.js";
import { isPlainObject } from "../util/plain-object.js";
import { formatDuration } from "../util/human-format.js";

/** A workflow record and its tasks, as the query API returns them. */
export interface WorkflowRun {
  workflow?: Record<string, unknown> | undefined;
  tasks: readonly Record<string, unknown>[];
  workflowId: string;
}

/** Options of {@link diffWorkflows}. */
export interface DiffOptions {
  /** A duration counts as changed when B/A is at least this or at most its inverse… Default 1.5. */
  durationRatio?: number | undefined;
  /** …and the two differ by at least this many seconds (shorter changes are clock noise). Default 0.001. */
  durationMin?: number | undefined;
}

/** One field that differs: its path and both values (absent on a side: undefined). */
export interface FieldChange {
  field: string;
  a?: unknown;
  b?: unknown;
  /** b / a for two numbers. */
  ratio?: number;
}

/** Two matched tasks and how they differ. */
export interface TaskPairDiff {
  /** Activity, iteration and position: how the tasks were matched (`trainStep#2`, `epochs_iteration[i=3]#0`). */
  match: string;
  activity_id: string;
  task_a: string;
  task_b: string;
  status?: { a?: unknown; b?: unknown };
  duration_a?: number;
  duration_b?: number;
  duration_ratio?: number;
  used: FieldChange[];
  generated: FieldChange[];
  telemetry: FieldChange[];
}

/** Per-activity figures of both runs. */
export interface ActivityDiff {
  activity_id: string;
  count_a: number;
  count_b: number;
  mean_a?: number;
  mean_b?: number;
  mean_ratio?: number;
  statuses_a: Record<string, number>;
  statuses_b: Record<string, number>;
}

/** A run as the diff shows it. */
export interface RunHeader {
  workflow_id: string;
  name?: string;
  status?: string;
  started_at?: number;
  duration?: number;
  task_count: number;
}

/** The answer of `FlowceptDb.diffWorkflows`. */
export interface WorkflowDiff {
  a: RunHeader;
  b: RunHeader;
  duration_ratio?: number;
  /** Workflow fields that differ: `args.*`, `versions.*`, `machine.*`, `environment.*`, `settings.*`, `status`. */
  metadata: FieldChange[];
  activities: ActivityDiff[];
  /** Matched pairs that differ (status, used, generated, telemetry, or duration beyond the ratio). */
  tasks: TaskPairDiff[];
  only_in_a: { match: string; activity_id: string; task_id: string }[];
  only_in_b: { match: string; activity_id: string; task_id: string }[];
  summary: { matched: number; changed: number; unchanged: number; only_in_a: number; only_in_b: number };
}

/** Path segments that change with every run and say nothing about it. */
const VOLATILE = new Set(["pid", "sampled_at", "age_ms", "started_at", "ended_at", "utc_timestamp", "registered_at", "workflow_id", "campaign_id", "interceptor_ids", "task_id", "parent_workflow_id"]);

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Leaves of a value as dotted paths (arrays as whole values), down to `depth` levels. */
export function flattenValues(value: unknown, prefix = "", depth = 6, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (isPlainObject(value) && depth > 0 && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) {
      if (VOLATILE.has(k)) continue;
      flattenValues(v, prefix ? `${prefix}.${k}` : k, depth - 1, out);
    }
  } else if (prefix && value !== undefined) out[prefix] = value;
  return out;
}

function changes(a: Record<string, unknown>, b: Record<string, unknown>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const va = a[field];
    const vb = b[field];
    if (va === undefined && vb === undefined) continue;
    if (va !== undefined && vb !== undefined && canonicalJson(va) === canonicalJson(vb)) continue;
    const c: FieldChange = { field };
    if (va !== undefined) c.a = va;
    if (vb !== undefined) c.b = vb;
    const na = num(va);
    const nb = num(vb);
    if (na !== undefined && nb !== undefined && na !== 0) c.ratio = nb / na;
    out.push(c);
  }
  return out;
}

function duration(t: Record<string, unknown>): number | undefined {
  const s = num(t.started_at);
  const e = num(t.ended_at);
  return s !== undefined && e !== undefined && e >= s ? e - s : undefined;
}

/** Tasks keyed by activity, iteration index (tasks of a loop with an integer `used.i`) and order of start. */
function keyed(tasks: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  // A stable sort: tasks started in the same clock tick keep the order the store holds them in.
  const sorted = [...tasks].sort((x, y) => (num(x.started_at) ?? Infinity) - (num(y.started_at) ?? Infinity));
  const seen = new Map<string, number>();
  const out = new Map<string, Record<string, unknown>>();
  for (const t of sorted) {
    const activity = str(t.activity_id) ?? "(unnamed)";
    const i = isPlainObject(t.used) ? t.used.i : undefined;
    const base = t.group_id !== undefined && typeof i === "number" && Number.isInteger(i) ? `${activity}[i=${i}]` : activity;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.set(`${base}#${n}`, t);
  }
  return out;
}

function header(run: WorkflowRun): RunHeader {
  const w = run.workflow ?? {};
  const h: RunHeader = { workflow_id: run.workflowId, task_count: run.tasks.length };
  if (str(w.name) !== undefined) h.name = str(w.name)!;
  if (str(w.status) !== undefined) h.status = str(w.status)!;
  if (num(w.started_at) !== undefined) h.started_at = num(w.started_at)!;
  const d = duration(w);
  if (d !== undefined) h.duration = d;
  return h;
}

/** The workflow fields compared, grouped under readable names. */
function metadataOf(w: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!w) return {};
  const machine = isPlainObject(w.machine_info) ? w.machine_info : {};
  const { environment, ...hardware } = machine as Record<string, unknown>;
  const versions: Record<string, unknown> = { flowcept_version: w.flowcept_version };
  const proc = isPlainObject(machine.process) ? machine.process : {};
  const platform = isPlainObject(machine.platform) ? machine.platform : {};
  versions.node_version = proc.node_version;
  versions.os_release = platform.release;
  return {
    ...flattenValues(w.used, "args"),
    ...flattenValues(versions, "versions"),
    ...flattenValues(hardware, "machine"),
    ...flattenValues({ user: w.user, hostname: w.hostname, sys_name: w.sys_name, node_name: w.node_name, environment_id: w.environment_id, variables: environment }, "environment"),
    ...flattenValues(w.flowcept_settings, "settings"),
    ...flattenValues(w.custom_metadata, "custom_metadata"),
    name: w.name,
    subtype: w.subtype,
    status: w.status,
  };
}

function activities(tasks: readonly Record<string, unknown>[]): Map<string, { count: number; sum: number; timed: number; statuses: Record<string, number> }> {
  const out = new Map<string, { count: number; sum: number; timed: number; statuses: Record<string, number> }>();
  for (const t of tasks) {
    const name = str(t.activity_id) ?? "(unnamed)";
    let a = out.get(name);
    if (!a) out.set(name, (a = { count: 0, sum: 0, timed: 0, statuses: {} }));
    a.count++;
    const s = str(t.status) ?? "UNKNOWN";
    a.statuses[s] = (a.statuses[s] ?? 0) + 1;
    const d = duration(t);
    if (d !== undefined) {
      a.sum += d;
      a.timed++;
    }
  }
  return out;
}

/** The differences between run A and run B (see the module's description). */
export function diffWorkflows(a: WorkflowRun, b: WorkflowRun, options: DiffOptions = {}): WorkflowDiff {
  const limit = options.durationRatio ?? 1.5;
  const minDelta = options.durationMin ?? 0.001;
  const ka = keyed(a.tasks);
  const kb = keyed(b.tasks);
  const tasks: TaskPairDiff[] = [];
  let matched = 0;
  for (const [match, ta] of ka) {
    const tb = kb.get(match);
    if (!tb) continue;
    matched++;
    const pair: TaskPairDiff = {
      match,
      activity_id: str(ta.activity_id) ?? "(unnamed)",
      task_a: String(ta.task_id),
      task_b: String(tb.task_id),
      used: changes(flattenValues(ta.used), flattenValues(tb.used)),
      generated: changes(flattenValues(ta.generated), flattenValues(tb.generated)),
      telemetry: changes(flattenValues(ta.telemetry_summary), flattenValues(tb.telemetry_summary)).filter((c) => c.field !== "duration_sec" && !c.field.endsWith("sampled_window_sec")),
    };
    if (ta.status !== tb.status) pair.status = { ...(ta.status === undefined ? {} : { a: ta.status }), ...(tb.status === undefined ? {} : { b: tb.status }) };
    const da = duration(ta);
    const db = duration(tb);
    if (da !== undefined) pair.duration_a = da;
    if (db !== undefined) pair.duration_b = db;
    if (da !== undefined && db !== undefined && da > 0) pair.duration_ratio = db / da;
    const slower = pair.duration_ratio !== undefined && Math.abs(db! - da!) >= minDelta && (pair.duration_ratio >= limit || pair.duration_ratio <= 1 / limit);
    if (pair.status || pair.used.length || pair.generated.length || pair.telemetry.length || slower) tasks.push(pair);
  }
  const only = (x: Map<string, Record<string, unknown>>, y: Map<string, Record<string, unknown>>) =>
    [...x].filter(([k]) => !y.has(k)).map(([match, t]) => ({ match, activity_id: str(t.activity_id) ?? "(unnamed)", task_id: String(t.task_id) }));
  const actA = activities(a.tasks);
  const actB = activities(b.tasks);
  const acts: ActivityDiff[] = [];
  for (const name of [...new Set([...actA.keys(), ...actB.keys()])]) {
    const x = actA.get(name);
    const y = actB.get(name);
    const d: ActivityDiff = { activity_id: name, count_a: x?.count ?? 0, count_b: y?.count ?? 0, statuses_a: x?.statuses ?? {}, statuses_b: y?.statuses ?? {} };
    if (x?.timed) d.mean_a = x.sum / x.timed;
    if (y?.timed) d.mean_b = y.sum / y.timed;
    if (d.mean_a !== undefined && d.mean_b !== undefined && d.mean_a > 0) d.mean_ratio = d.mean_b / d.mean_a;
    acts.push(d);
  }
  const ha = header(a);
  const hb = header(b);
  const out: WorkflowDiff = {
    a: ha,
    b: hb,
    metadata: changes(metadataOf(a.workflow), metadataOf(b.workflow)),
    activities: acts,
    tasks,
    only_in_a: only(ka, kb),
    only_in_b: only(kb, ka),
    summary: { matched, changed: tasks.length, unchanged: matched - tasks.length, only_in_a: 0, only_in_b: 0 },
  };
  if (ha.duration !== undefined && hb.duration !== undefined && ha.duration > 0) out.duration_ratio = hb.duration / ha.duration;
  out.summary.only_in_a = out.only_in_a.length;
  out.summary.only_in_b = out.only_in_b.length;
  return out;
}

function short(v: unknown, max = 32): string {
  if (v === undefined) return "—";
  const s = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  const one = s.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function ratioText(r: number | undefined): string {
  return r === undefined ? "" : `×${r >= 10 || r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}`;
}

function counts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}

/** The diff as text for people; at most `maxTasks` task pairs are listed. */
export function formatWorkflowDiff(d: WorkflowDiff, maxTasks = 50): string {
  const lines: string[] = [];
  const run = (label: string, h: RunHeader): string =>
    `${label}  ${h.workflow_id}${h.name ? `  "${h.name}"` : ""}${h.status ? `  ${h.status}` : ""}${h.duration !== undefined ? `  ${formatDuration(h.duration)}` : ""}  ${h.task_count} tasks`;
  lines.push(run("A", d.a));
  lines.push(`${run("B", d.b)}${d.duration_ratio !== undefined ? `  (${ratioText(d.duration_ratio)} A's duration)` : ""}`);
  lines.push("");
  if (d.metadata.length) {
    lines.push("Workflow metadata that differs:");
    lines.push(...columns([["field", "A", "B"], ...d.metadata.map((c) => [c.field, short(c.a), short(c.b)])]));
  } else lines.push("Workflow metadata: the same (arguments, versions, machine, environment, settings).");
  lines.push("");
  lines.push("Activities:");
  lines.push(
    ...columns([
      ["activity", "tasks A", "tasks B", "mean A", "mean B", "B/A", "status A", "status B"],
      ...d.activities.map((a) => [
        a.activity_id,
        String(a.count_a),
        String(a.count_b),
        a.mean_a === undefined ? "—" : formatDuration(a.mean_a),
        a.mean_b === undefined ? "—" : formatDuration(a.mean_b),
        ratioText(a.mean_ratio),
        counts(a.statuses_a),
        counts(a.statuses_b),
      ]),
    ]),
  );
  lines.push("");
  const s = d.summary;
  lines.push(`Tasks: ${s.matched} matched by activity and position, ${s.changed} differ, ${s.unchanged} the same; ${s.only_in_a} only in A, ${s.only_in_b} only in B.`);
  for (const p of d.tasks.slice(0, maxTasks)) {
    const parts: string[] = [];
    if (p.status) parts.push(`status ${short(p.status.a)} → ${short(p.status.b)}`);
    for (const c of p.used) parts.push(`used.${c.field} ${short(c.a)} → ${short(c.b)}`);
    for (const c of p.generated) parts.push(`generated.${c.field} ${short(c.a)} → ${short(c.b)}`);
    for (const c of p.telemetry) parts.push(`telemetry.${c.field} ${short(c.a)} → ${short(c.b)}${c.ratio !== undefined ? ` (${ratioText(c.ratio)})` : ""}`);
    if (p.duration_a !== undefined && p.duration_b !== undefined) parts.push(`duration ${formatDuration(p.duration_a)} → ${formatDuration(p.duration_b)}${p.duration_ratio !== undefined ? ` (${ratioText(p.duration_ratio)})` : ""}`);
    lines.push(`  ${p.match}: ${parts.join("; ")}`);
  }
  if (d.tasks.length > maxTasks) lines.push(`  … and ${d.tasks.length - maxTasks} more (--json lists every one)`);
  for (const [label, list] of [
    ["Only in A", d.only_in_a],
    ["Only in B", d.only_in_b],
  ] as const) {
    if (!list.length) continue;
    lines.push(`${label}: ${list.slice(0, maxTasks).map((t) => t.match).join(", ")}${list.length > maxTasks ? `, … ${list.length - maxTasks} more` : ""}`);
  }
  return lines.join("\n");
}
