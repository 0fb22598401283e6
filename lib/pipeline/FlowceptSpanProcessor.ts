import { diag, trace, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { nowSeconds } from "../records/clock.js";
import { createDefaultExporters } from "./default-exporters.js";
import { onProcessEnd, type ExitReason } from "../process/exit-hooks.js";
import { ExporterLane } from "./ExporterLane.js";
import { HOSTNAME } from "../process/host-info.js";
import { readableSpanToData } from "./readable-span.js";
import { materializeRecord } from "../records/RawJson.js";
import type { RecordExporter } from "../records/record-exporter.js";
import { Status, type FlowceptRecord } from "../records/records.js";
import { getSettingsSafe } from "../settings/settings-loader.js";
import { compileSpanFilter, type SpanMatchOption } from "./span-match.js";
import { spanToRecord, type MappingDefaults } from "./span-to-record.js";
import { currentScope } from "../context/current-scope.js";

/** Options of {@link FlowceptSpanProcessor}. */
export interface FlowceptSpanProcessorOptions {
  /** Provenance exporters. Default: from settings (the JSONL local store, MongoDB when enabled). */
  exporters?: RecordExporter[];
  /** Records per export call. Default 2048. */
  maxBatchSize?: number;
  /** Longest time a record waits before export. Default 200 ms. */
  scheduledDelayMillis?: number;
  /**
   * Records kept in memory before a synchronous burst (one that never
   * yields to the event loop) is mapped and written to local exporters right
   * away. Small, so that records die young (cheap garbage collection) and
   * memory stays bounded. Nothing is ever dropped. Default 512.
   */
  maxQueueSize?: number;
  /**
   * Records a database exporter may hold in memory before they are moved
   * out synchronously (its spill file). Default 65536.
   */
  maxDatabaseQueueSize?: number;
  /**
   * Spans of other instrumentations to record, by instrumentation scope and
   * span name, e.g. `{ scopes: ["@opentelemetry/instrumentation-http"] }`
   * or `[{ scopes: [/pg$/] }, { names: [/^GET /] }]` (any of several).
   * Flowcept's own spans are always recorded. Default: all spans.
   */
  include?: SpanMatchOption;
  /** Spans of other instrumentations not to record, e.g. `{ names: ["dns.lookup", /^fs /] }`. */
  exclude?: SpanMatchOption;
  /**
   * Which spans of other instrumentations become task records, as a
   * predicate (applied after `include` and `exclude`). Flowcept's own spans
   * are always recorded. Default: all spans.
   */
  spanFilter?: (span: ReadableSpan) => boolean;
  /**
   * Runs on every record before it leaves the process: redaction, masking,
   * dropping. Receives a plain JSON record (`used`, `generated`… are
   * objects) and returns the record to keep (changed or not), or undefined to
   * drop it. A mask that throws is logged and the record kept as it was.
   * Example: `mask: (r) => (r.used?.password ? { ...r, used: { ...r.used, password: "***" } } : r)`.
   */
  mask?: (record: FlowceptRecord) => FlowceptRecord | undefined;
}

const live = new Set<FlowceptSpanProcessor>();
/** The most recently created live processor (read on every lightweight call, so cached). */
let newest: FlowceptSpanProcessor | undefined;
/** The processor that receives the capture API's spans (set by the pipeline set-up); it also takes emitted records. */
let captureSink: FlowceptSpanProcessor | undefined;
/** Name of the probe span that finds out whether a provider has a Flowcept processor. */
export const PROBE_SPAN_NAME = "flowcept.pipeline-probe";
let probeSeenBy: FlowceptSpanProcessor | undefined;
const localOnlyWorkflows = new Set<string>();

/**
 * A span processor that turns ended spans into Flowcept records and hands
 * them, in batches, to provenance exporters — without ever dropping one
 * (unlike OTel's `BatchSpanProcessor`, whose bounded queue drops spans under
 * load). Add it to any tracer provider; `registerFlowcept()` and
 * `Flowcept.start()` do so for you when the application has none.
 *
 * It also stamps every span started inside a Flowcept workflow — including
 * spans of other instrumentations — with the workflow and campaign ids.
 */
export class FlowceptSpanProcessor implements SpanProcessor {
  private readonly lanes: ExporterLane[];
  private readonly localLanes: ExporterLane[];
  private readonly maxBatchSize: number;
  private readonly delay: number;
  private readonly maxQueueSize: number;
  private readonly spanFilter: ((span: ReadableSpan) => boolean) | undefined;
  private readonly mask: ((record: FlowceptRecord) => FlowceptRecord | undefined) | undefined;
  private readonly defaults: MappingDefaults = { hostname: HOSTNAME, rawJson: true };
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private shutDown = false;
  private readonly open = new Set<Span>();
  /** Ended spans (not yet mapped) and emitted records, in arrival order. */
  private queue: (ReadableSpan | FlowceptRecord)[] = [];
  private readonly unregisterExit: () => void;

  constructor(options: FlowceptSpanProcessorOptions = {}) {
    const exporters = options.exporters ?? createDefaultExporters(getSettingsSafe());
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.delay = options.scheduledDelayMillis ?? 200;
    this.maxQueueSize = Math.max(options.maxQueueSize ?? 512, this.maxBatchSize);
    const dbQueue = Math.max(options.maxDatabaseQueueSize ?? 65536, this.maxQueueSize);
    this.spanFilter = compileSpanFilter(options.include, options.exclude, options.spanFilter);
    this.mask = options.mask;
    const laneOptions = { maxBatchSize: this.maxBatchSize, retryDelayMillis: 100, maxRetryDelayMillis: 5000 };
    this.lanes = exporters.map((e) => new ExporterLane(e, { ...laneOptions, syncThreshold: e.kind === "database" ? dbQueue : this.maxQueueSize }));
    this.localLanes = this.lanes.filter((l) => l.exporter.kind !== "database");
    live.add(this);
    newest = this;
    this.unregisterExit = onProcessEnd({
      beforeExit: () => this.forceFlush(5000),
      exitSync: (reason) => {
        this.recordInterrupted(reason);
        const left = this.flushSync();
        if (left > 0) diag.error(`flowcept: ${left} records could not be written at exit`);
      },
    });
  }

  /** Where records without a span go: the processor that receives the capture API's spans, else the most recently created live one. */
  static active(): FlowceptSpanProcessor | undefined {
    return captureSink ?? newest;
  }

  /** @internal Makes `p` the processor capture spans and emitted records go to. */
  static setCaptureSink(p: FlowceptSpanProcessor | undefined): void {
    captureSink = p;
  }

  /**
   * @internal Which live Flowcept processor, if any, receives the spans of
   * `startProbe` (a span that is started and never ended, so no exporter sees it).
   */
  static probe(startProbe: () => void): FlowceptSpanProcessor | undefined {
    probeSeenBy = undefined;
    startProbe();
    const seen = probeSeenBy;
    probeSeenBy = undefined;
    return seen && live.has(seen) ? seen : undefined;
  }

  /** Every processor that is not shut down. */
  static all(): FlowceptSpanProcessor[] {
    return [...live];
  }

  /** Sends this workflow's records to local exporters only (`startPersistence: false`). */
  static setLocalOnly(workflowId: string, localOnly: boolean): void {
    if (localOnly) localOnlyWorkflows.add(workflowId);
    else localOnlyWorkflows.delete(workflowId);
  }

  onStart(span: Span, parentContext: Context): void {
    if (span.name === PROBE_SPAN_NAME) {
      probeSeenBy ??= this;
      return;
    }
    const type = span.attributes[ATTR.TYPE];
    if (type !== undefined) {
      // Stamped by the capture API. Tasks are tracked so that an exit can record the ones cut short.
      if (type !== SPAN_TYPE.WORKFLOW) this.open.add(span);
      return;
    }
    const scope = currentScope(parentContext);
    if (scope === undefined) return;
    span.setAttribute(ATTR.WORKFLOW_ID, scope.workflowId);
    if (scope.campaignId) span.setAttribute(ATTR.CAMPAIGN_ID, scope.campaignId);
    const parent = trace.getSpan(parentContext)?.spanContext();
    if (parent === undefined) span.setAttribute(ATTR.PARENT_TASK_ID, scope.parentTaskId ?? "");
    else if (parent.spanId === scope.rootSpanId) span.setAttribute(ATTR.PARENT_TASK_ID, "");
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
    if (this.shutDown) return;
    if (this.spanFilter && span.attributes[ATTR.TYPE] === undefined) {
      let keep: boolean;
      try {
        keep = this.spanFilter(span);
      } catch (err) {
        diag.error(`flowcept: spanFilter threw: ${(err as Error)?.message ?? err}`);
        keep = true;
      }
      if (!keep) return;
    }
    // Mapping is deferred to the batch: the span's own call path only queues it.
    this.queue.push(span);
    this.afterPush();
  }

  /**
   * Emits records that have no span of their own (lightweight tasks and
   * loops, workflow start messages, adapters). They follow the same path as
   * span records.
   */
  emit(records: FlowceptRecord | readonly FlowceptRecord[]): void {
    if (this.shutDown) {
      diag.warn("flowcept: records emitted after shutdown are ignored");
      return;
    }
    if (Array.isArray(records)) for (let i = 0; i < records.length; i++) this.queue.push(records[i]!);
    else this.queue.push(records as FlowceptRecord);
    this.afterPush();
  }

  private afterPush(): void {
    const n = this.queue.length;
    if (n >= this.maxBatchSize) this.onFull(n);
    else if (this.timer === undefined) this.schedule(this.delay);
  }

  /** Maps queued spans to records (in order) and hands everything to the exporter lanes. */
  private distribute(): void {
    if (this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    const all = this.lanes;
    const local = this.localLanes;
    const routed = localOnlyWorkflows.size > 0;
    for (let i = 0; i < q.length; i++) {
      const e = q[i]!;
      let record: FlowceptRecord | undefined;
      if (typeof (e as ReadableSpan).spanContext === "function") {
        try {
          record = spanToRecord(readableSpanToData(e as ReadableSpan), this.defaults);
        } catch (err) {
          diag.error(`flowcept: could not map span "${(e as ReadableSpan).name}": ${(err as Error)?.message ?? err}`);
        }
        if (record === undefined) continue;
      } else record = e as FlowceptRecord;
      if (this.mask) {
        try {
          record = this.mask(materializeRecord(record));
          if (record === undefined) continue;
        } catch (err) {
          diag.error(`flowcept: mask threw, record kept unmasked: ${(err as Error)?.message ?? err}`);
        }
      }
      const lanes = routed && localOnlyWorkflows.has(record!.workflow_id as string) ? local : all;
      for (let j = 0; j < lanes.length; j++) lanes[j]!.push(record!);
    }
  }

  private onFull(queued: number): void {
    if (queued >= this.maxQueueSize) {
      this.distribute();
      for (const lane of this.lanes) {
        if (lane.pending >= lane.syncThreshold && !lane.drainSync() && lane.pending >= lane.syncThreshold * 8) {
          diag.warn(`flowcept: ${lane.pending} records waiting for ${lane.exporter.constructor.name}`);
        }
      }
    }
    if (this.immediate === undefined) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        void this.flushLanes();
      });
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.shutDown) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushLanes();
    }, ms);
    this.timer.unref();
  }

  private async flushLanes(): Promise<void> {
    this.distribute();
    await Promise.all(this.lanes.map((l) => l.flush()));
    let retry = 0;
    for (const l of this.lanes) if (l.pending > 0) retry = Math.max(retry, l.retryDelay() || this.delay);
    if (retry > 0) this.schedule(retry);
  }

  /** Records waiting in memory across exporters. */
  get pending(): number {
    let n = this.queue.length;
    for (const l of this.lanes) n += l.pending;
    return n;
  }

  /**
   * Resolves when every record so far is handed to its exporters and they are
   * flushed. An exporter that keeps failing is given `timeoutMillis` (default
   * 30 s), then its records are moved out synchronously if it can, else kept
   * for a later flush.
   */
  async forceFlush(timeoutMillis = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      this.distribute();
      await Promise.all(this.lanes.map((l) => l.flush()));
      const waiting = this.lanes.filter((l) => l.pending > 0 || l.busy);
      if (waiting.length === 0) break;
      if (Date.now() >= deadline) {
        for (const l of waiting) if (!l.drainSync()) diag.error(`flowcept: ${l.pending} records still waiting for ${l.exporter.constructor.name}`);
        break;
      }
      const wait = Math.min(Math.max(...waiting.map((l) => l.retryDelay()), 10), Math.max(deadline - Date.now(), 0));
      await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(this.lanes.map((l) => l.exporter.forceFlush().catch((err: unknown) => diag.error(`flowcept: forceFlush failed: ${(err as Error)?.message ?? err}`))));
  }

  /** Records the tasks still running when the process ends, as ERROR with the reason in `stderr`. */
  private recordInterrupted(reason: ExitReason): void {
    if (this.open.size === 0) return;
    const why = reason.kind === "signal" ? `interrupted by ${reason.detail}` : `interrupted: process exited with code ${reason.detail}`;
    const now = nowSeconds();
    for (const span of this.open) {
      try {
        const rec = spanToRecord(readableSpanToData(span as unknown as ReadableSpan), this.defaults);
        if (!rec) continue;
        rec.status = Status.ERROR;
        rec.stderr = why;
        rec.ended_at = now;
        this.queue.push(rec);
      } catch (err) {
        diag.error(`flowcept: could not record interrupted task: ${(err as Error)?.message ?? err}`);
      }
    }
    this.open.clear();
  }

  /**
   * Moves every waiting record out synchronously (used at process exit).
   * Returns the number of records that could not be moved.
   */
  flushSync(): number {
    this.distribute();
    let left = 0;
    for (const l of this.lanes) if (!l.drainSync()) left += l.pending;
    return left;
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    await this.forceFlush();
    this.shutDown = true;
    live.delete(this);
    if (captureSink === this) captureSink = undefined;
    if (newest === this) {
      newest = undefined;
      for (const p of live) newest = p;
    }
    this.unregisterExit();
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    await Promise.all(this.lanes.map((l) => l.exporter.shutdown().catch((err: unknown) => diag.error(`flowcept: exporter shutdown failed: ${(err as Error)?.message ?? err}`))));
  }
}
