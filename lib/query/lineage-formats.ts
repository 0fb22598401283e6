/** A lineage graph as text: table rows for people, Graphviz DOT and Mermaid for drawing. */
import type { LineageEdge, LineageGraph, LineageNode } from "./lineage-types.js";

const LABEL_MAX = 40;

function clip(text: string, max = LABEL_MAX): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A short form of a task id or value id for labels. */
export function shortId(id: string): string {
  if (/^[0-9a-f]{64}$/.test(id)) return id.slice(0, 12);
  return id.length > 16 ? `…${id.slice(-12)}` : id;
}

/** A value as short text: strings as they are, anything else as JSON. */
export function valueText(v: unknown, max = LABEL_MAX): string {
  return clip(typeof v === "string" ? v : (JSON.stringify(v) ?? String(v)), max);
}

/** What a node is called in tables and drawings. */
export function nodeName(n: LineageNode): string {
  if (n.kind === "task") return `${n.activity_id ?? "task"} ${shortId(n.task_id)}`;
  const key = n.keys[0]?.replace(/^(used|generated)\./, "");
  return key ? `${key} = ${valueText(n.value)}` : valueText(n.value);
}

const SIDE_MARK: Record<LineageNode["side"], string> = { start: "●", upstream: "↑", downstream: "↓", workflow: "" };

/** One row per node: depth, side, kind, name, id, status, started time. */
export function lineageNodeRows(g: LineageGraph): Record<string, unknown>[] {
  return g.nodes.map((n) => ({
    depth: n.depth,
    side: SIDE_MARK[n.side],
    kind: n.kind,
    name: nodeName(n),
    id: n.kind === "task" ? n.task_id : n.value_id,
    status: n.kind === "task" ? n.status : undefined,
    started_at: n.kind === "task" ? n.started_at : undefined,
  }));
}

/** One row per edge: from, kind (with the key of a dataflow edge), to. */
export function lineageEdgeRows(g: LineageGraph): Record<string, unknown>[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = byId.get(id);
    return n ? nodeName(n) : id;
  };
  return g.edges.map((e) => ({ from: name(e.source), edge: e.key ? `${e.kind} ${e.key}` : e.kind, to: name(e.target) }));
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

const STATUS_FILL: Record<string, string> = { FINISHED: "#e8f4ea", ERROR: "#fbe3e1", RUNNING: "#e6eefb" };

function edgeStyle(e: LineageEdge): string {
  return e.kind === "parent" || e.kind === "loop" ? "dashed" : "solid";
}

/** The graph in Graphviz DOT: tasks as boxes (filled by status), values as ellipses, control edges dashed. */
export function lineageToDot(g: LineageGraph): string {
  const lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const n of g.nodes) {
    const start = n.side === "start" ? ", penwidth=2" : "";
    if (n.kind === "task") {
      const fill = STATUS_FILL[n.status ?? ""] ?? "#f2f2f2";
      lines.push(`  ${dotString(n.id)} [shape=box, style="rounded,filled", fillcolor=${dotString(fill)}, label=${dotString(`${n.activity_id ?? "task"}\n${shortId(n.task_id)}${n.status ? `\n${n.status}` : ""}`)}${start}];`);
    } else {
      lines.push(`  ${dotString(n.id)} [shape=ellipse, label=${dotString(nodeName(n))}, tooltip=${dotString(n.value_id)}${start}];`);
    }
  }
  for (const e of g.edges) {
    const label = e.kind === "parent" || e.kind === "loop" ? e.kind : (e.key ?? "");
    lines.push(`  ${dotString(e.source)} -> ${dotString(e.target)} [style=${edgeStyle(e)}${label ? `, label=${dotString(label)}` : ""}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Text made safe inside a Mermaid label: every character but plain ones as an entity code. */
function mermaidText(s: string): string {
  return s.replace(/[^A-Za-z0-9 _.,:/=+\-]/g, (ch) => `#${ch.codePointAt(0)};`);
}

/** The graph as a Mermaid flowchart: tasks as rounded boxes, values as stadiums, control edges dotted. */
export function lineageToMermaid(g: LineageGraph): string {
  const ids = new Map<string, string>();
  g.nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
  const lines = ["flowchart LR"];
  for (const n of g.nodes) {
    const id = ids.get(n.id)!;
    if (n.kind === "task") lines.push(`  ${id}("${mermaidText(`${n.activity_id ?? "task"} ${shortId(n.task_id)}`)}${n.status ? `<br/>${mermaidText(n.status)}` : ""}")`);
    else lines.push(`  ${id}(["${mermaidText(nodeName(n))}"])`);
  }
  for (const e of g.edges) {
    const s = ids.get(e.source);
    const t = ids.get(e.target);
    if (!s || !t) continue;
    const label = e.kind === "parent" || e.kind === "loop" ? e.kind : (e.key ?? "");
    const arrow = e.kind === "parent" || e.kind === "loop" ? "-.->" : "-->";
    lines.push(`  ${s} ${arrow}${label ? `|${mermaidText(label)}|` : ""} ${t}`);
  }
  const statuses = new Map<string, string[]>();
  for (const n of g.nodes) if (n.kind === "task" && n.status && STATUS_FILL[n.status]) statuses.set(n.status, [...(statuses.get(n.status) ?? []), ids.get(n.id)!]);
  for (const [status, members] of statuses) {
    lines.push(`  classDef ${status.toLowerCase()} fill:${STATUS_FILL[status]}`);
    lines.push(`  class ${members.join(",")} ${status.toLowerCase()}`);
  }
  const start = g.nodes.filter((n) => n.side === "start").map((n) => ids.get(n.id)!);
  if (start.length) lines.push("  classDef start stroke-width:3px", `  class ${start.join(",")} start`);
  return `${lines.join("\n")}\n`;
}
