/**
 * Flowcept records as OpenLineage RunEvents (spec 2-0-2): each task is a run
 * of the job named after its activity, in a namespace; a START event at its
 * start and, once it ended, a COMPLETE (FINISHED), FAIL (ERROR) or ABORT
 * (any other final status) event at its end. The workflow is a run of its own
 * job (the workflow's name) and every task's `parent` run facet. A custom
 * `flowcept` run facet carries the OTel trace and span ids and Flowcept's ids;
 * file-like values of `used` and `generated` are the input and output
 * datasets.
 */
import { VERSION } from "../../lib/process/version.js";
import { workflowTraceId } from "../../lib/records/ids.js";
import { isoTime } from "../../lib/util/iso-time.js";
import { datasetsOf, type DatasetName } from "./file-datasets.js";
import { runIdOf } from "./run-id.js";

/** The OpenLineage spec these events follow. */
export const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
/** Where the producer is published: the `producer` of every event and facet. */
export const OPENLINEAGE_PRODUCER = `https://github.com/flowcept-otel/flowcept-otel/tree/v${VERSION}`;
/** The schema of the custom `flowcept` run facet (described in docs/standards.md). */
export const FLOWCEPT_FACET_SCHEMA_URL = "https://github.com/flowcept-otel/flowcept-otel/blob/main/docs/standards.md#the-flowcept-run-facet";
/** The job namespace used when none is given. */
export const DEFAULT_OPENLINEAGE_NAMESPACE = "flowcept";

const PARENT_FACET = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
const ERROR_FACET = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
const ENGINE_FACET = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet";
const JOB_TYPE_FACET = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
const MAX_MESSAGE = 16_384;

/** The state a RunEvent reports. */
export type RunEventType = "START" | "RUNNING" | "COMPLETE" | "ABORT" | "FAIL" | "OTHER";

/** An OpenLineage RunEvent as sent on the wire. */
export interface OpenLineageRunEvent {
  eventType: RunEventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets: Record<string, Record<string, unknown>> };
  inputs: (DatasetName & { facets: Record<string, unknown> })[];
  outputs: (DatasetName & { facets: Record<string, unknown> })[];
}

/** Options of the mapping. */
export interface OpenLineageMappingOptions {
  /** Job namespace. Default {@link DEFAULT_OPENLINEAGE_NAMESPACE}. */
  namespace?: string | undefined;
}

/** A record as the mapping reads it. */
export type FlowceptRecordLike = Record<string, unknown>;


const TERMINAL: Record<string, RunEventType> = { FINISHED: "COMPLETE", ERROR: "FAIL" };

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function facet(schemaURL: string, fields: FlowceptRecordLike): FlowceptRecordLike {
  return { _producer: OPENLINEAGE_PRODUCER, _schemaURL: schemaURL, ...fields };
}

/** The job name of a workflow: its name, or `workflow` for one without. */
export function workflowJobName(workflow: FlowceptRecordLike | undefined): string {
  return str(workflow?.name) ?? "workflow";
}

function withoutUndefined(o: FlowceptRecordLike): FlowceptRecordLike {
  const out: FlowceptRecordLike = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** The trace and span ids of a task: from a `<trace id>-<span id>` task id, else the workflow's trace id. */
function otelIds(task: FlowceptRecordLike): { trace_id?: string; span_id?: string } {
  const m = /^([0-9a-f]{32})-([0-9a-f]{16})$/.exec(String(task.task_id));
  if (m) return { trace_id: m[1]!, span_id: m[2]! };
  const wf = str(task.workflow_id);
  return wf ? { trace_id: workflowTraceId(wf) } : {};
}

function message(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…[truncated ${s.length - MAX_MESSAGE} of ${s.length} chars]` : s;
}

function engineFacet(): FlowceptRecordLike {
  return facet(ENGINE_FACET, { version: VERSION, name: "flowcept-otel", openlineageAdapterVersion: VERSION });
}

function datasets(values: unknown): OpenLineageRunEvent["inputs"] {
  return datasetsOf(values).map((d) => ({ ...d, facets: {} }));
}

/** The events of a workflow record: START, and COMPLETE/FAIL/ABORT once it ended. */
export function workflowRunEvents(workflow: FlowceptRecordLike, options: OpenLineageMappingOptions = {}): OpenLineageRunEvent[] {
  const namespace = options.namespace ?? DEFAULT_OPENLINEAGE_NAMESPACE;
  const id = String(workflow.workflow_id);
  const flowcept = facet(
    FLOWCEPT_FACET_SCHEMA_URL,
    withoutUndefined({ workflow_id: id, campaign_id: str(workflow.campaign_id), trace_id: workflowTraceId(id), status: str(workflow.status), user: str(workflow.user), hostname: str(workflow.hostname), subtype: str(workflow.subtype), parent_workflow_id: str(workflow.parent_workflow_id) }),
  );
  const base = (eventType: RunEventType, time: string): OpenLineageRunEvent => ({
    eventType,
    eventTime: time,
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: runIdOf(id), facets: { flowcept, processing_engine: engineFacet() } },
    job: { namespace, name: workflowJobName(workflow), facets: { jobType: facet(JOB_TYPE_FACET, { processingType: "BATCH", integration: "FLOWCEPT", jobType: "WORKFLOW" }) } },
    inputs: datasets(workflow.used),
    outputs: [],
  });
  return runEvents(base, workflow, workflow.generated);
}

/**
 * The events of a task record: START, and COMPLETE/FAIL/ABORT once it
 * ended. `workflow` (its record, when known) names the parent job.
 */
export function taskRunEvents(task: FlowceptRecordLike, workflow: FlowceptRecordLike | undefined, options: OpenLineageMappingOptions = {}): OpenLineageRunEvent[] {
  const namespace = options.namespace ?? DEFAULT_OPENLINEAGE_NAMESPACE;
  const taskId = String(task.task_id);
  const workflowId = str(task.workflow_id);
  const facets: Record<string, FlowceptRecordLike> = {
    flowcept: facet(
      FLOWCEPT_FACET_SCHEMA_URL,
      withoutUndefined({
        task_id: taskId,
        ...otelIds(task),
        workflow_id: workflowId,
        campaign_id: str(task.campaign_id),
        activity_id: str(task.activity_id),
        parent_task_id: str(task.parent_task_id),
        group_id: str(task.group_id),
        status: str(task.status),
        subtype: str(task.subtype),
        hostname: str(task.hostname),
        agent_id: str(task.agent_id),
        tags: Array.isArray(task.tags) ? task.tags.filter((t) => typeof t === "string") : undefined,
      }),
    ),
    processing_engine: engineFacet(),
  };
  if (workflowId) {
    const parentJob = { namespace, name: workflowJobName(workflow) };
    const parentRun = { runId: runIdOf(workflowId) };
    facets.parent = facet(PARENT_FACET, { run: parentRun, job: parentJob, root: { run: parentRun, job: parentJob } });
  }
  const base = (eventType: RunEventType, time: string): OpenLineageRunEvent => ({
    eventType,
    eventTime: time,
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: runIdOf(taskId), facets: { ...facets } },
    job: { namespace, name: str(task.activity_id) ?? "task", facets: { jobType: facet(JOB_TYPE_FACET, { processingType: "BATCH", integration: "FLOWCEPT", jobType: task.subtype === "loop" ? "LOOP" : "TASK" }) } },
    inputs: datasets(task.used),
    outputs: [],
  });
  return runEvents(base, task, task.generated);
}

function runEvents(base: (t: RunEventType, time: string) => OpenLineageRunEvent, rec: FlowceptRecordLike, generated: unknown): OpenLineageRunEvent[] {
  const start = isoTime(rec.started_at) ?? isoTime(rec.submitted_at) ?? isoTime(rec.utc_timestamp) ?? isoTime(rec.ended_at);
  if (start === undefined) return [];
  const out: OpenLineageRunEvent[] = [base("START", start)];
  const status = str(rec.status);
  const end = isoTime(rec.ended_at);
  if (end === undefined || status === "RUNNING" || status === "SUBMITTED" || status === "WAITING") return out;
  const done = base(TERMINAL[status ?? ""] ?? "ABORT", end);
  done.outputs = datasets(generated);
  if (done.eventType !== "COMPLETE") {
    const text = message(rec.stderr) ?? message(rec.error) ?? `status ${status ?? "unknown"}`;
    done.run.facets.errorMessage = facet(ERROR_FACET, { message: text, programmingLanguage: "JavaScript" });
  }
  return [...out, done];
}
