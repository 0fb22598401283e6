/**
 * Lineage queries over a {@link LineageIndex}: from a task, a task's value
 * under a key, a value, or a whole workflow, walk control edges (parent task,
 * loop) and dataflow edges (a value one task generated and a later task
 * used, by the lineage rule) upstream and/or downstream, breadth first, to a
 * depth limit; then read the records needed to show the values met.
 */
import { diag } from "@opentelemetry/api";
import { ROLE_GENERATED, ROLE_USED, contentKey, type LineageIndex } from "./LineageIndex.js";
import { isNonTrivial, keyMatches, taskValues, valueId } from "./lineage-rule.js";
import { FlowceptQueryError } from "./query-types.js";
import type { LineageEdge, LineageEdgeClass, LineageGraph, LineageNode, LineageOptions, LineageProgress, LineageSide, LineageTaskNode, LineageValueNode } from "./lineage-types.js";

/** A lineage index and the records behind it. */
export interface LineageSource {
  readonly index: LineageIndex;
  /** Where the tasks come from, for messages. */
  describe(): string;
  /** Whole records of tasks, by task number. */
  records(tasks: readonly number[], onProgress?: LineageProgress): Promise<Map<number, Record<string, unknown>>>;
}

interface ValueRef {
  hi: number;
  lo: number;
  /** A task holding it, to read the content from, and its role there. */
  holder: number;
  /** Known already (a value start). */
  content?: { value: unknown; id: string };
}

type End = { task: number } | { value: string };

interface RawEdge {
  source: End;
  target: End;
  kind: LineageEdge["kind"];
  key?: string;
}

const ALL_CLASSES: LineageEdgeClass[] = ["control", "dataflow"];

function checkDepth(depth: unknown): number {
  if (depth === undefined || depth === null) return Infinity;
  if (typeof depth !== "number" || !Number.isInteger(depth) || depth < 0) throw new FlowceptQueryError(`lineage depth must be a non-negative integer, got ${JSON.stringify(depth)}`);
  return depth;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** Answers a lineage query (see {@link LineageOptions}) from `source`. Throws {@link FlowceptQueryError} for a start that is not there. */
export async function walkLineage(source: LineageSource, options: LineageOptions): Promise<LineageGraph> {
  const ix = source.index;
  const c = ix.columns;
  const rule = ix.rule;
  const direction = options.direction ?? "both";
  if (direction !== "upstream" && direction !== "downstream" && direction !== "both") throw new FlowceptQueryError(`lineage direction must be upstream, downstream or both, got ${JSON.stringify(direction)}`);
  const maxDepth = checkDepth(options.depth);
  const classes = [...new Set(options.edges ?? ALL_CLASSES)];
  for (const k of classes) if (k !== "control" && k !== "dataflow") throw new FlowceptQueryError(`lineage edges are control or dataflow, got ${JSON.stringify(k)}`);
  const control = classes.includes("control");
  const dataflow = classes.includes("dataflow");
  const up = direction !== "downstream";
  const down = direction !== "upstream";

  const depthOf = new Map<number, number>();
  const sideOf = new Map<number, LineageSide>();
  const values = new Map<string, ValueRef & { depth?: number; side: LineageSide }>();
  const edges = new Map<string, RawEdge>();
  const queue: { task: number; depth: number; dir: "up" | "down" }[] = [];
  const whole = options.taskId === undefined && options.value === undefined;

  // Each direction walks breadth first on its own; a task met by both keeps the smaller depth.
  const reached = { up: new Map<number, number>(), down: new Map<number, number>() };
  const visit = (t: number, depth: number, side: LineageSide, dir?: "up" | "down"): void => {
    const known = depthOf.get(t);
    if (known === undefined) sideOf.set(t, side);
    if (known === undefined || depth < known) depthOf.set(t, depth);
    if (!dir) return;
    const seen = reached[dir].get(t);
    if (seen !== undefined && seen <= depth) return;
    reached[dir].set(t, depth);
    queue.push({ task: t, depth, dir });
  };
  const valueNode = (hi: number, lo: number, holder: number, depth: number | undefined, side: LineageSide, content?: ValueRef["content"]): string => {
    const id = `${hex8(hi)}${hex8(lo)}`;
    const known = values.get(id);
    if (!known) values.set(id, { hi, lo, holder, side, ...(depth === undefined ? {} : { depth }), ...(content ? { content } : {}) });
    else if (depth !== undefined && (known.depth === undefined || depth < known.depth)) known.depth = depth;
    return id;
  };
  const edge = (e: RawEdge): void => {
    const k = `${JSON.stringify(e.source)}>${JSON.stringify(e.target)}>${e.kind}>${e.key ?? ""}`;
    if (!edges.has(k)) edges.set(k, e);
  };
  const keyOf = (entry: number): string => ix.string(c.valKey[entry]!) ?? "";
  /** The key path task `t` generated content (hi, lo) under. */
  const generatedKey = (t: number, hi: number, lo: number): string | undefined => {
    const [from, to] = ix.valueRange(t);
    for (let v = from; v < to; v++) if (c.valRole[v] === ROLE_GENERATED && c.valHi[v] === hi && c.valLo[v] === lo) return keyOf(v);
    return undefined;
  };
  /** Dataflow from producer p into entry `v` of consumer t, through a value node of the given depth and side. */
  const flow = (p: number, t: number, v: number, depth: number | undefined, side: LineageSide): void => {
    const hi = c.valHi[v]!;
    const lo = c.valLo[v]!;
    const id = valueNode(hi, lo, t, depth, side);
    const pk = generatedKey(p, hi, lo);
    edge({ source: { task: p }, target: { value: id }, kind: "generated", ...(pk === undefined ? {} : { key: pk }) });
    edge({ source: { value: id }, target: { task: t }, kind: "used", key: keyOf(v) });
  };

  const expandUp = (t: number, depth: number, entries?: number[]): void => {
    const side: LineageSide = whole ? "workflow" : "upstream";
    if (control && !entries) {
      const g = c.group[t]!;
      const p = c.parent[t]!;
      if (g >= 0) {
        edge({ source: { task: g }, target: { task: t }, kind: "loop" });
        visit(g, depth + 1, side, "up");
      }
      if (p >= 0 && p !== g) {
        edge({ source: { task: p }, target: { task: t }, kind: "parent" });
        visit(p, depth + 1, side, "up");
      }
    }
    if (!dataflow) return;
    const [from, to] = ix.valueRange(t);
    for (let v = from; v < to; v++) {
      if (c.valRole[v] !== ROLE_USED || (entries && !entries.includes(v))) continue;
      for (const p of ix.producersOf(t, v)) {
        flow(p, t, v, depth + 1, side);
        visit(p, depth + 1, side, "up");
      }
    }
  };
  const expandDown = (t: number, depth: number, entries?: number[]): void => {
    const side: LineageSide = "downstream";
    if (control && !entries) {
      for (const m of ix.members(t)) {
        edge({ source: { task: t }, target: { task: m }, kind: "loop" });
        visit(m, depth + 1, side, "down");
      }
      for (const ch of ix.children(t)) {
        if (c.group[ch] === t) continue; // an iteration: its loop edge is drawn
        edge({ source: { task: t }, target: { task: ch }, kind: "parent" });
        visit(ch, depth + 1, side, "down");
      }
    }
    if (!dataflow) return;
    const [from, to] = ix.valueRange(t);
    for (let v = from; v < to; v++) {
      if (c.valRole[v] !== ROLE_GENERATED || (entries && !entries.includes(v))) continue;
      for (const consumer of ix.consumersOf(t, v)) {
        const [cFrom, cTo] = ix.valueRange(consumer);
        for (let u = cFrom; u < cTo; u++) {
          if (c.valRole[u] === ROLE_USED && c.valHi[u] === c.valHi[v] && c.valLo[u] === c.valLo[v] && ix.producersOf(consumer, u).includes(t)) flow(t, consumer, u, depth + 1, side);
        }
        visit(consumer, depth + 1, side, "down");
      }
    }
  };

  const start: LineageGraph["start"] = {};
  if (options.workflowId !== undefined) start.workflow_id = options.workflowId;
  if (options.key !== undefined) start.key = options.key;

  if (options.taskId !== undefined) {
    const t = findStartTask(source, options.taskId);
    start.task_id = ix.taskId(t);
    visit(t, 0, "start");
    if (options.key === undefined) {
      if (up) visit(t, 0, "start", "up");
      if (down) visit(t, 0, "start", "down");
    } else {
      const [from, to] = ix.valueRange(t);
      const matched: number[] = [];
      for (let v = from; v < to; v++) if (keyMatches(keyOf(v), options.key)) matched.push(v);
      if (!matched.length) await explainMissingKey(source, t, options.key);
      const used = matched.filter((v) => c.valRole[v] === ROLE_USED);
      const generated = matched.filter((v) => c.valRole[v] === ROLE_GENERATED);
      for (const v of used) {
        const id = valueNode(c.valHi[v]!, c.valLo[v]!, t, 0, "start");
        edge({ source: { value: id }, target: { task: t }, kind: "used", key: keyOf(v) });
      }
      for (const v of generated) {
        const id = valueNode(c.valHi[v]!, c.valLo[v]!, t, 0, "start");
        edge({ source: { task: t }, target: { value: id }, kind: "generated", key: keyOf(v) });
      }
      // Upstream of a used value: where it came from; of a generated value: the task and its inputs.
      if (up && used.length && dataflow && maxDepth >= 1) {
        for (const v of used) {
          for (const p of ix.producersOf(t, v)) {
            flow(p, t, v, 1, "upstream");
            visit(p, 1, "upstream", "up");
          }
        }
      }
      if (up && generated.length) visit(t, 0, "start", "up");
      if (down && generated.length && dataflow && maxDepth >= 1) expandDown(t, 0, generated);
      if (down && used.length) visit(t, 0, "start", "down");
    }
  } else if (options.value !== undefined) {
    const value = options.value;
    if (!isNonTrivial(value, rule)) {
      throw new FlowceptQueryError(`${JSON.stringify(value)} is a trivial value under the lineage rule (null, booleans, strings shorter than ${rule.minStringLength}, integers below ${rule.minIntegerMagnitude} in magnitude): it links no tasks`);
    }
    const id = valueId(value);
    const [hi, lo] = contentKey(id);
    start.value_id = id;
    start.value = value;
    let postings = ix.postingsOf(hi, lo);
    if (options.workflowId !== undefined) postings = postings.filter((p) => ix.string(c.workflow[p.task]!) === options.workflowId);
    if (options.key !== undefined) postings = postings.filter((p) => keyMatches(ix.string(p.key) ?? "", options.key!));
    if (!postings.length) {
      const where = options.workflowId === undefined ? "" : ` of workflow ${options.workflowId}`;
      throw new FlowceptQueryError(`no task${where} used or generated ${JSON.stringify(value)}${options.key === undefined ? "" : ` under key ${JSON.stringify(options.key)}`} in ${source.describe()}`);
    }
    const vid = valueNode(hi, lo, postings[0]!.task, 0, "start", { value, id });
    for (const p of maxDepth >= 1 ? postings : []) {
      const key = ix.string(p.key) ?? "";
      if (p.role === ROLE_GENERATED && up) {
        edge({ source: { task: p.task }, target: { value: vid }, kind: "generated", key });
        visit(p.task, 1, "upstream", "up");
      } else if (p.role === ROLE_USED && down) {
        edge({ source: { value: vid }, target: { task: p.task }, kind: "used", key });
        visit(p.task, 1, "downstream", "down");
      }
    }
  } else if (options.workflowId !== undefined) {
    const tasks = ix.tasksOfWorkflow(options.workflowId);
    if (!tasks.length) throw new FlowceptQueryError(`no task of workflow ${JSON.stringify(options.workflowId)} in ${source.describe()}`);
    const inWorkflow = new Set(tasks);
    for (const t of tasks) {
      depthOf.set(t, 0);
      sideOf.set(t, "workflow");
    }
    const keep = (e: RawEdge): boolean => !("task" in e.source && !inWorkflow.has(e.source.task)) && !("task" in e.target && !inWorkflow.has(e.target.task));
    for (const t of tasks) expandUp(t, 0);
    for (const [k, e] of edges) if (!keep(e)) edges.delete(k);
    for (const t of [...depthOf.keys()]) if (!inWorkflow.has(t)) depthOf.delete(t);
    queue.length = 0;
  } else {
    throw new FlowceptQueryError("a lineage query needs a task id, a value, or a workflow id");
  }

  for (let head = 0; head < queue.length; head++) {
    const { task, depth, dir } = queue[head]!;
    if (depth >= maxDepth || reached[dir].get(task) !== depth) continue;
    if (dir === "up") expandUp(task, depth);
    else expandDown(task, depth);
    if (head % 50_000 === 49_999) options.onProgress?.("walking lineage", depthOf.size, depthOf.size + queue.length - head);
  }

  return materialize(source, options, { direction, maxDepth, classes, start, depthOf, sideOf, values, edges, whole });
}

/** The task `ref` names: its whole id, or a unique beginning or end of one. */
function findStartTask(source: LineageSource, ref: string): number {
  const ix = source.index;
  const exact = ix.findTask(ref);
  if (exact >= 0) return exact;
  const found = ref.length >= 4 ? ix.matchTasks(ref, 6) : [];
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    const listed = found.slice(0, 5).map((t) => `  ${ix.taskId(t)}  ${ix.string(ix.columns.activity[t]!) ?? ""}`);
    throw new FlowceptQueryError(`"${ref}" matches more than one task in ${source.describe()}; give more of the id:\n${listed.join("\n")}${found.length > 5 ? "\n  …" : ""}`);
  }
  throw new FlowceptQueryError(`no task ${JSON.stringify(ref)} in ${source.describe()}`);
}

async function explainMissingKey(source: LineageSource, t: number, key: string): Promise<never> {
  const ix = source.index;
  const record = (await source.records([t])).get(t);
  for (const role of ["used", "generated"] as const) {
    const found = findKey(record?.[role], key);
    if (found !== undefined) {
      throw new FlowceptQueryError(
        `${role}.${found.path} of task ${ix.taskId(t)} is ${JSON.stringify(found.value)}, a trivial value under the lineage rule (null, booleans, strings shorter than ${ix.rule.minStringLength}, integers below ${ix.rule.minIntegerMagnitude} in magnitude): it links no tasks`,
      );
    }
  }
  throw new FlowceptQueryError(`task ${ix.taskId(t)} used and generated nothing under key ${JSON.stringify(key)}`);
}

function findKey(root: unknown, key: string, prefix = ""): { path: string; value: unknown } | undefined {
  if (root === null || typeof root !== "object") return undefined;
  for (const [k, v] of Object.entries(root)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (keyMatches(path, key)) return { path, value: v };
    const inner = findKey(v, key, path);
    if (inner) return inner;
  }
  return undefined;
}

interface WalkState {
  direction: LineageGraph["direction"];
  maxDepth: number;
  classes: LineageEdgeClass[];
  start: LineageGraph["start"];
  depthOf: Map<number, number>;
  sideOf: Map<number, LineageSide>;
  values: Map<string, ValueRef & { depth?: number; side: LineageSide }>;
  edges: Map<string, RawEdge>;
  whole: boolean;
}

async function materialize(source: LineageSource, options: LineageOptions, s: WalkState): Promise<LineageGraph> {
  const ix = source.index;
  const c = ix.columns;
  const rule = ix.rule;
  // Contents of the values met, from a task that holds each (one read per holder).
  const holders = [...new Set([...s.values.values()].filter((v) => !v.content).map((v) => v.holder))];
  const records = holders.length ? await source.records(holders, options.onProgress) : new Map<number, Record<string, unknown>>();
  const contentOf = new Map<number, Map<string, { value: unknown; id: string }>>();
  for (const [t, r] of records) {
    const byKey = new Map<string, { value: unknown; id: string }>();
    for (const v of taskValues(r, rule)) {
      const [hi, lo] = contentKey(v.id);
      const k = `${hex8(hi)}${hex8(lo)}`;
      if (!byKey.has(k)) byKey.set(k, { value: v.value, id: v.id });
    }
    contentOf.set(t, byKey);
  }
  const valueNodes = new Map<string, LineageValueNode>();
  for (const [k, v] of s.values) {
    const content = v.content ?? contentOf.get(v.holder)?.get(k);
    if (!content) {
      diag.warn(`flowcept: lineage: a value of task ${ix.taskId(v.holder)} is no longer in ${source.describe()}; left out`);
      continue;
    }
    const node: LineageValueNode = { id: `value:${content.id}`, kind: "value", value_id: content.id, value: content.value, keys: [], side: v.side };
    if (!s.whole && v.depth !== undefined) node.depth = v.depth;
    valueNodes.set(k, node);
  }
  const taskNode = (t: number): LineageTaskNode => {
    const node: LineageTaskNode = { id: `task:${ix.taskId(t)}`, kind: "task", task_id: ix.taskId(t), side: s.sideOf.get(t)! };
    const set = <K extends keyof LineageTaskNode>(k: K, v: LineageTaskNode[K] | undefined): void => {
      if (v !== undefined && !(typeof v === "number" && Number.isNaN(v))) node[k] = v;
    };
    set("activity_id", ix.string(c.activity[t]!));
    set("status", ix.string(c.status[t]!));
    set("workflow_id", ix.string(c.workflow[t]!));
    set("campaign_id", ix.string(c.campaign[t]!));
    if (c.parent[t]! >= 0) node.parent_task_id = ix.taskId(c.parent[t]!);
    set("hostname", ix.string(c.hostname[t]!));
    set("started_at", c.started[t]!);
    set("ended_at", c.ended[t]!);
    if (!s.whole) node.depth = s.depthOf.get(t)!;
    return node;
  };
  const ref = (e: End): string | undefined => ("task" in e ? (s.depthOf.has(e.task) ? `task:${ix.taskId(e.task)}` : undefined) : valueNodes.get(e.value)?.id);
  const out: LineageEdge[] = [];
  const usedValues = new Set<string>();
  for (const e of s.edges.values()) {
    const source_ = ref(e.source);
    const target = ref(e.target);
    if (source_ === undefined || target === undefined) continue;
    out.push({ source: source_, target, kind: e.kind, ...(e.key === undefined ? {} : { key: e.key }) });
    if ("value" in e.target) {
      usedValues.add(e.target.value);
      if (e.key !== undefined) addKey(valueNodes.get(e.target.value)!, `generated.${e.key}`);
    }
    if ("value" in e.source) {
      usedValues.add(e.source.value);
      if (e.key !== undefined) addKey(valueNodes.get(e.source.value)!, `used.${e.key}`);
    }
  }
  const tasks = [...s.depthOf.keys()].map(taskNode);
  const valueList = [...valueNodes.entries()].filter(([k, v]) => usedValues.has(k) || v.side === "start").map(([, v]) => v);
  const order = (n: LineageNode): number => (n.side === "start" ? -1 : (n.depth ?? 0));
  const time = (n: LineageNode): number => (n.kind === "task" ? (n.started_at ?? Infinity) : Infinity);
  const nodes: LineageNode[] = [...tasks, ...valueList].sort((a, b) => order(a) - order(b) || time(a) - time(b));
  return {
    start: s.start,
    direction: s.direction,
    depth: Number.isFinite(s.maxDepth) ? s.maxDepth : null,
    edges_followed: s.classes,
    rule,
    nodes,
    edges: out,
  };
}

function addKey(node: LineageValueNode, key: string): void {
  if (!node.keys.includes(key)) node.keys.push(key);
}
