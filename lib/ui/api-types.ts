/**
 * The JSON the UI server answers with, shared by the server and the web
 * front end (which imports these types only).
 */

/** A task as the task table shows it: the record's scalar fields. */
export interface TaskRow {
  task_id: string;
  workflow_id?: string;
  activity_id?: string;
  status?: string;
  started_at?: number;
  ended_at?: number;
  parent_task_id?: string;
  group_id?: string;
  hostname?: string;
  subtype?: string;
  /** Whether the task carries telemetry snapshots. */
  telemetry?: boolean;
}

/** A workflow of the workflows page. */
export interface WorkflowRow {
  workflow_id: string;
  name?: string;
  status?: string;
  campaign_id?: string;
  started_at?: number;
  ended_at?: number;
  /** Tasks by status. */
  tasks: Record<string, number>;
  n_tasks: number;
  /** Earliest task start and latest task end, when the workflow record lacks its own times. */
  first_task_at?: number;
  last_task_at?: number;
}

/** `GET /api/v1/ui/workflows`. */
export interface WorkflowList {
  workflows: WorkflowRow[];
  total: number;
  /** Whether the store is still being read. */
  loading: boolean;
}

/** `GET /api/v1/ui/workflows/:id`. */
export interface WorkflowDetail {
  row: WorkflowRow;
  /** The workflow record, when the store has one. */
  workflow?: Record<string, unknown>;
  activities: string[];
  statuses: string[];
  hostnames: string[];
  /** The store's version for this workflow: it changes whenever a record of it arrives. */
  version: number;
  /** Jaeger's URL of the workflow's trace, when a Jaeger URL is configured. */
  jaeger?: string;
}

/** `GET /api/v1/ui/workflows/:id/tasks`. */
export interface TaskPage {
  /** Tasks that pass the filters. */
  total: number;
  offset: number;
  rows: TaskRow[];
  version: number;
}

/** `GET /api/v1/ui/tasks/:id`. */
export interface TaskDetail {
  task: Record<string, unknown>;
  parent?: TaskRow;
  children: TaskRow[];
  /** Children beyond those listed. */
  more_children: number;
  jaeger?: string;
}

/** A bar of the Gantt timeline. */
export interface TimelineBar {
  task_id: string;
  activity_id: string;
  status: string;
  start: number;
  end: number;
}

/** `GET /api/v1/ui/workflows/:id/timeline`. */
export interface Timeline {
  bars: TimelineBar[];
  /** Tasks with a start time in the range asked. */
  total: number;
  t0?: number;
  t1?: number;
}

/** One telemetry metric over time. */
export interface TelemetrySeries {
  metric: string;
  /** `[seconds since the epoch, value]`, in time order. */
  points: [number, number][];
}

/** `GET /api/v1/ui/workflows/:id/telemetry`. */
export interface TelemetryCharts {
  series: TelemetrySeries[];
  /** Tasks whose snapshots were read (a sample of them in big workflows). */
  sampled: number;
  withTelemetry: number;
}

/** Per-activity figures of `GET /api/v1/ui/workflows/:id/stats`. */
export interface ActivityStats {
  activity_id: string;
  n_tasks: number;
  status_counts: Record<string, number>;
  started_at_min?: number;
  ended_at_max?: number;
  /** Durations in seconds: minimum, quartiles, median, 95th percentile, maximum, mean. */
  duration?: { min: number; q1: number; median: number; q3: number; p95: number; max: number; mean: number };
}

/** A node of a graph the UI draws. */
export interface GraphNode {
  id: string;
  label: string;
  kind: "task" | "value" | "activity";
  status?: string;
  task_id?: string;
  /** Tasks an activity node stands for. */
  count?: number;
  /** The start of a lineage query. */
  start?: boolean;
}

/** An edge of a graph the UI draws. */
export interface GraphEdge {
  source: string;
  target: string;
  kind: "parent" | "loop" | "generated" | "used" | "dataflow" | "control";
  label?: string;
}

/** `GET …/graph` and `GET …/lineage`. */
export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** `task` (one node per task) or `activity` (tasks grouped by activity, for big workflows). */
  level: "task" | "activity" | "none";
  /** Why the graph is reduced or empty. */
  note?: string;
}
