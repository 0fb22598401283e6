/**
 * `Flowcept.generateReport`: a workflow's report as a Markdown workflow card
 * or a self-contained HTML page with charts, from the configured store, a
 * JSONL file, or records in memory. Flowcept's argument names
 * (`output_path`, `input_jsonl_path`, `workflow_id`, `report_type`,
 * `print_markdown`) are accepted beside the camelCase ones.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { FlowceptDb } from "../query/FlowceptDb.js";
import { LocalQueryBackend } from "../query/LocalQueryBackend.js";
import { RecordsLineageSource } from "../query/RecordsLineageSource.js";
import { lineageRule, type LineageRule } from "../query/lineage-rule.js";
import type { LineageProgress } from "../query/lineage-types.js";
import { walkLineage } from "../query/lineage-walk.js";
import { mergeRecords } from "../records/merge-records.js";
import { enrichRecord } from "../records/enrich-record.js";
import type { FlowceptRecord } from "../records/records.js";
import { errorMessage } from "../util/error-message.js";
import { toHtml, toMarkdown, type Block } from "./report-document.js";
import { durationSpec, ganttSpec, lineageSpec, telemetrySpec } from "./report-charts.js";
import { ReportError } from "./ReportError.js";
import { chartLibraries, renderSvg } from "./render-svg.js";
import { groupActivities, workflowCard, type CardFigures, type ReportData } from "./workflow-card.js";

/** Options of `Flowcept.generateReport`; Flowcept's snake_case names are aliases. */
export interface GenerateReportOptions {
  /** The workflow; default the latest one of the input. */
  workflowId?: string | undefined;
  workflow_id?: string | undefined;
  /** `md` (Flowcept's `markdown`) or `html`. Default `md`. */
  format?: "md" | "markdown" | "html" | undefined;
  /** Only `workflow_card` (Flowcept's default). */
  reportType?: string | undefined;
  report_type?: string | undefined;
  /** Write the report there; without it the report is only returned. */
  outputPath?: string | undefined;
  output_path?: string | undefined;
  /** Read the records from this JSONL file (a local store) instead of the configured store. */
  inputJsonlPath?: string | undefined;
  input_jsonl_path?: string | undefined;
  /** Read the records from these (as `readBufferFile` returns them) instead. */
  records?: readonly FlowceptRecord[] | undefined;
  /** Also print the Markdown card to stdout. */
  printMarkdown?: boolean | undefined;
  print_markdown?: boolean | undefined;
  /** Campaign reports are not made: given, it is refused with a {@link ReportError}. */
  campaignId?: string | undefined;
  campaign_id?: string | undefined;
  /** The store to read (default `Flowcept.db`'s, from settings). */
  db?: FlowceptDb | undefined;
  /** The lineage rule for the lineage highlights and graph. */
  rule?: Partial<LineageRule> | undefined;
  onProgress?: LineageProgress | undefined;
}

/** What `generateReport` made. */
export interface ReportResult {
  report_type: "workflow_card";
  format: "md" | "html";
  /** The file written, if any. */
  output: string | null;
  input_mode: "db" | "jsonl" | "records";
  workflow_id: string;
  tasks: number;
  activities: number;
  /** The report itself (Markdown or HTML). */
  content: string;
  /** The Markdown card (also for an HTML report). */
  markdown: string;
}

async function fromDb(db: FlowceptDb, workflowId: string | undefined, rule: Partial<LineageRule> | undefined, onProgress?: LineageProgress): Promise<ReportData> {
  let id = workflowId;
  if (id === undefined) {
    const [latest] = await db.workflowQuery({}, { sort: { started_at: -1 }, limit: 1 });
    if (!latest) throw new ReportError(`no workflow in ${db.describe()}`);
    id = String(latest.workflow_id);
  }
  const run = await db.workflowRun(id);
  const lineage = run.tasks.length ? await db.lineage({ workflowId: id, rule, onProgress }) : undefined;
  return { workflowId: id, workflow: run.workflow, tasks: run.tasks, lineage, source: db.describe() };
}

async function fromRecords(records: readonly FlowceptRecord[], workflowId: string | undefined, rule: Partial<LineageRule> | undefined): Promise<ReportData> {
  const merged = mergeRecords(records).map(enrichRecord);
  const workflows = merged.filter((r) => r.type === "workflow");
  const id = workflowId ?? (workflows.sort((a, b) => Number(b.started_at ?? 0) - Number(a.started_at ?? 0))[0]?.workflow_id as string | undefined) ?? (merged.find((r) => r.type === "task")?.workflow_id as string | undefined);
  if (id === undefined) throw new ReportError("no workflow in the records given");
  const workflow = workflows.find((w) => w.workflow_id === id);
  const tasks = merged.filter((r) => r.type === "task" && r.workflow_id === id).map(({ type: _type, ...t }) => t);
  if (!workflow && !tasks.length) throw new ReportError(`no workflow ${JSON.stringify(id)} in the records given`);
  const scope = merged.filter((r) => r.type === "task");
  const lineage = tasks.length ? await walkLineage(new RecordsLineageSource(scope as Record<string, unknown>[], lineageRule(rule), "the records given"), { workflowId: id }) : undefined;
  return { workflowId: id, workflow: workflow ? withoutType(workflow) : undefined, tasks, lineage, source: "records" };
}

function withoutType(r: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = r;
  return rest;
}

async function figures(data: ReportData): Promise<CardFigures> {
  const { dagre } = await chartLibraries();
  const out: CardFigures = {};
  const figure = async (spec: Record<string, unknown> | undefined, title: string, alt: string): Promise<Block | undefined> => (spec ? { kind: "figure", title, alt, svg: await renderSvg(spec) } : undefined);
  const gantt = await figure(ganttSpec(data.tasks), "Timeline of tasks (Gantt)", "Each task as a bar from its start to its end, one row per activity, coloured by status");
  const durations = await figure(durationSpec(data.tasks), "Duration distribution per activity", "Per activity, the range of task durations, their quartiles and median, on a log scale");
  const telemetry = await figure(telemetrySpec(data.tasks), "Telemetry over time", "CPU, memory and GPU readings at task starts and ends over the run");
  const lineage = await figure(lineageSpec(data.lineage, dagre), "Lineage between activities", "Activities linked by values passed between their tasks and by parent and loop relations");
  if (gantt) out.gantt = gantt;
  if (durations) out.durations = durations;
  if (telemetry) out.telemetry = telemetry;
  if (lineage) out.lineage = lineage;
  return out;
}

/**
 * Makes the report of a workflow (see {@link GenerateReportOptions}).
 * Throws {@link ReportError} for inputs it cannot use or a file it cannot
 * write, and `MissingPeerError` when an HTML report's chart package is missing.
 */
export async function generateReport(options: GenerateReportOptions = {}): Promise<ReportResult> {
  const reportType = options.reportType ?? options.report_type ?? "workflow_card";
  if (reportType !== "workflow_card") throw new ReportError(`unsupported report_type ${JSON.stringify(reportType)}: only "workflow_card" (Markdown or HTML)`);
  if (options.campaignId ?? options.campaign_id) throw new ReportError("campaign reports are not supported: give a workflow id");
  const requested = options.format ?? "md";
  if (requested !== "md" && requested !== "markdown" && requested !== "html") throw new ReportError(`unsupported format ${JSON.stringify(requested)}: md or html`);
  const format = requested === "html" ? "html" : "md";
  const workflowId = options.workflowId ?? options.workflow_id;
  const jsonl = options.inputJsonlPath ?? options.input_jsonl_path;
  if (jsonl !== undefined && options.records !== undefined) throw new ReportError("give input_jsonl_path or records, not both");
  let data: ReportData;
  let mode: ReportResult["input_mode"];
  if (options.records !== undefined) {
    data = await fromRecords(options.records, workflowId, options.rule);
    mode = "records";
  } else if (jsonl !== undefined) {
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path: jsonl }) });
    try {
      data = await fromDb(db, workflowId, options.rule, options.onProgress);
    } finally {
      await db.close();
    }
    mode = "jsonl";
  } else {
    const db = options.db ?? FlowceptDb.fromSettings();
    try {
      data = await fromDb(db, workflowId, options.rule, options.onProgress);
    } finally {
      if (!options.db) await db.close();
    }
    mode = "db";
  }
  const markdown = toMarkdown(workflowCard(data));
  const title = `Workflow report: ${String(data.workflow?.name ?? data.workflowId)}`;
  const content = format === "html" ? toHtml(workflowCard(data, await figures(data)), title) : markdown;
  const outputPath = options.outputPath ?? options.output_path;
  let output: string | null = null;
  if (outputPath !== undefined) {
    output = resolve(outputPath);
    try {
      writeFileSync(output, content);
    } catch (err) {
      throw new ReportError(`cannot write the report to ${output}: ${errorMessage(err)}`);
    }
  }
  if (options.printMarkdown ?? options.print_markdown) process.stdout.write(markdown);
  return { report_type: "workflow_card", format, output, input_mode: mode, workflow_id: data.workflowId, tasks: data.tasks.length, activities: groupActivities(data.tasks).length, content, markdown };
}

