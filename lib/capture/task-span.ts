/**
 * Starting and ending the span of one task call: the shared core of
 * `flowceptTask`, `@task`, loops and `FlowceptTask`.
 */
import { diag, SpanStatusCode, trace, type Attributes, type Context } from "@opentelemetry/api";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { errorMessage } from "../util/error-message.js";
import { captureConfig } from "./capture-config.js";
import { addIoMirror, capIo, IO_ATTR } from "./io-mirror.js";
import { activeSink } from "../pipeline/record-sink.js";
import { CaptureSpan, type TraceView } from "./CaptureSpan.js";
import { telemetrySnapshotJson, type TaskTelemetry } from "./task-telemetry.js";
import { taskParentContext, taskScope } from "../context/current-scope.js";
import { type WorkflowScope } from "../context/workflow-scope.js";

/** A started task span and the context its body runs in. */
export interface StartedTask {
  span: CaptureSpan;
  context: Context;
  scope: WorkflowScope | undefined;
}

/**
 * Fills the ids every task span carries: workflow, campaign, and an explicit
 * "no parent task" when the parent span is the workflow's root.
 */
export function stampTaskIds(attrs: Attributes, parent: Context, scope: WorkflowScope | undefined, workflowId?: string, campaignId?: string): void {
  // An empty id (an unset environment variable passed on) is no id, as for the controller.
  const wf = workflowId || scope?.workflowId;
  if (wf !== undefined) attrs[ATTR.WORKFLOW_ID] = wf;
  const camp = campaignId || scope?.campaignId;
  if (camp) attrs[ATTR.CAMPAIGN_ID] = camp;
  if (scope !== undefined && attrs[ATTR.PARENT_TASK_ID] === undefined) {
    const ps = trace.getSpan(parent);
    if (ps !== undefined && ps.spanContext().spanId === scope.rootSpanId) attrs[ATTR.PARENT_TASK_ID] = "";
  }
}

/**
 * Starts a task span named `activityId` with `attrs` (which must already hold
 * `flowcept.used` and the static attributes), under the current task or
 * workflow (the process's implicit workflow outside any other). `startTime`
 * is in milliseconds since the epoch; `view` is how the span looks in the
 * trace view when that differs from the record.
 */
export function startTaskSpan(activityId: string, attrs: Attributes, telemetry: TaskTelemetry, workflowId?: string, campaignId?: string, startTime?: number, view?: TraceView): StartedTask {
  const parent = taskParentContext();
  const scope = taskScope(parent);
  attrs[ATTR.TYPE] ??= SPAN_TYPE.TASK;
  stampTaskIds(attrs, parent, scope, workflowId, campaignId);
  const used = attrs[ATTR.USED];
  if (typeof used === "string") addIoMirror(attrs, "input", used, captureConfig().ioMaxBytes);
  if (telemetry) {
    const t = telemetrySnapshotJson(telemetry);
    if (t !== undefined) attrs[ATTR.TELEMETRY_AT_START] = t;
  }
  const span = new CaptureSpan(activityId, attrs, parent, activeSink(), startTime === undefined ? undefined : startTime / 1000, undefined, undefined, view);
  return { span, context: trace.setSpan(parent, span.otel), scope };
}

/** Sets `flowcept.generated` and its `output.value` mirror on a task span. */
export function setGenerated(span: CaptureSpan, generatedJson: string): void {
  span.setAttribute(ATTR.GENERATED, generatedJson);
  const max = captureConfig().ioMaxBytes;
  if (max <= 0) return;
  const io = capIo(generatedJson, max);
  span.setTraceAttribute(IO_ATTR.OUTPUT_VALUE, io.value);
  span.setTraceAttribute(IO_ATTR.OUTPUT_MIME_TYPE, io.mime);
}

const OK_STATUS = Object.freeze({ code: SpanStatusCode.OK });

/** Ends a task span as FINISHED, with `generated` JSON when given. Never throws. */
export function endTaskOk(span: CaptureSpan, generatedJson: string | undefined, telemetry: TaskTelemetry, endTime?: number): void {
  try {
    if (generatedJson !== undefined) setGenerated(span, generatedJson);
    if (telemetry) {
      const t = telemetrySnapshotJson(telemetry);
      if (t !== undefined) span.setAttribute(ATTR.TELEMETRY_AT_END, t);
    }
    span.setStatus(OK_STATUS);
  } catch (err) {
    diag.error(`flowcept: could not finish task span: ${errorMessage(err)}`);
  }
  endQuietly(span, endTime);
}


/** Ends a task span as ERROR: exception event, span status, `stderr`. Never throws. */
export function endTaskError(span: CaptureSpan, err: unknown, telemetry: TaskTelemetry): void {
  try {
    const msg = errorMessage(err);
    span.recordException(err instanceof Error ? err : msg);
    span.setStatus({ code: SpanStatusCode.ERROR, message: msg });
    span.setAttribute(ATTR.STDERR, msg);
    if (telemetry) {
      const t = telemetrySnapshotJson(telemetry);
      if (t !== undefined) span.setAttribute(ATTR.TELEMETRY_AT_END, t);
    }
  } catch (e) {
    diag.error(`flowcept: could not record task error: ${errorMessage(e)}`);
  }
  endQuietly(span);
}

function endQuietly(span: CaptureSpan, endTime?: number): void {
  try {
    span.end(endTime);
  } catch (err) {
    diag.error(`flowcept: could not end task span: ${errorMessage(err)}`);
  }
}

/** Whether a value is a promise or another thenable. Never throws. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return false;
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}
