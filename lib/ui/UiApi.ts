/**
 * The UI server's JSON API: read-only answers from the {@link UiModel}
 * (workflows, task tables, timelines, statistics) and from the store's
 * query API (whole records, text search, telemetry, lineage). Every
 * argument is checked; answers that cost a store read are kept until the
 * workflow changes.
 */
import type { FlowceptDb } from "../query/FlowceptDb.js";
import type { LineageDirection, LineageEdgeClass } from "../query/lineage-types.js";
import type { GraphData, TaskDetail, TaskPage, TaskRow, WorkflowDetail, WorkflowList } from "./api-types.js";
import { SORT_KEYS, type SortKey, type TaskView } from "./TaskTable.js";
import type { UiModel, WorkflowState } from "./UiModel.js";
import { activityStatsOf, graphOf, telemetryOf, timelineOf } from "./workflow-views.js";

/** A request the API cannot answer: status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link UiApi}. */
export interface UiApiOptions {
  /** Jaeger's base URL (`http://localhost:16686`): task and workflow pages link to their trace. */
  jaegerUrl?: string | undefined;
  /** Workflows bigger than this get no task or dataflow graph (its lineage is not computed). Default 50 000. */
  maxGraphTasks?: number | undefined;
}

const MAX_ID = 512;
const MAX_PAGE = 1000;
const TELEMETRY_TASKS = 1000;

function hexTraceId(workflowId: string): string | undefined {
  const hex = workflowId.replace(/-/g, "");
  return /^[0-9a-f]{32}$/i.test(hex) ? hex.toLowerCase() : undefined;
}

function list(q: URLSearchParams, name: string): string[] | undefined {
  const values = q.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  return values.length ? values : undefined;
}

function number(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ApiError(400, `${name} must be a number, got ${JSON.stringify(v.slice(0, 40))}`);
  return n;
}

function integer(q: URLSearchParams, name: string, dflt: number, max: number): number {
  const n = number(q, name) ?? dflt;
  if (!Number.isInteger(n) || n < 0) throw new ApiError(400, `${name} must be a non-negative integer`);
  return Math.min(n, max);
}

/** See the file header. */
export class UiApi {
  private readonly cache = new Map<string, { version: number; value: unknown }>();
  private readonly jaeger: string | undefined;

  constructor(
    private readonly model: UiModel,
    private readonly db: FlowceptDb,
    private readonly options: UiApiOptions = {},
  ) {
    this.jaeger = options.jaegerUrl?.replace(/\/+$/, "");
  }

  /** Answers `GET /api/v1/<path>`; throws {@link ApiError}. */
  async handle(path: string, q: URLSearchParams): Promise<unknown> {
    const parts = path.split("/").filter(Boolean).map((p) => {
      let s: string;
      try {
        s = decodeURIComponent(p);
      } catch {
        throw new ApiError(400, "malformed path");
      }
      if (s.length > MAX_ID) throw new ApiError(400, "id too long");
      return s;
    });
    const [what, id, sub, extra] = parts;
    if (extra !== undefined) throw new ApiError(404, `no such endpoint: /api/v1/${path}`);
    if (what === "workflows" && id === undefined) return this.workflows(q);
    if (what === "workflows" && id !== undefined) {
      const wf = this.workflow(id);
      switch (sub) {
        case undefined:
          return this.workflowDetail(wf);
        case "tasks":
          return this.tasks(wf, q);
        case "timeline":
          return timelineOf(wf.tasks, number(q, "from"), number(q, "to"));
        case "stats":
          return this.cached(`stats:${wf.id}`, wf.version, async () => ({ activities: activityStatsOf(wf.tasks.rows) }));
        case "telemetry":
          return this.cached(`telemetry:${wf.id}`, wf.version, () => this.telemetry(wf));
        case "graph":
          return this.workflowGraph(wf, q.get("kind") === "dataflow" ? "dataflow" : "control");
      }
    }
    if (what === "tasks" && id !== undefined && sub === undefined) return this.taskDetail(id);
    if (what === "tasks" && id !== undefined && sub === "lineage") return this.lineage(id, q);
    throw new ApiError(404, `no such endpoint: /api/v1/${path}`);
  }

  private async cached<T>(key: string, version: number, make: () => Promise<T>): Promise<T> {
    const kept = this.cache.get(key);
    if (kept && kept.version === version) return kept.value as T;
    const value = await make();
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { version, value });
    return value;
  }

  private workflow(id: string): WorkflowState {
    const wf = this.model.get(id);
    if (!wf) throw new ApiError(404, `no workflow ${JSON.stringify(id)} in ${this.db.describe()}`);
    return wf;
  }

  private workflows(q: URLSearchParams): WorkflowList {
    const rows = this.model.list({ search: q.get("search")?.slice(0, 200), status: q.get("status") ?? undefined });
    const limit = integer(q, "limit", 500, 5000);
    return { workflows: rows.slice(0, limit), total: rows.length, loading: false };
  }

  private workflowDetail(wf: WorkflowState): WorkflowDetail {
    const out: WorkflowDetail = {
      row: this.model.row(wf),
      activities: wf.tasks.activities,
      statuses: Object.keys(wf.tasks.counts),
      hostnames: wf.tasks.hostnames,
      version: wf.version,
    };
    if (wf.record) out.workflow = wf.record;
    const trace = hexTraceId(wf.id);
    if (this.jaeger && trace) out.jaeger = `${this.jaeger}/trace/${trace}`;
    return out;
  }

  private async tasks(wf: WorkflowState, q: URLSearchParams): Promise<TaskPage> {
    const sort = q.get("sort") ?? "started_at";
    if (!(SORT_KEYS as readonly string[]).includes(sort)) throw new ApiError(400, `sort must be one of ${SORT_KEYS.join(", ")}`);
    const view: TaskView = {
      activities: list(q, "activity"),
      statuses: list(q, "status"),
      hostnames: list(q, "hostname"),
      from: number(q, "from"),
      to: number(q, "to"),
      sort: sort as SortKey,
      descending: q.get("order") === "desc",
    };
    const text = q.get("q")?.trim().slice(0, 200);
    if (text) {
      view.only = await this.textSearch(wf, text);
      view.onlyKey = `${wf.version}:${text}`;
    }
    const offset = integer(q, "offset", 0, Number.MAX_SAFE_INTEGER);
    const limit = integer(q, "limit", 100, MAX_PAGE);
    const picked = wf.tasks.view(view);
    const rows: TaskRow[] = [];
    for (let i = offset; i < Math.min(picked.length, offset + limit); i++) rows.push(wf.tasks.rows[picked[i]!]!);
    return { total: picked.length, offset, rows, version: wf.version };
  }

  /** Tasks whose `used` or `generated` hold `text` (case-insensitive, in their JSON). */
  private textSearch(wf: WorkflowState, text: string): Promise<Set<string>> {
    return this.cached(`search:${wf.id}:${text}`, wf.version, async () => {
      const needle = text.toLowerCase();
      const found = new Set<string>();
      const records = await this.db.taskQuery({ workflow_id: wf.id }, { projection: { task_id: 1, used: 1, generated: 1 } });
      for (const r of records) {
        const hay = `${JSON.stringify(r.used ?? {})} ${JSON.stringify(r.generated ?? {})}`.toLowerCase();
        if (hay.includes(needle)) found.add(String(r.task_id));
      }
      return found;
    });
  }

  private async telemetry(wf: WorkflowState): Promise<unknown> {
    const projection = { task_id: 1, started_at: 1, ended_at: 1, telemetry_at_start: 1, telemetry_at_end: 1 } as const;
    const flagged = wf.tasks.rows.filter((r) => r.telemetry);
    let records: Record<string, unknown>[];
    if (flagged.length) {
      const step = Math.max(1, Math.ceil(flagged.length / TELEMETRY_TASKS));
      const ids = flagged.filter((_, i) => i % step === 0).map((r) => r.task_id);
      records = await this.db.taskQuery({ task_id: { $in: ids } }, { projection });
    } else {
      records = await this.db.taskQuery({ workflow_id: wf.id, $or: [{ telemetry_at_start: { $exists: true } }, { telemetry_at_end: { $exists: true } }] }, { projection });
    }
    return telemetryOf(records, flagged.length || records.length);
  }

  private async workflowGraph(wf: WorkflowState, kind: LineageEdgeClass): Promise<GraphData> {
    const max = this.options.maxGraphTasks ?? 50_000;
    if (wf.tasks.size > max) return { nodes: [], edges: [], level: "none", note: `${wf.tasks.size} tasks: graphs are drawn for workflows of up to ${max} tasks (see \`flowcept-otel lineage\`)` };
    if (wf.tasks.size === 0) return { nodes: [], edges: [], level: "none", note: "no tasks" };
    return this.cached(`graph:${kind}:${wf.id}`, wf.version, async () => {
      const g = await this.db.lineage({ workflowId: wf.id, edges: [kind] });
      const data = graphOf(g);
      if (!data.edges.length) data.note ??= kind === "dataflow" ? "no task used a value another task generated" : "no task of this workflow has a parent task or a loop";
      return data;
    });
  }

  private async findTask(id: string): Promise<Record<string, unknown>> {
    const [task] = await this.db.taskQuery({ task_id: id }, { limit: 1 });
    if (!task) throw new ApiError(404, `no task ${JSON.stringify(id)} in ${this.db.describe()}`);
    return task;
  }

  private async taskDetail(id: string): Promise<TaskDetail> {
    const task = await this.findTask(id);
    const wf = typeof task.workflow_id === "string" ? this.model.get(task.workflow_id) : undefined;
    const out: TaskDetail = { task, children: [], more_children: 0 };
    if (wf) {
      const parent = typeof task.parent_task_id === "string" ? wf.tasks.get(task.parent_task_id) : undefined;
      if (parent) out.parent = parent;
      for (const r of wf.tasks.rows) {
        if (r.parent_task_id !== id) continue;
        if (out.children.length < 200) out.children.push(r);
        else out.more_children++;
      }
    }
    const trace = typeof task.workflow_id === "string" ? hexTraceId(task.workflow_id) : undefined;
    if (this.jaeger && trace) {
      const span = /^[0-9a-f]{32}-([0-9a-f]{16})$/.exec(id)?.[1];
      out.jaeger = `${this.jaeger}/trace/${trace}${span ? `?uiFind=${span}` : ""}`;
    }
    return out;
  }

  private async lineage(id: string, q: URLSearchParams): Promise<GraphData> {
    await this.findTask(id);
    const direction = (q.get("direction") ?? "both") as LineageDirection;
    if (!["upstream", "downstream", "both"].includes(direction)) throw new ApiError(400, "direction must be upstream, downstream or both");
    const depth = integer(q, "depth", 2, 20);
    const g = await this.db.lineage({ taskId: id, direction, depth: depth || undefined });
    return graphOf(g, 400);
  }
}
