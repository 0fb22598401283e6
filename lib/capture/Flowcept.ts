import { context, diag, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Attributes, type Link, type Span } from "@opentelemetry/api";
import { basename } from "node:path";
import { isMainThread } from "node:worker_threads";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { readBufferFile, type ReadBufferOptions } from "../../exporters/jsonl/buffer-file.js";
import { onProcessEnd, pendingSignal, type ExitReason } from "../process/exit-hooks.js";
import { HOSTNAME } from "../process/host-info.js";
import { newUuid, workflowRootSpanId, workflowTraceId } from "../records/ids.js";
import { toJsonObject } from "../records/json-safe.js";
import type { FlowceptRecord } from "../records/records.js";
import { ensureFlowceptPipeline } from "../pipeline/register-flowcept.js";
import { redactArgv } from "../records/redact.js";
import { CaptureSpan } from "./CaptureSpan.js";
import { getSettings, getSettingsSafe, settingsGeneration } from "../settings/settings-loader.js";
import type { FlowceptDb } from "../query/FlowceptDb.js";
import { lazyModule } from "../util/lazy-module.js";
import type { GenerateReportOptions, ReportResult } from "../report/generate-report.js";
import { spanToRecord } from "../pipeline/span-to-record.js";
import { nowSeconds } from "../records/clock.js";
import { errorMessage } from "../util/error-message.js";
import { acquireTelemetry, releaseTelemetry } from "./task-telemetry.js";
import { captureConfig } from "./capture-config.js";
import type { TelemetrySampler } from "../telemetry/TelemetrySampler.js";
import { collectMachineInfo } from "../telemetry/machine-info.js";
import { contextWithScope, currentScope, pushAmbientScope, removeAmbientScope, scopeInContext, setImplicitWorkflowFactory, setRunning, startedImplicitScope } from "../context/current-scope.js";
import { type WorkflowScope } from "../context/workflow-scope.js";
import { bufferFilePath } from "../settings/buffer-path.js";
import { flushBatchSpans } from "./batch-spans.js";
import { activeSink, emitRecords, flushAllSinks, setLocalOnly } from "../pipeline/record-sink.js";
import { subscribeRecords, type RecordSubscription, type SubscribeOptions } from "../pipeline/record-subscribers.js";
import type { QueryFilter } from "../query/query-types.js";
import { prepareInterceptors, stopInterceptors, type RunningInterceptor } from "./interceptors.js";
import { workflowMetadata, workflowMetadataJson } from "./workflow-metadata.js";

/** Options of a {@link Flowcept} controller (Flowcept's constructor arguments, in camelCase). */
export interface FlowceptOptions {
  /** Interceptors to start. Default `["instrumentation"]`. */
  interceptors?: string[] | undefined;
  /** Groups the interceptors of this controller. Default: a new id. */
  bundleExecId?: string | undefined;
  /** Default: a new UUID. */
  campaignId?: string | undefined;
  /** Default: a new UUID. Give the same id in several processes to add their tasks to one workflow. */
  workflowId?: string | undefined;
  workflowName?: string | undefined;
  workflowSubtype?: string | undefined;
  /** Workflow-level arguments, recorded as the workflow's `used`. */
  workflowArgs?: Record<string, unknown> | undefined;
  /** Default true. False turns off database persistence only; the local buffer file is still written. */
  startPersistence?: boolean | undefined;
  /** Default true. `stop()` waits (bounded) until every record is durable. */
  checkSafeStops?: boolean | undefined;
  /** Default true. Records the workflow (its start and end messages). */
  saveWorkflow?: boolean | undefined;
  /** Default: the workflow this one is started inside, if any. */
  parentWorkflowId?: string | undefined;
  /** Agent id for the agent tools run under this workflow. */
  agentId?: string | undefined;
  customMetadata?: Record<string, unknown> | undefined;
}

/** Options of {@link Flowcept.stop}. */
export interface StopOptions {
  /** Recorded as the workflow's `generated`. */
  generated?: Record<string, unknown> | undefined;
  /** The error the workflow body failed with: the workflow ends in `ERROR`. */
  error?: unknown | undefined;
}

const DEFAULT_INTERCEPTORS = ["instrumentation"];
const queryApi = lazyModule<typeof import("../query/FlowceptDb.js")>("../query/FlowceptDb.js", import.meta.url);
const recordFilter = lazyModule<typeof import("../query/record-filter.js")>("../query/record-filter.js", import.meta.url);
let sharedDb: FlowceptDb | undefined;
let sharedDbGeneration = -1;

/**
 * The runtime controller: a workflow. `start()` opens it (a root span whose
 * trace id is the workflow id, and a workflow record), tasks run under it,
 * `stop()` closes it and waits until its records are durable.
 *
 * Several controllers may run at once in one process: each `Flowcept.run`
 * callback is its own scope through the async context; `start()` without a
 * callback makes the workflow the ambient one for code outside any scope.
 */
export class Flowcept {
  /** This workflow's id. */
  readonly workflowId: string;
  /** This workflow's campaign id. */
  readonly campaignId: string;
  private readonly opts: FlowceptOptions;
  private scope: WorkflowScope | undefined;
  private unregisterExit: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private telemetry: TelemetrySampler | undefined;
  private machineInfo: Promise<void> | undefined;
  private meta: Record<string, unknown> | undefined;
  private interceptors: RunningInterceptor[] = [];

  constructor(options: FlowceptOptions = {}) {
    this.opts = { ...options };
    // "" (an unset environment variable passed on) is no id, as in the baggage.
    this.workflowId = options.workflowId || newUuid();
    this.campaignId = options.campaignId || newUuid();
  }

  /** The workflow id of the active scope (or of the ambient workflow), if any. */
  static get currentWorkflowId(): string | undefined {
    return currentScope()?.workflowId;
  }

  /** The campaign id of the active scope (or of the ambient workflow), if any. */
  static get currentCampaignId(): string | undefined {
    return currentScope()?.campaignId;
  }

  /**
   * The query API (MongoDB query language) over MongoDB when it is enabled,
   * else over the local store. `Flowcept.db.getTasksFromCurrentWorkflow()`
   * uses the active workflow.
   */
  static get db(): FlowceptDb {
    const gen = settingsGeneration();
    if (!sharedDb || sharedDbGeneration !== gen) {
      void sharedDb?.close();
      sharedDb = queryApi().FlowceptDb.fromSettings(getSettingsSafe(), { currentWorkflowId: () => Flowcept.currentWorkflowId });
      sharedDbGeneration = gen;
    }
    return sharedDb;
  }

  /**
   * Calls `onRecord` with every record this process's pipelines produce
   * from now on that matches `filter` (MongoDB query language on the record
   * as stored, `type` included: `{ type: "task", workflow_id: id }`,
   * `{ "generated.loss": { $lt: 0.1 } }`), after the mask, as the stores get
   * it. Records are delivered in order, on later turns of the event loop,
   * one at a time (a returned promise is awaited before the next). Capture
   * never waits for a subscriber: one that falls behind has at most
   * `maxQueue` records waiting (default 10 000), further records are dropped
   * for it and counted in `dropped` — the stores still get every record.
   * Returns the function that unsubscribes, with the counters on it. Throws
   * `FlowceptQueryError` for a filter that is not valid.
   *
   * @example
   * const stop = Flowcept.subscribe({ type: "task", status: "ERROR" }, (t) => console.log(t.task_id, t.stderr));
   * // … later
   * stop(); console.log(stop.delivered, stop.dropped);
   */
  static subscribe(filter: QueryFilter | undefined, onRecord: (record: FlowceptRecord) => unknown, options: SubscribeOptions = {}): RecordSubscription {
    if (typeof onRecord !== "function") throw new TypeError("Flowcept.subscribe needs a function to call with each record");
    const compiled = recordFilter().compileRecordFilter(filter);
    return subscribeRecords({ early: compiled.early, late: compiled.late }, onRecord, options);
  }

  /** Whether `start()` ran and `stop()` did not. */
  get isRunning(): boolean {
    return this.scope !== undefined;
  }

  /**
   * Opens the workflow and makes it the ambient one. Rejects with a clear
   * error when the settings file is invalid.
   */
  async start(): Promise<this> {
    this.startSync(true);
    // The first tasks get full telemetry blocks, not only the per-call counters.
    await this.telemetry?.whenReady(1000);
    return this;
  }

  /**
   * @internal Synchronous start, used by `run` (not ambient) and the workflow
   * wrappers; `implicit` makes the process's implicit workflow (started at
   * the process's start, ended at its end with its exit status).
   */
  startSync(ambient: boolean, implicit = false): WorkflowScope {
    if (this.scope) {
      diag.warn(`flowcept: workflow ${this.workflowId} is already started`);
      return this.scope;
    }
    const settings = getSettings();
    const interceptors = this.opts.interceptors ?? DEFAULT_INTERCEPTORS;
    const startInterceptors = prepareInterceptors(interceptors, settings);
    ensureFlowceptPipeline();
    const o = this.opts;
    const traceId = workflowTraceId(this.workflowId);
    const rootSpanId = workflowRootSpanId(traceId);
    const active = implicit ? ROOT_CONTEXT : context.active();
    const enclosing = implicit ? undefined : (scopeInContext(active) ?? currentScope(active) ?? startedImplicitScope());
    const persist = o.startPersistence !== false;
    if (!persist) setLocalOnly(this.workflowId, true);

    let span: CaptureSpan | undefined;
    let root: Span;
    if (o.saveWorkflow !== false) {
      span = this.startWorkflowSpan(traceId, rootSpanId, active, enclosing?.workflowId, settings, implicit ? performance.timeOrigin / 1000 : undefined);
      root = span.otel;
    } else {
      root = trace.wrapSpanContext({ traceId, spanId: rootSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    }
    const scope: WorkflowScope = {
      workflowId: this.workflowId,
      campaignId: this.campaignId,
      traceId,
      rootSpanId: span ? span.spanContext().spanId : rootSpanId,
      workflowName: o.workflowName,
      persist,
      agentId: o.agentId,
      context: ROOT_CONTEXT,
      span,
    };
    scope.context = contextWithScope(active, scope, root);
    this.scope = scope;
    setRunning(scope, true);
    if (ambient) pushAmbientScope(scope);
    this.unregisterExit = onProcessEnd(
      {
        beforeExit: () => this.stop(implicit ? processStatus({ kind: "exit", detail: Number(process.exitCode ?? 0) }) : interruptedStatus()),
        exitSync: (reason) => this.endSync(implicit ? processStatus(reason) : exitStatus(reason)),
      },
      true,
    );
    if (span) this.emitStartRecord(span);
    this.telemetry = acquireTelemetry(settings);
    if (startInterceptors) this.interceptors = startInterceptors(this.workflowId, this.campaignId);
    if (span && settings.telemetry_capture.machine_info) this.machineInfo = this.recordMachineInfo(span, settings);
    return scope;
  }

  /** Probes the machine in the background; the result merges into the workflow record by id. */
  private async recordMachineInfo(span: CaptureSpan, settings: ReturnType<typeof getSettings>): Promise<void> {
    try {
      const info = await collectMachineInfo(settings);
      if (this.meta && !span.ended) {
        this.meta.machine_info = info;
        span.setAttribute(ATTR.WORKFLOW, workflowMetadataJson(this.meta));
      }
      emitRecords({ type: "workflow", workflow_id: this.workflowId, machine_info: info });
    } catch (err) {
      diag.warn(`flowcept: machine_info not recorded for workflow ${this.workflowId}: ${errorMessage(err)}`);
    }
  }

  private startWorkflowSpan(traceId: string, rootSpanId: string, active: ReturnType<typeof context.active>, enclosingWorkflowId: string | undefined, settings: ReturnType<typeof getSettings>, startTime?: number): CaptureSpan {
    const o = this.opts;
    const meta = workflowMetadata({ ...o, interceptors: o.interceptors ?? DEFAULT_INTERCEPTORS }, settings, enclosingWorkflowId);
    const attributes: Attributes = {
      [ATTR.TYPE]: SPAN_TYPE.WORKFLOW,
      [ATTR.WORKFLOW_ID]: this.workflowId,
      [ATTR.CAMPAIGN_ID]: this.campaignId,
      [ATTR.WORKFLOW]: workflowMetadataJson(meta),
    };
    this.meta = meta;
    if (o.workflowArgs !== undefined) attributes[ATTR.USED] = JSON.stringify(toJsonObject(o.workflowArgs));
    // A workflow is always the root of its own trace (its id is the workflow's); the span it was started under is a link.
    const links: Link[] = [];
    const activeSpan = trace.getSpan(active);
    if (activeSpan && activeSpan.spanContext().traceId !== traceId) links.push({ context: activeSpan.spanContext() });
    return new CaptureSpan(o.workflowName ?? "workflow", attributes, ROOT_CONTEXT, activeSink(), startTime, { traceId, spanId: rootSpanId }, links);
  }

  private emitStartRecord(span: CaptureSpan): void {
    try {
      const rec = spanToRecord(span, { hostname: HOSTNAME });
      if (rec) emitRecords(rec);
    } catch (err) {
      diag.error(`flowcept: could not record the start of workflow ${this.workflowId}: ${errorMessage(err)}`);
    }
  }

  /** @internal Ends the workflow span synchronously (no waiting for exporters). */
  endSync(opts: StopOptions = {}, endTimeMs?: number): void {
    const scope = this.scope;
    if (!scope) return;
    this.scope = undefined;
    removeAmbientScope(scope);
    setRunning(scope, false);
    this.unregisterExit?.();
    this.unregisterExit = undefined;
    flushBatchSpans(this.workflowId);
    if (this.interceptors.length) void stopInterceptors(this.interceptors.splice(0));
    releaseTelemetry(this.telemetry);
    this.telemetry = undefined;
    const span = scope.span;
    if (!span) return;
    try {
      if (opts.generated !== undefined) span.setAttribute(ATTR.GENERATED, JSON.stringify(toJsonObject(opts.generated)));
      if (opts.error !== undefined) {
        const msg = errorMessage(opts.error);
        if (opts.error instanceof Error) span.recordException(opts.error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: msg });
        span.setAttribute(ATTR.STDERR, msg);
      } else {
        span.setStatus({ code: SpanStatusCode.OK });
      }
      span.end(endTimeMs);
    } catch (err) {
      diag.error(`flowcept: could not end workflow ${this.workflowId}: ${errorMessage(err)}`);
    }
  }

  /**
   * Closes the workflow (status FINISHED, or ERROR with `error`) and, with
   * `checkSafeStops` (the default), waits until its records are durable
   * (bounded by `db_buffer.stop_max_trials × stop_trials_sleep`).
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    if (!this.scope) return;
    const workflowId = this.workflowId;
    const persistOff = !this.scope.persist;
    const machineInfo = this.machineInfo;
    this.machineInfo = undefined;
    const endedAt = nowSeconds() * 1000;
    this.stopping = (async () => {
      // Adapters make a last scan and a machine probe still running ends before the workflow span does
      // (both bounded); the end time stays the time stop() was called.
      if (this.interceptors.length) await stopInterceptors(this.interceptors.splice(0));
      if (machineInfo) await machineInfo;
      this.endSync(opts, endedAt);
      const s = getSettingsSafe().db_buffer;
      const timeout = Math.max(1000, s.stop_max_trials * s.stop_trials_sleep * 1000);
      const flushed = flushAllSinks(timeout);
      if (this.opts.checkSafeStops !== false) await flushed;
      else void flushed;
      if (persistOff) setLocalOnly(workflowId, false);
    })().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** `await using fc = await new Flowcept(opts).start()` stops the workflow at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Runs `fn` as a workflow: starts it, runs `fn` inside its scope (isolated
   * from other workflows running at the same time), and stops it — with
   * status ERROR when `fn` throws or rejects (the error is rethrown).
   */
  static async run<T>(options: FlowceptOptions, fn: (fc: Flowcept) => T | Promise<T>): Promise<T> {
    const fc = new Flowcept(options);
    const scope = fc.startSync(false);
    await fc.telemetry?.whenReady(1000);
    let result: T;
    try {
      result = await context.with(scope.context, () => fn(fc));
    } catch (err) {
      await fc.stop({ error: err });
      throw err;
    }
    await fc.stop();
    return result;
  }

  /**
   * Reads a buffer file (default: the local store of the current settings).
   * Messages for one id are merged unless `{ merge: false }`.
   */
  static readBufferFile(path?: string, options?: ReadBufferOptions): FlowceptRecord[] {
    return readBufferFile(path ?? bufferFilePath(getSettingsSafe()), options);
  }

  /** The seed's name for {@link Flowcept.readBufferFile}. */
  static readMessagesFile(path?: string, options?: ReadBufferOptions): FlowceptRecord[] {
    return Flowcept.readBufferFile(path, options);
  }

  /**
   * A workflow's report, as Flowcept's `generate_report` makes it: the
   * Markdown workflow card (`format: "md"`, Flowcept's `"markdown"`) or a
   * self-contained HTML page with charts (`"html"`, which needs the optional
   * packages `vega`, `vega-lite` and `@dagrejs/dagre`). Input: the configured
   * store (default), `inputJsonlPath`, or `records`; `workflowId` picks the
   * workflow (default the latest). Flowcept's argument names (`workflow_id`,
   * `output_path`, `input_jsonl_path`, `report_type`, `print_markdown`) work
   * too. Resolves to the report and where it was written.
   */
  static async generateReport(options: GenerateReportOptions = {}): Promise<ReportResult> {
    const { generateReport } = await import("../report/generate-report.js");
    return generateReport({ db: options.inputJsonlPath ?? options.input_jsonl_path ?? options.records ? undefined : Flowcept.db, ...options });
  }
}

function exitStatus(reason: ExitReason): StopOptions {
  if (reason.kind === "signal") return { error: `workflow interrupted by ${reason.detail}` };
  return reason.detail === 0 ? {} : { error: `process exited with code ${reason.detail}` };
}

/** How a workflow left open ends when the event loop drains: interrupted when a signal came (and the application handled it). */
function interruptedStatus(): StopOptions {
  const signal = pendingSignal();
  return signal === undefined ? {} : exitStatus({ kind: "signal", detail: signal });
}

/** The end of the process's implicit workflow: its exit status as `generated`, ERROR unless it exited with 0. */
function processStatus(reason: ExitReason): StopOptions {
  const signal = reason.kind === "signal" ? reason.detail : pendingSignal();
  if (signal !== undefined) return { error: `process interrupted by ${signal}`, generated: { signal } };
  const code = reason.detail as number;
  return code === 0 ? { generated: { exit_code: 0 } } : { error: `process exited with code ${code}`, generated: { exit_code: code } };
}

/** The script this process runs (`node app.js` → `app.js`), or the runtime when there is none. */
function scriptName(): string {
  const script = process.argv[1];
  return script ? basename(script) : basename(process.execPath);
}

/**
 * The process's implicit workflow: tasks and spans recorded outside any
 * other workflow belong to it (one workflow record per process, named
 * after the script, with its redacted arguments as `used` and its exit
 * status at the end); workflows started while it runs are its children.
 */
setImplicitWorkflowFactory(() => {
  // One per process: worker threads record into the workflows their tasks are submitted from.
  if (!captureConfig().enabled || !isMainThread) return undefined;
  try {
    const fc = new Flowcept({
      workflowName: scriptName(),
      workflowSubtype: "process",
      workflowArgs: { script: process.argv[1] ?? null, args: redactArgv(process.argv.slice(2)), pid: process.pid },
    });
    return fc.startSync(false, true);
  } catch (err) {
    diag.error(`flowcept: the process's implicit workflow could not start: ${errorMessage(err)}`);
    return undefined;
  }
});
