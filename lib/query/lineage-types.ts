/** Types of lineage queries (`Flowcept.db.lineage`) and of the graph they answer with. */
import type { LineageRule } from "./lineage-rule.js";

/** Which way a lineage query walks from its start. */
export type LineageDirection = "upstream" | "downstream" | "both";

/** Kinds of edges a lineage query follows. */
export type LineageEdgeClass = "control" | "dataflow";

/** Progress of a long lineage step (reading the store, building the index, fetching records). */
export type LineageProgress = (step: string, done: number, total: number) => void;

/** Options of `FlowceptDb.lineage`. Give `taskId`, or `value`, or `workflowId` alone for a whole workflow's graph. */
export interface LineageOptions {
  /** Start from this task. With {@link key}, from its values under that key. */
  taskId?: string | undefined;
  /** Start from this value (matched by content identity). */
  value?: unknown;
  /** Only values recorded under this key (the whole key path, or its last key name). */
  key?: string | undefined;
  /** A value start is looked for in this workflow only; with no start, the graph of the whole workflow. */
  workflowId?: string | undefined;
  /** Default `both`: ancestors and descendants. */
  direction?: LineageDirection | undefined;
  /** At most this many task-to-task steps from the start; absent for no limit. */
  depth?: number | undefined;
  /** Edges to follow; default both control (parent task, loop) and dataflow. */
  edges?: readonly LineageEdgeClass[] | undefined;
  /** What links tasks by content; defaults as {@link DEFAULT_LINEAGE_RULE}. */
  rule?: Partial<LineageRule> | undefined;
  /** Called during long steps. */
  onProgress?: LineageProgress | undefined;
}

/** Where a node sits relative to the start. */
export type LineageSide = "start" | "upstream" | "downstream" | "workflow";

/** A task of a lineage graph. */
export interface LineageTaskNode {
  /** `task:<task_id>`. */
  id: string;
  kind: "task";
  task_id: string;
  activity_id?: string;
  status?: string;
  workflow_id?: string;
  campaign_id?: string;
  parent_task_id?: string;
  hostname?: string;
  started_at?: number;
  ended_at?: number;
  /** Task-to-task steps from the start (0 for the start); absent in a whole-workflow graph. */
  depth?: number;
  side: LineageSide;
}

/** A value of a lineage graph: content a task generated and another used. */
export interface LineageValueNode {
  /** `value:<value_id>`. */
  id: string;
  kind: "value";
  /** Content identity: SHA-256 of the value's canonical JSON. */
  value_id: string;
  value: unknown;
  /** Key paths the value was recorded under, as `used.<path>` / `generated.<path>`. */
  keys: string[];
  depth?: number;
  side: LineageSide;
}

/** A node of a lineage graph. */
export type LineageNode = LineageTaskNode | LineageValueNode;

/**
 * An edge, pointing the way things flowed: parent task → child (`parent`),
 * loop → iteration (`loop`), producer → value (`generated`), value →
 * consumer (`used`).
 */
export interface LineageEdge {
  source: string;
  target: string;
  kind: "parent" | "loop" | "generated" | "used";
  /** The key path of a `generated`/`used` edge. */
  key?: string;
}

/** The answer of a lineage query. */
export interface LineageGraph {
  start: { task_id?: string; value_id?: string; value?: unknown; key?: string; workflow_id?: string };
  direction: LineageDirection;
  depth: number | null;
  edges_followed: LineageEdgeClass[];
  rule: LineageRule;
  nodes: LineageNode[];
  edges: LineageEdge[];
}
