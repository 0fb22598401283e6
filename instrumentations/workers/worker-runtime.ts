/**
 * The worker-thread side of worker tasks: Flowcept is registered in the
 * worker (each worker thread has its own module instances) with a
 * {@link RelayRecordExporter}, the submitting thread's workflow context is
 * restored around the task, and the records the task made ride back with
 * its reply.
 */
import { diag, ROOT_CONTEXT, trace, TraceFlags, type Context } from "@opentelemetry/api";
import { BroadcastChannel, threadId } from "node:worker_threads";
import { nowSeconds } from "../../lib/records/clock.js";
import { registerFlowcept } from "../../lib/pipeline/register-flowcept.js";
import { configure } from "../../lib/settings/settings-loader.js";
import { contextWithScope } from "../../lib/context/current-scope.js";
import { type WorkflowScope } from "../../lib/context/workflow-scope.js";
import { RelayRecordExporter } from "./RelayRecordExporter.js";
import { REPLY_KEY, RUNNING_CHANNEL, type RunningNotice, type TaskEnvelope, type TaskReply, type WorkerCaptureSettings } from "./task-envelope.js";
import { activeSink, type RecordSink } from "../../lib/pipeline/record-sink.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { runTaskBody } from "../../lib/capture/run-task-body.js";

const AWAIT_THENABLES = { awaitThenables: true };
const noop = (): void => {};

let relay: RelayRecordExporter | undefined;
let sink: RecordSink | undefined;
let appliedSettings = "";
let running: BroadcastChannel | undefined;

/** Registers Flowcept in this worker once, with the relay exporter (unless the worker registered its own). */
function ensurePipeline(settings: WorkerCaptureSettings): void {
  const key = `${settings.enabled}|${settings.maxBytes}|${settings.maxStringLength}|${settings.maxDepth}`;
  if (key !== appliedSettings) {
    appliedSettings = key;
    configure({ instrumentation: { enabled: settings.enabled }, project: { max_value_bytes: settings.maxBytes, max_string_length: settings.maxStringLength, max_depth: settings.maxDepth } });
  }
  if (relay !== undefined) return;
  relay = new RelayRecordExporter();
  // A worker started with `--import flowcept-otel/register` already has a pipeline: its exporters write directly.
  sink = activeSink() ?? registerFlowcept({ processor: { exporters: [relay] } }).processor.pipeline;
}

function announce(notice: RunningNotice): void {
  try {
    if (running === undefined) {
      running = new BroadcastChannel(RUNNING_CHANNEL);
      running.unref();
    }
    running.postMessage(notice);
  } catch (err) {
    diag.debug(`flowcept: task start not announced: ${errorMessage(err)}`);
  }
}

/** The context a worker task runs in: the submitting thread's workflow scope, with the pool task as the active span. */
function taskContext(env: TaskEnvelope): Context {
  const flags = TraceFlags.SAMPLED;
  let ctx = ROOT_CONTEXT;
  const s = env.scope;
  if (s !== undefined) {
    const scope: WorkflowScope = { ...s, context: ROOT_CONTEXT };
    const root = trace.wrapSpanContext({ traceId: s.traceId, spanId: s.rootSpanId, traceFlags: flags, isRemote: true });
    ctx = contextWithScope(ROOT_CONTEXT, scope, root);
    scope.context = ctx;
  }
  return trace.setSpan(ctx, trace.wrapSpanContext({ traceId: env.traceId, spanId: env.spanId, traceFlags: flags, isRemote: true }));
}

/**
 * Runs `fn(env.task)` for a task envelope in this worker and returns the
 * reply: the result or the error exactly as `fn` produced them, and the
 * records made meanwhile. Never throws.
 */
export async function runTaskEnvelope(env: TaskEnvelope, fn: (task: unknown) => unknown): Promise<TaskReply> {
  const startedAt = nowSeconds();
  let ctx: Context = ROOT_CONTEXT;
  try {
    ensurePipeline(env.settings);
    if (env.announce !== false) announce({ taskId: env.taskId, threadId, startedAt });
    ctx = taskContext(env);
  } catch (err) {
    diag.error(`flowcept: worker task context not restored: ${errorMessage(err)}`);
  }
  const reply: TaskReply = { [REPLY_KEY]: 1, ok: true, threadId, startedAt, endedAt: startedAt, records: [] };
  try {
    // The result crosses the thread boundary by value: thenables are awaited.
    reply.result = await runTaskBody(ctx, fn, undefined, [env.task], noop, noop, AWAIT_THENABLES);
  } catch (err) {
    reply.ok = false;
    reply.error = err;
  }
  reply.endedAt = nowSeconds();
  try {
    if (sink !== undefined) await sink.forceFlush();
    if (relay !== undefined && relay.size > 0) reply.records = relay.drain();
  } catch (err) {
    diag.error(`flowcept: worker records not collected: ${errorMessage(err)}`);
  }
  return reply;
}
