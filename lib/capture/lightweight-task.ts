import { diag, trace, type Context } from "@opentelemetry/api";
import { batchEntry, type BatchEntry } from "./batch-spans.js";
import { captureConfig } from "./capture-config.js";
import { nowSeconds } from "../records/clock.js";
import { HOSTNAME } from "../process/host-info.js";
import { randomSpanId, randomTraceId, taskIdOf } from "../records/ids.js";
import { toJsonObject, type JsonSafeLimits } from "../records/json-safe.js";
import { Status, type JsonObject } from "../records/records.js";
import { fieldObject, generatedField, TaskBinder } from "./task-binding.js";
import { settleTaskResult } from "./run-task-body.js";
import { keepIdentity, splitArgs, type TaskOptions } from "./flowcept-task.js";
import { taskParentContext, taskScope } from "../context/current-scope.js";
import { type WorkflowScope } from "../context/workflow-scope.js";
import { activeSink, type RecordSink } from "../pipeline/record-sink.js";
import { errorMessage } from "../util/error-message.js";
import { taskRecord } from "../records/task-record.js";
import type { AnyFunction } from "../util/any-function.js";


/** Where a lightweight record belongs: ids read from the active context at call time. */
interface CallSite {
  scope: WorkflowScope | undefined;
  traceId: string;
  parentTaskId: string | undefined;
}

/** Call sites repeat (the same parent for a whole loop): the last one is reused while its context is active. */
let lastContext: Context | undefined;
let lastSite: CallSite | undefined;

function callSite(): CallSite {
  const parent = taskParentContext();
  if (parent === lastContext && lastSite !== undefined) return lastSite;
  const scope = taskScope(parent);
  const ps = trace.getSpan(parent)?.spanContext();
  let site: CallSite;
  if (ps === undefined) site = { scope, traceId: scope?.traceId ?? randomTraceId(), parentTaskId: undefined };
  else {
    const isRoot = scope !== undefined && ps.spanId === scope.rootSpanId;
    site = { scope, traceId: ps.traceId, parentTaskId: isRoot ? undefined : taskIdOf(ps.traceId, ps.spanId) };
  }
  lastContext = parent;
  lastSite = site;
  return site;
}

/**
 * Wraps a function as a task recorded at much lower cost than
 * {@link flowceptTask} (Flowcept's `@lightweight_flowcept_task`): the same
 * record fields, but no span per call — records go straight to the
 * provenance exporters, and the trace path gets one span per activity and
 * flush window with the number of calls it stands for. No telemetry.
 */
export function lightweightFlowceptTask<F extends AnyFunction>(fn: F): F;
export function lightweightFlowceptTask<F extends AnyFunction>(options: TaskOptions, fn: F): F;
export function lightweightFlowceptTask<F extends AnyFunction>(a: TaskOptions | F, b?: F): F {
  const [opts, fn] = splitArgs(a, b);
  if (typeof fn !== "function") throw new TypeError("lightweightFlowceptTask: expected a function to wrap");
  const activityId = opts.activityId ?? (fn.name || "anonymous");
  const binder = new TaskBinder(fn, opts);
  const tags = opts.tags === undefined ? undefined : typeof opts.tags === "string" ? [opts.tags] : [...opts.tags].map(String);
  let custom: JsonObject | undefined;
  let customFor: JsonSafeLimits | undefined;
  let batch: BatchEntry | undefined;

  function emit(sink: RecordSink, site: CallSite, limits: JsonSafeLimits, used: JsonObject, started: number, result: unknown, err: unknown, failed: boolean): void {
    try {
      const ended = nowSeconds();
      const generated = failed ? undefined : generatedField(binder, result, limits);
      if (opts.customMetadata !== undefined && customFor !== limits) {
        custom = toJsonObject(opts.customMetadata, limits);
        customFor = limits;
      }
      sink.emit(
        taskRecord({
          task_id: taskIdOf(site.traceId, randomSpanId()),
          workflow_id: opts.workflowId || site.scope?.workflowId,
          campaign_id: opts.campaignId || site.scope?.campaignId,
          activity_id: activityId,
          used,
          generated,
          started_at: started,
          ended_at: ended,
          status: failed ? Status.ERROR : Status.FINISHED,
          stderr: failed ? errorMessage(err) : undefined,
          parent_task_id: site.parentTaskId,
          subtype: opts.subtype,
          tags,
          custom_metadata: custom,
          hostname: HOSTNAME,
          agent_id: opts.agentId,
        }),
      );
      if (batch === undefined || batch.flushed || batch.scope !== site.scope) batch = batchEntry(site.scope, activityId, started);
      batch.count++;
      if (failed) batch.errors++;
      batch.last = ended;
    } catch (e) {
      diag.error(`flowcept: lightweight task ${activityId} not recorded: ${errorMessage(e)}`);
    }
  }

  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const cfg = captureConfig();
    if (!cfg.enabled) return fn.apply(this, args);
    const site = callSite();
    const sink = activeSink();
    if (sink === undefined) return fn.apply(this, args);
    let used: JsonObject;
    try {
      used = fieldObject(binder.used(args), cfg.limits, binder.ownsOutput);
    } catch (err) {
      used = { error: `arguments not recorded: ${errorMessage(err)}` };
    }
    const started = nowSeconds();
    let result: unknown;
    try {
      // Reflect.apply keeps the arguments off the stack (no spread of `args`).
      result = Reflect.apply(fn, this, args);
    } catch (err) {
      emit(sink, site, cfg.limits, used, started, undefined, err, true);
      throw err;
    }
    // A plain value is recorded at once; promises and thenables are observed as runTaskBody does.
    if ((typeof result !== "object" || result === null) && typeof result !== "function") {
      emit(sink, site, cfg.limits, used, started, result, undefined, false);
      return result;
    }
    return settleTaskResult(
      result,
      (value) => emit(sink, site, cfg.limits, used, started, value, undefined, false),
      (err) => emit(sink, site, cfg.limits, used, started, undefined, err, true),
      opts,
    );
  };
  return keepIdentity(wrapper, fn);
}
