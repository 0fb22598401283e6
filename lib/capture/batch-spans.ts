/**
 * The trace-path view of the lightweight task paths: instead of one span per
 * call, one span per activity and flush window, carrying the number of calls
 * (and errors) it stands for. The provenance path still gets every record.
 */
import { context, diag, ROOT_CONTEXT } from "@opentelemetry/api";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { flowceptTracer } from "../pipeline/register-flowcept.js";
import type { WorkflowScope } from "../context/workflow-scope.js";
import { errorMessage } from "../util/error-message.js";

/** Calls of one activity in one workflow since the last flush. */
export interface BatchEntry {
  readonly scope: WorkflowScope | undefined;
  readonly activity: string;
  count: number;
  errors: number;
  first: number;
  last: number;
  flushed: boolean;
}

const entries = new Map<string, BatchEntry>();
let timer: NodeJS.Timeout | undefined;

/** The open batch of `activity` in `scope` (a new one after each flush). */
export function batchEntry(scope: WorkflowScope | undefined, activity: string, now: number): BatchEntry {
  const key = `${scope?.workflowId ?? ""}\u0000${activity}`;
  let e = entries.get(key);
  if (e === undefined) {
    e = { scope, activity, count: 0, errors: 0, first: now, last: now, flushed: false };
    entries.set(key, e);
    if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        flushBatchSpans();
      }, 1000);
      timer.unref();
    }
  }
  return e;
}

/** Ends one span per open batch (of one workflow, or all). */
export function flushBatchSpans(workflowId?: string): void {
  const tracer = flowceptTracer().tracer;
  for (const [key, e] of entries) {
    if (workflowId !== undefined && e.scope?.workflowId !== workflowId) continue;
    entries.delete(key);
    e.flushed = true;
    if (e.count === 0 || tracer === undefined) continue;
    try {
      const attributes = {
        [ATTR.TYPE]: SPAN_TYPE.BATCH,
        [ATTR.COUNT]: e.count,
        "flowcept.error_count": e.errors,
        ...(e.scope ? { [ATTR.WORKFLOW_ID]: e.scope.workflowId, [ATTR.CAMPAIGN_ID]: e.scope.campaignId } : {}),
      };
      const span = tracer.startSpan(`${e.activity} ×${e.count}`, { attributes, startTime: e.first * 1000 }, e.scope?.context ?? context.active() ?? ROOT_CONTEXT);
      span.end(e.last * 1000);
    } catch (err) {
      diag.debug(`flowcept: batch span for ${e.activity} not created: ${errorMessage(err)}`);
    }
  }
  if (entries.size === 0 && timer !== undefined) {
    clearTimeout(timer);
    timer = undefined;
  }
}
