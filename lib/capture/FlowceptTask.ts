import { diag, SpanStatusCode, type Attributes } from "@opentelemetry/api";
import type { CaptureSpan } from "./CaptureSpan.js";
import { ATTR } from "../records/attributes.js";
import { captureConfig } from "./capture-config.js";
import { nowSeconds } from "../records/clock.js";
import { staticTaskAttributes } from "./flowcept-task.js";
import { toJsonObject, toJsonSafe } from "../records/json-safe.js";
import { Status, type JsonObject, type StatusValue } from "../records/records.js";
import { setGenerated, startTaskSpan } from "./task-span.js";
import { taskTelemetry, telemetrySnapshotJson, type TaskTelemetry } from "./task-telemetry.js";
import { errorMessage } from "../util/error-message.js";
import { taskIdOf } from "../records/ids.js";

/** Fields of a custom task (Flowcept's `FlowceptTask` arguments, in camelCase). */
export interface FlowceptTaskOptions {
  /** Default: the id of the task's span (`<trace id>-<span id>`). */
  taskId?: string | undefined;
  workflowId?: string | undefined;
  campaignId?: string | undefined;
  activityId?: string | undefined;
  agentId?: string | undefined;
  sourceAgentId?: string | undefined;
  /** Default: the task running in the current context, if any. */
  parentTaskId?: string | undefined;
  used?: Record<string, unknown> | undefined;
  data?: unknown | undefined;
  subtype?: string | undefined;
  hostname?: string | undefined;
  tags?: string | readonly string[] | undefined;
  adapterId?: string | undefined;
  customMetadata?: Record<string, unknown> | undefined;
  /** Float seconds since the epoch. Default: now. */
  startedAt?: number | undefined;
  captureTelemetry?: boolean | undefined;
  // End-like fields: giving any of them ends the task at construction.
  generated?: Record<string, unknown> | undefined;
  endedAt?: number | undefined;
  stdout?: string | Record<string, unknown> | undefined;
  stderr?: string | Record<string, unknown> | undefined;
  status?: StatusValue | undefined;
}

/** Fields given when a custom task ends. */
export interface FlowceptTaskEnd {
  generated?: Record<string, unknown> | undefined;
  /** Float seconds since the epoch. Default: now. */
  endedAt?: number | undefined;
  stdout?: string | Record<string, unknown> | undefined;
  /** Giving `stderr` makes the status ERROR unless `status` says otherwise. */
  stderr?: string | Record<string, unknown> | undefined;
  status?: StatusValue | undefined;
  data?: unknown | undefined;
  customMetadata?: Record<string, unknown> | undefined;
}

function textOrJson(v: string | Record<string, unknown>): string {
  return typeof v === "string" ? v : JSON.stringify(toJsonObject(v, captureConfig().limits));
}

/**
 * A task built by hand (Flowcept's `FlowceptTask`): for work that is not one
 * function call. `end()` finalises it (end time, status, outputs, telemetry)
 * and publishes it; `send()` publishes an un-ended task as is (FINISHED with
 * `ended_at = started_at`); `using t = new FlowceptTask(...)` ends it at the
 * end of the block if it was not ended. A task is published exactly once.
 */
export class FlowceptTask implements Disposable {
  private span: CaptureSpan | undefined;
  private readonly telemetry: TaskTelemetry;
  private readonly startedAt: number;
  private readonly ids: { taskId?: string; workflowId?: string; campaignId?: string; agentId?: string };
  /** Converted when given: later mutation of the caller's object changes nothing. */
  private customMetadata: JsonObject | undefined;

  constructor(opts: FlowceptTaskOptions = {}) {
    const cfg = captureConfig();
    this.telemetry = taskTelemetry(opts.captureTelemetry, cfg.telemetry);
    this.startedAt = opts.startedAt ?? nowSeconds();
    this.customMetadata = opts.customMetadata === undefined ? undefined : toJsonObject(opts.customMetadata, cfg.limits);
    this.ids = { taskId: opts.taskId, agentId: opts.agentId };
    if (!cfg.enabled) return;
    try {
      const attrs: Attributes = staticTaskAttributes(opts, cfg.limits);
      if (opts.used !== undefined) attrs[ATTR.USED] = JSON.stringify(toJsonObject(opts.used, cfg.limits));
      if (opts.taskId !== undefined) attrs[ATTR.TASK_ID] = opts.taskId;
      if (opts.parentTaskId !== undefined) attrs[ATTR.PARENT_TASK_ID] = opts.parentTaskId;
      if (opts.hostname !== undefined) attrs[ATTR.HOSTNAME] = opts.hostname;
      if (opts.data !== undefined) attrs[ATTR.DATA] = JSON.stringify(toJsonSafe(opts.data, cfg.limits));
      if (opts.startedAt !== undefined) attrs[ATTR.STARTED_AT] = opts.startedAt;
      const started = startTaskSpan(opts.activityId ?? "custom_task", attrs, this.telemetry, opts.workflowId, opts.campaignId, opts.startedAt === undefined ? undefined : opts.startedAt * 1000);
      this.span = started.span;
      this.ids.workflowId = attrs[ATTR.WORKFLOW_ID] as string | undefined;
      this.ids.campaignId = attrs[ATTR.CAMPAIGN_ID] as string | undefined;
      if (this.ids.taskId === undefined) {
        const sc = this.span.spanContext();
        this.ids.taskId = taskIdOf(sc.traceId, sc.spanId);
      }
    } catch (err) {
      diag.error(`flowcept: custom task ${opts.activityId ?? ""} not captured: ${errorMessage(err)}`);
      this.span = undefined;
      return;
    }
    if (opts.generated !== undefined || opts.endedAt !== undefined || opts.stdout !== undefined || opts.stderr !== undefined || opts.status !== undefined) {
      this.end({ generated: opts.generated, endedAt: opts.endedAt, stdout: opts.stdout, stderr: opts.stderr, status: opts.status });
    }
  }

  /** This task's id. */
  get taskId(): string | undefined {
    return this.ids.taskId;
  }

  /** The workflow this task belongs to. */
  get workflowId(): string | undefined {
    return this.ids.workflowId;
  }

  /** The campaign this task belongs to. */
  get campaignId(): string | undefined {
    return this.ids.campaignId;
  }

  /** The agent that ran this task, when given. */
  get agentId(): string | undefined {
    return this.ids.agentId;
  }

  /** Whether the task was already published (by `end`, `send` or dispose). */
  get ended(): boolean {
    return this.span === undefined;
  }

  /**
   * Finalises and publishes the task. Status: `status` if given, else ERROR
   * when `stderr` is given, else FINISHED. A second call does nothing.
   */
  end(fields: FlowceptTaskEnd = {}): void {
    const span = this.span;
    if (span === undefined) return;
    this.span = undefined;
    try {
      const limits = captureConfig().limits;
      const status = fields.status ?? (fields.stderr !== undefined ? Status.ERROR : Status.FINISHED);
      if (fields.generated !== undefined) setGenerated(span, JSON.stringify(toJsonObject(fields.generated, limits)));
      if (fields.stdout !== undefined) span.setAttribute(ATTR.STDOUT, textOrJson(fields.stdout));
      if (fields.stderr !== undefined) span.setAttribute(ATTR.STDERR, textOrJson(fields.stderr));
      if (fields.data !== undefined) span.setAttribute(ATTR.DATA, JSON.stringify(toJsonSafe(fields.data, limits)));
      if (fields.customMetadata !== undefined) {
        this.customMetadata = { ...this.customMetadata, ...toJsonObject(fields.customMetadata, limits) };
        span.setAttribute(ATTR.CUSTOM_METADATA, JSON.stringify(this.customMetadata));
      }
      if (this.telemetry) {
        const t = telemetrySnapshotJson(this.telemetry);
        if (t !== undefined) span.setAttribute(ATTR.TELEMETRY_AT_END, t);
      }
      span.setAttribute(ATTR.STATUS, status);
      if (status === Status.ERROR) span.setStatus({ code: SpanStatusCode.ERROR, message: typeof fields.stderr === "string" ? fields.stderr : "task ended with an error" });
      else if (status === Status.FINISHED) span.setStatus({ code: SpanStatusCode.OK });
      if (fields.endedAt !== undefined) span.setAttribute(ATTR.ENDED_AT, fields.endedAt);
      span.end(fields.endedAt === undefined ? undefined : fields.endedAt * 1000);
    } catch (err) {
      diag.error(`flowcept: custom task not ended cleanly: ${errorMessage(err)}`);
      try {
        span.end();
      } catch {
        // already ended
      }
    }
  }

  /**
   * Publishes the task as it is, when not already ended: FINISHED, with
   * `ended_at = started_at` (no end telemetry, status or outputs captured).
   */
  send(): void {
    const span = this.span;
    if (span === undefined) return;
    this.span = undefined;
    try {
      span.setAttribute(ATTR.STATUS, Status.FINISHED);
      span.setAttribute(ATTR.STARTED_AT, this.startedAt);
      span.setAttribute(ATTR.ENDED_AT, this.startedAt);
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    } catch (err) {
      diag.error(`flowcept: custom task not sent: ${errorMessage(err)}`);
    }
  }

  /** `using t = new FlowceptTask(...)`: ends the task if it was not ended. */
  [Symbol.dispose](): void {
    this.end();
  }
}
