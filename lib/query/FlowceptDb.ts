/**
 * The query API (`Flowcept.db`): MongoDB's query language over MongoDB or
 * over the local JSONL store, with the same results from both.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { resolve } from "node:path";
import { csvHeader, csvRow, flattenRecord } from "./csv.js";
import { mongoDbNameFromSettings, mongoUriFromSettings } from "../../exporters/mongo/mongo-settings.js";
import { lazyModule } from "../util/lazy-module.js";
import { checkCollection, checkFilter } from "./query-normalize.js";
import { FlowceptQueryError, type CollectionQueryOptions, type QueryBackend, type QueryFilter, type QueryOptions } from "./query-types.js";
import { getSettings } from "../settings/settings-loader.js";
import { LineageRuleError, lineageRule, ruleFingerprint, type LineageRule } from "./lineage-rule.js";
import type { LineageGraph, LineageOptions } from "./lineage-types.js";
import { walkLineage, type LineageSource } from "./lineage-walk.js";
import { LocalLineageSource } from "./LocalLineageSource.js";
import { queryLineageSource } from "./query-lineage-source.js";
import { diffWorkflows, type DiffOptions, type WorkflowDiff, type WorkflowRun } from "./workflow-diff.js";
import type { ExportOptions, ExportResult } from "./standards/export-workflow.js";

const localBackend = lazyModule<typeof import("./LocalQueryBackend.js")>("./LocalQueryBackend.js", import.meta.url);
const mongoBackend = lazyModule<typeof import("./MongoQueryBackend.js")>("./MongoQueryBackend.js", import.meta.url);
import type { FlowceptSettings } from "../settings/settings.js";
import { errorMessage } from "../util/error-message.js";

/** Options of {@link FlowceptDb}. */
export interface FlowceptDbOptions {
  /** Where queries run. */
  backend: QueryBackend;
  /** The workflow of the calling context, for {@link FlowceptDb.getTasksFromCurrentWorkflow}. */
  currentWorkflowId?: (() => string | undefined) | undefined;
}

/** A task of {@link FlowceptDb.getTasksRecursive}'s tree. */
export type TaskWithDepth = Record<string, unknown> & {
  task_id: string;
  /** 0 for a task without parent in the workflow. */
  depth: number;
  /** `{ [activity_id]: task_id }` of each ancestor, root first (as Flowcept). */
  ancestor_ids: Record<string, string>[];
};

/** Options of {@link FlowceptDb.exportQuery}. */
export interface ExportQueryOptions extends CollectionQueryOptions {
  /** File to write. */
  path: string;
  /** Default `jsonl`. */
  format?: "jsonl" | "csv" | undefined;
  /** Called every 10 000 rows and at the end. */
  onProgress?: ((written: number, total: number) => void) | undefined;
}

const ID_BATCH = 1000;

/** The fields an inclusion projection names, in its order (CSV columns follow it). */
function projectedOrder(p: CollectionQueryOptions["projection"]): string[] {
  if (!p) return [];
  if (Array.isArray(p)) return p;
  return Object.entries(p)
    .filter(([, v]) => v === 1 || v === true)
    .map(([k]) => k);
}

/** `Flowcept.db`: task, workflow and generic queries, the task tree, and export to JSONL or CSV. */
export class FlowceptDb {
  /** Where queries run. */
  readonly backend: QueryBackend;
  private readonly currentWorkflowId: () => string | undefined;
  private localLineage: { fingerprint: string; source: LocalLineageSource } | undefined;

  constructor(options: FlowceptDbOptions) {
    this.backend = options.backend;
    this.currentWorkflowId = options.currentWorkflowId ?? (() => undefined);
  }

  /**
   * The query API from settings: MongoDB when `databases.mongodb.enabled`
   * (or `FLOWCEPT_MONGO_URI`), else the local store at
   * `project.dump_buffer.path`. Throws on an invalid settings file.
   */
  static fromSettings(settings: FlowceptSettings = getSettings(), options: Omit<FlowceptDbOptions, "backend"> = {}): FlowceptDb {
    const backend: QueryBackend = settings.databases.mongodb.enabled
      ? new (mongoBackend().MongoQueryBackend)({ uri: mongoUriFromSettings(settings), dbName: mongoDbNameFromSettings(settings) })
      : new (localBackend().LocalQueryBackend)({ path: settings.project.dump_buffer.path });
    return new FlowceptDb({ ...options, backend });
  }

  /** Tasks matching `filter`. */
  taskQuery(filter: QueryFilter, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return this.query(filter, { ...options, collection: "tasks" });
  }

  /** Workflows matching `filter`. */
  workflowQuery(filter: QueryFilter, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return this.query(filter, { ...options, collection: "workflows" });
  }

  /** Agents (Flowcept's `agent_query`) matching `filter`. */
  agentQuery(filter: QueryFilter, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return this.query(filter, { ...options, collection: "agents" });
  }

  /** The agent record (its records merged by `agent_id`; Flowcept's `get_agent_object`), or undefined. */
  async getAgent(agentId: string): Promise<Record<string, unknown> | undefined> {
    const [agent] = await this.agentQuery({ agent_id: agentId }, { limit: 1 });
    return agent;
  }

  /**
   * The tasks of an agent, in start order: those it ran (`agent_id`), and
   * with `{ calledBy: true }` also those run for it by other agents
   * (`source_agent_id`: tools of MCP servers, sub-agents).
   */
  getAgentTasks(agentId: string, options: QueryOptions & { calledBy?: boolean | undefined } = {}): Promise<Record<string, unknown>[]> {
    const { calledBy, ...rest } = options;
    const filter = calledBy ? { $or: [{ agent_id: agentId }, { source_agent_id: agentId }] } : { agent_id: agentId };
    return this.taskQuery(filter, { sort: { started_at: 1 }, ...rest });
  }

  /** Records of `collection` (default `tasks`) matching `filter`. Throws {@link FlowceptQueryError} for bad arguments. */
  async query(filter: QueryFilter, options: CollectionQueryOptions = {}): Promise<Record<string, unknown>[]> {
    const collection = checkCollection(options.collection);
    return this.backend.find(collection, checkFilter(filter), options);
  }

  /**
   * Streams the records of `collection` (default `tasks`) matching `filter`,
   * in no particular order, without gathering them: memory stays the same
   * however many match (counting, summing, exporting). Throws
   * {@link FlowceptQueryError} for bad arguments.
   */
  async *iterate(filter: QueryFilter, options: Pick<CollectionQueryOptions, "collection" | "projection"> = {}): AsyncGenerator<Record<string, unknown>> {
    const collection = checkCollection(options.collection);
    const checked = checkFilter(filter);
    if (this.backend.iterate) yield* this.backend.iterate(collection, checked, { projection: options.projection });
    else yield* await this.backend.find(collection, checked, { projection: options.projection });
  }

  /**
   * The tasks of each of `workflowIds` counted by status, with `total`
   * (`{ total: 12, FINISHED: 11, ERROR: 1 }`; a task without status counts
   * as `UNKNOWN`); a workflow without tasks is left out. On the local store
   * the counts come from its index without parsing most task lines.
   */
  async taskCounts(workflowIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
    if (this.backend.taskCounts) return this.backend.taskCounts(workflowIds);
    const counts = new Map<string, Record<string, number>>();
    if (!workflowIds.length) return counts;
    // Counted as the tasks stream by: memory does not grow with the store.
    for await (const t of this.iterate({ workflow_id: { $in: [...workflowIds] } }, { projection: { workflow_id: 1, status: 1 } })) {
      const c = counts.get(String(t.workflow_id)) ?? { total: 0 };
      c.total = (c.total ?? 0) + 1;
      const s = String(t.status ?? "UNKNOWN");
      c[s] = (c[s] ?? 0) + 1;
      counts.set(String(t.workflow_id), c);
    }
    return counts;
  }

  /** The workflow record, or undefined. */
  async getWorkflow(workflowId: string): Promise<Record<string, unknown> | undefined> {
    const [wf] = await this.workflowQuery({ workflow_id: workflowId }, { limit: 1 });
    return wf;
  }

  /** Tasks of the workflow running in the calling context; empty outside a workflow. */
  async getTasksFromCurrentWorkflow(options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    const id = this.currentWorkflowId();
    if (!id) return [];
    return this.taskQuery({ workflow_id: id }, options);
  }

  /**
   * The workflow's task tree: tasks without a parent first (depth 0), each
   * followed by its descendants (depth-first, by `started_at`), each with
   * `depth` and `ancestor_ids`, down to `maxDepth`.
   */
  async getTasksRecursive(workflowId: string, options: { maxDepth?: number } = {}): Promise<TaskWithDepth[]> {
    const maxDepth = options.maxDepth ?? 999;
    const byStart = { started_at: 1 } as const;
    const roots = await this.taskQuery({ workflow_id: workflowId, parent_task_id: null }, { sort: byStart });
    const children = new Map<string, Record<string, unknown>[]>();
    const seen = new Set<string>(roots.map((t) => String(t.task_id)));
    let level = [...seen];
    for (let depth = 0; depth < maxDepth && level.length; depth++) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += ID_BATCH) {
        const kids = await this.taskQuery({ parent_task_id: { $in: level.slice(i, i + ID_BATCH) } }, { sort: byStart });
        for (const k of kids) {
          const id = String(k.task_id);
          if (seen.has(id)) continue; // a cycle in bad data must not loop forever
          seen.add(id);
          next.push(id);
          const parent = String(k.parent_task_id);
          const list = children.get(parent);
          if (list) list.push(k);
          else children.set(parent, [k]);
        }
      }
      level = next;
    }
    const out: TaskWithDepth[] = [];
    const visit = (t: Record<string, unknown>, depth: number, ancestors: Record<string, string>[]): void => {
      const node = { ...t, depth, ancestor_ids: ancestors } as TaskWithDepth;
      out.push(node);
      if (depth >= maxDepth) return;
      const mine = [...ancestors, { [String(t.activity_id ?? "")]: String(t.task_id) }];
      for (const c of children.get(String(t.task_id)) ?? []) visit(c, depth + 1, mine);
    };
    for (const r of roots) visit(r, 0, []);
    return out;
  }

  /** Writes the results of a query to a JSONL or CSV file; resolves to the number of rows. */
  async exportQuery(filter: QueryFilter, options: ExportQueryOptions): Promise<number> {
    const format = options.format ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new FlowceptQueryError(`unknown export format ${JSON.stringify(format)}; expected jsonl or csv`);
    const rows = await this.query(filter, options);
    const out = createWriteStream(resolve(options.path));
    const failed = new Promise<never>((_, reject) => out.once("error", reject));
    failed.catch(() => undefined);
    const write = async (text: string): Promise<void> => {
      if (!out.write(text)) await Promise.race([once(out, "drain"), failed]);
    };
    try {
      if (format === "csv") {
        const flat = rows.map((r) => flattenRecord(r));
        const columns = csvHeader(flat, projectedOrder(options.projection));
        await write(`${csvRow(columns)}\n`);
        for (let i = 0; i < flat.length; i++) {
          await write(`${csvRow(columns.map((c) => flat[i]![c]))}\n`);
          if ((i + 1) % 10_000 === 0) options.onProgress?.(i + 1, rows.length);
        }
      } else {
        for (let i = 0; i < rows.length; i++) {
          await write(`${JSON.stringify(rows[i])}\n`);
          if ((i + 1) % 10_000 === 0) options.onProgress?.(i + 1, rows.length);
        }
      }
      out.end();
      await Promise.race([once(out, "finish"), failed]);
    } catch (err) {
      out.destroy();
      throw new FlowceptQueryError(`cannot write ${options.path}: ${errorMessage(err)}`);
    }
    options.onProgress?.(rows.length, rows.length);
    return rows.length;
  }

  /**
   * The lineage of a task, of a task's value under a key, of a value, or
   * the graph of a whole workflow: tasks linked by control edges (parent
   * task, loop) and dataflow edges (content one task generated and a later
   * task used, by the lineage rule of `lineage-rule.ts`), walked upstream
   * and/or downstream to `depth`. No node limit. On the local store the
   * lineage index is kept beside the store and built when missing or out of
   * date (`onProgress` reports it). Throws {@link FlowceptQueryError} for a
   * start that is not there or bad options.
   */
  async lineage(options: LineageOptions): Promise<LineageGraph> {
    let rule: LineageRule;
    try {
      rule = lineageRule(options.rule);
    } catch (err) {
      if (err instanceof LineageRuleError) throw new FlowceptQueryError(err.message);
      throw err;
    }
    return walkLineage(await this.lineageSource(options, rule), options);
  }

  private async lineageSource(options: LineageOptions, rule: LineageRule): Promise<LineageSource> {
    if (this.backend.kind !== "local") return queryLineageSource(this.backend, options, rule);
    const fingerprint = ruleFingerprint(rule);
    const kept = this.localLineage;
    if (kept && kept.fingerprint === fingerprint && (await kept.source.isCurrent())) return kept.source;
    const path = (this.backend as QueryBackend & { path: string }).path;
    try {
      const source = await LocalLineageSource.open({ path, rule, onProgress: options.onProgress });
      this.localLineage = { fingerprint, source };
      return source;
    } catch (err) {
      throw new FlowceptQueryError(`cannot read the local store ${path}: ${errorMessage(err)}`);
    }
  }

  /** A workflow's record (when the store has one) and its tasks. Throws {@link FlowceptQueryError} when the store has neither. */
  async workflowRun(workflowId: string): Promise<WorkflowRun> {
    const workflow = await this.getWorkflow(workflowId);
    const tasks = await this.taskQuery({ workflow_id: workflowId }, { sort: { started_at: 1 } });
    if (!workflow && !tasks.length) throw new FlowceptQueryError(`no workflow ${JSON.stringify(workflowId)} in ${this.describe()}`);
    return { workflow, tasks, workflowId };
  }

  /**
   * What changed from run `a` to run `b`: tasks matched by activity and
   * position (iterations by index), with their differences in used,
   * generated, status, duration (with ratios) and telemetry summary;
   * per-activity counts and mean durations; and the workflows' arguments,
   * versions, machine, environment and settings.
   */
  async diffWorkflows(a: string, b: string, options: DiffOptions = {}): Promise<WorkflowDiff> {
    return diffWorkflows(await this.workflowRun(a), await this.workflowRun(b), options);
  }

  /**
   * A workflow in a provenance standard: W3C PROV (`prov-json`,
   * `prov-jsonld`), a Workflow Run RO-Crate (`ro-crate`, Provenance Run
   * Crate profile, a directory or a zip) or OpenLineage RunEvents
   * (`openlineage`, a JSONL file or POSTed to `url`). Values are entities
   * identified by content by the lineage rule (`rule`). Resolves to what
   * was written and its counts; throws {@link FlowceptQueryError}.
   */
  async export(options: ExportOptions): Promise<ExportResult> {
    const { exportWorkflow } = await import("./standards/export-workflow.js");
    return exportWorkflow(this, options);
  }

  /** Where this query API reads from: the local store's path or the MongoDB server (credentials removed). */
  describe(): string {
    return this.backend.describe();
  }

  /** Releases the backend (closes the MongoDB connection). */
  close(): Promise<void> {
    this.localLineage = undefined;
    return this.backend.close();
  }
}
