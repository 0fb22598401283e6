/**
 * The submitting side of a worker task (a piscina task, a task posted to a
 * plain worker thread): the task is a span started at submission; the
 * worker announces its start (the RUNNING message, with the worker's
 * address) and its reply ends the span (the FINISHED or ERROR message, same
 * task id) after the worker's own records are emitted.
 */
import { diag, type Attributes } from "@opentelemetry/api";
import type { CaptureSpan } from "../../lib/capture/CaptureSpan.js";
import { BroadcastChannel } from "node:worker_threads";
import { ATTR } from "../../lib/records/attributes.js";
import { captureConfig } from "../../lib/capture/capture-config.js";
import { nowSeconds } from "../../lib/records/clock.js";
import { HOSTNAME } from "../../lib/process/host-info.js";
import { Status } from "../../lib/records/records.js";
import { spanToRecord } from "../../lib/pipeline/span-to-record.js";
import { isPlainObject } from "../../lib/util/plain-object.js";
import { fieldJson } from "../../lib/capture/task-binding.js";
import { endTaskError, endTaskOk, startTaskSpan } from "../../lib/capture/task-span.js";
import { isTaskReply, RUNNING_CHANNEL, TASK_KEY, type RunningNotice, type TaskEnvelope, type TaskReply } from "./task-envelope.js";
import { emitRecords } from "../../lib/pipeline/record-sink.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { taskIdOf } from "../../lib/records/ids.js";

/** Options of a recorded worker task. */
export interface WorkerTaskOptions {
  /** Default: the worker function's name, else the worker file's name. */
  activityId?: string | undefined;
  /** Name of the pool or worker, the first part of each task's `address`. Default `"piscina"` / `"worker"`. */
  poolName?: string | undefined;
  tags?: string | readonly string[] | undefined;
  customMetadata?: Record<string, unknown> | undefined;
  subtype?: string | undefined;
  /**
   * The worker announces each task's start as it happens, so the RUNNING
   * message is written while the task runs (default). False saves that
   * cross-thread message: the RUNNING message is then written with the result.
   */
  liveStart?: boolean | undefined;
}

/** A task being submitted. */
export interface WorkerTaskSubmission {
  activityId: string;
  poolName: string;
  options: WorkerTaskOptions;
  task: unknown;
  /** Extra fields of the envelope (e.g. the worker module to run). */
  extra?: Partial<TaskEnvelope>;
}

interface Pending {
  span: CaptureSpan;
  address: string;
  runningSent: boolean;
}

const pending = new Map<string, Pending>();
let channel: BroadcastChannel | undefined;

function listen(): void {
  if (channel !== undefined) return;
  try {
    channel = new BroadcastChannel(RUNNING_CHANNEL);
    channel.unref();
    channel.onmessage = (ev: unknown) => {
      const n = (ev as { data?: RunningNotice }).data;
      const p = typeof n?.taskId === "string" ? pending.get(n.taskId) : undefined;
      if (p !== undefined) emitRunning(p, n!.threadId, n!.startedAt);
    };
  } catch (err) {
    diag.debug(`flowcept: worker task starts not observed: ${errorMessage(err)}`);
  }
}

/** `used` / `generated` of worker data: plain objects as they are, anything else under `arg_0`. */
function valueJson(v: unknown): string {
  return fieldJson(isPlainObject(v) ? v : { arg_0: v }, captureConfig().limits);
}

/** The RUNNING message: the task as known now, started on a worker. */
function emitRunning(p: Pending, threadId: number, startedAt: number): void {
  if (p.runningSent) return;
  p.runningSent = true;
  try {
    const address = `${p.address}#${threadId}`;
    p.span.setAttribute(ATTR.ADDRESS, address);
    p.span.setAttribute(ATTR.STARTED_AT, startedAt);
    const rec = spanToRecord(p.span, { hostname: HOSTNAME });
    if (rec === undefined) return;
    rec.status = Status.RUNNING;
    rec.utc_timestamp = startedAt;
    emitRecords(rec);
  } catch (err) {
    diag.error(`flowcept: RUNNING message not recorded: ${errorMessage(err)}`);
  }
}

/**
 * Submits a task through `submit` (which posts the envelope to a worker and
 * resolves with the worker's reply) and records it. Resolves or rejects
 * exactly as the worker function did; errors of the pool itself (queue
 * full, aborted, worker crashed) pass through and are recorded as ERROR.
 */
export async function submitWorkerTask(sub: WorkerTaskSubmission, submit: (envelope: TaskEnvelope | unknown) => Promise<unknown>): Promise<unknown> {
  const cfg = captureConfig();
  if (!cfg.enabled) return submit(sub.task);
  let span: CaptureSpan;
  let envelope: TaskEnvelope;
  let p: Pending;
  try {
    const o = sub.options;
    const attrs: Attributes = { [ATTR.USED]: valueJson(sub.task), [ATTR.SUBMITTED_AT]: nowSeconds() };
    if (o.subtype !== undefined) attrs[ATTR.SUBTYPE] = o.subtype;
    if (o.tags !== undefined) attrs[ATTR.TAGS] = typeof o.tags === "string" ? [o.tags] : [...o.tags].map(String);
    if (o.customMetadata !== undefined) attrs[ATTR.CUSTOM_METADATA] = fieldJson(o.customMetadata, cfg.limits);
    const started = startTaskSpan(sub.activityId, attrs, false);
    span = started.span;
    const sc = span.spanContext();
    const s = started.scope;
    envelope = {
      [TASK_KEY]: 1,
      taskId: taskIdOf(sc.traceId, sc.spanId),
      traceId: sc.traceId,
      spanId: sc.spanId,
      settings: { enabled: cfg.enabled, maxBytes: cfg.limits.maxBytes, maxStringLength: cfg.limits.maxStringLength, maxDepth: cfg.limits.maxDepth },
      task: sub.task,
      ...sub.extra,
    };
    if (o.liveStart === false) envelope.announce = false;
    if (s !== undefined) {
      envelope.scope = { workflowId: s.workflowId, campaignId: s.campaignId, traceId: s.traceId, rootSpanId: s.rootSpanId, persist: s.persist };
      if (s.workflowName !== undefined) envelope.scope.workflowName = s.workflowName;
      if (s.agentId !== undefined) envelope.scope.agentId = s.agentId;
    }
    p = { span, address: sub.poolName, runningSent: false };
    pending.set(envelope.taskId, p);
    if (o.liveStart !== false) listen();
  } catch (err) {
    diag.error(`flowcept: worker task ${sub.activityId} not captured: ${errorMessage(err)}`);
    return submit(sub.task);
  }
  let reply: unknown;
  try {
    reply = await submit(envelope);
  } catch (err) {
    pending.delete(envelope.taskId);
    endTaskError(span, err, false);
    throw err;
  }
  pending.delete(envelope.taskId);
  if (!isTaskReply(reply)) {
    endTaskOk(span, undefined, false);
    return reply;
  }
  finish(p, reply);
  if (!reply.ok) throw reply.error;
  return reply.result;
}

function finish(p: Pending, reply: TaskReply): void {
  const span = p.span;
  try {
    emitRunning(p, reply.threadId, reply.startedAt);
    if (reply.records.length) emitRecords(reply.records);
    span.setAttribute(ATTR.ENDED_AT, reply.endedAt);
  } catch (err) {
    diag.error(`flowcept: worker records not recorded: ${errorMessage(err)}`);
  }
  if (reply.ok) {
    let generated: string | undefined;
    try {
      generated = reply.result === undefined ? undefined : valueJson(reply.result);
    } catch (err) {
      generated = JSON.stringify({ error: `result not recorded: ${errorMessage(err)}` });
    }
    endTaskOk(span, generated, false);
  } else endTaskError(span, reply.error, false);
}
