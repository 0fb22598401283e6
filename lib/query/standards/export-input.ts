/**
 * What a standard export is made from: a workflow's record, its tasks (as a
 * database would merge them, in start order), and the dataflow between them
 * by the lineage rule — which `used` entries of which task are values an
 * earlier task generated.
 */
import { walkLineage } from "../lineage-walk.js";
import { RecordsLineageSource } from "../RecordsLineageSource.js";
import type { LineageGraph } from "../lineage-types.js";
import type { LineageOptions } from "../lineage-types.js";
import { LineageRuleError, lineageRule, type LineageRule } from "../lineage-rule.js";
import { FlowceptQueryError } from "../query-types.js";
import type { WorkflowRun } from "../workflow-diff.js";

type Rec = Record<string, unknown>;

/** The input of every standard export. */
export interface ExportInput {
  workflowId: string;
  /** The workflow record, when the store has one. */
  workflow: Rec | undefined;
  /** The workflow's tasks, by start time. */
  tasks: Rec[];
  /**
   * The dataflow: for each task that used a value an earlier task generated,
   * the key paths of those values in its `used` (`loss`, `files.0`).
   */
  linkedUses: Map<string, Set<string>>;
  rule: LineageRule;
}

/** What an export reads from a store: `FlowceptDb`'s `workflowRun` and `lineage`. */
export interface ExportSource {
  /** The workflow's record and tasks. */
  workflowRun(workflowId: string): Promise<WorkflowRun>;
  /** The lineage graph of a query. */
  lineage(options: LineageOptions): Promise<LineageGraph>;
}

/** The rule with defaults, its errors as query errors. */
function checkedRule(rule: Partial<LineageRule> | undefined): LineageRule {
  try {
    return lineageRule(rule);
  } catch (err) {
    if (err instanceof LineageRuleError) throw new FlowceptQueryError(err.message);
    throw err;
  }
}

/** The dataflow uses of a lineage graph: consumer task id → used key paths. */
export function linkedUsesOf(graph: LineageGraph | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of graph?.edges ?? []) {
    if (e.kind !== "used" || !e.target.startsWith("task:") || e.key === undefined) continue;
    const task = e.target.slice(5);
    let keys = out.get(task);
    if (!keys) out.set(task, (keys = new Set()));
    keys.add(e.key);
  }
  return out;
}

function byStart(a: Rec, b: Rec): number {
  return Number(a.started_at ?? Infinity) - Number(b.started_at ?? Infinity) || String(a.task_id).localeCompare(String(b.task_id));
}

/** The export input of a workflow from a store. Throws {@link FlowceptQueryError} when the store has no such workflow. */
export async function exportInput(db: ExportSource, workflowId: string, rule?: Partial<LineageRule>): Promise<ExportInput> {
  const checked = checkedRule(rule);
  const run = await db.workflowRun(workflowId);
  const graph = run.tasks.length ? await db.lineage({ workflowId, edges: ["dataflow"], rule: checked }) : undefined;
  return { workflowId, workflow: run.workflow, tasks: [...run.tasks].sort(byStart), linkedUses: linkedUsesOf(graph), rule: checked };
}

/** The export input of a workflow from merged records in memory (`readBufferFile`'s). */
export async function exportInputFromRecords(records: readonly Rec[], workflowId: string, rule?: Partial<LineageRule>): Promise<ExportInput> {
  const checked = checkedRule(rule);
  const strip = ({ type: _type, ...r }: Rec): Rec => r;
  const workflow = records.find((r) => r.type === "workflow" && r.workflow_id === workflowId);
  const tasks = records.filter((r) => r.type === "task" && r.workflow_id === workflowId).map(strip);
  if (!workflow && !tasks.length) throw new FlowceptQueryError(`no workflow ${JSON.stringify(workflowId)} in the records given`);
  const scope = records.filter((r) => r.type === "task");
  const graph = tasks.length ? await walkLineage(new RecordsLineageSource(scope, checked, "the records given"), { workflowId, edges: ["dataflow"] }) : undefined;
  return { workflowId, workflow: workflow ? strip(workflow) : undefined, tasks: tasks.sort(byStart), linkedUses: linkedUsesOf(graph), rule: checked };
}
