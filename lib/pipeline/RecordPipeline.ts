/**
 * The provenance pipeline: ended spans and emitted records, in arrival
 * order, mapped to records in batches and handed to one {@link ExporterLane}
 * per exporter — without ever dropping one (unlike OTel's
 * `BatchSpanProcessor`, whose bounded queue drops spans under load). Memory
 * stays bounded: a synchronous burst is written out before the event loop
 * runs again. At process end everything waiting is written synchronously,
 * and tasks still running are recorded as interrupted.
 */
import { diag } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { nowSeconds } from "../records/clock.js";
import type { RawRecord } from "../records/RawJson.js";
import { materializeRecord } from "../records/materialize-record.js";
import { RejectedRecordFile } from "../records/RejectedRecordFile.js";
import { localSpillRoots } from "../../exporters/jsonl/local-spill.js";
import type { RecordExporter } from "../records/record-exporter.js";
import { Status } from "../records/records.js";
import { HOSTNAME } from "../process/host-info.js";
import { onProcessEnd, type ExitReason } from "../process/exit-hooks.js";
import { getSettingsSafe } from "../settings/settings-loader.js";
import { valueLimits } from "../settings/value-limits.js";
import { installDefaultDiagLogger } from "../settings/default-diag-logger.js";
import { errorMessage } from "../util/error-message.js";
import { createDefaultExporters } from "./default-exporters.js";
import { ExporterLane } from "./ExporterLane.js";
import { readableSpanToData } from "./readable-span.js";
import type { SpanData } from "./span-data.js";
import { addSink, anyLocalOnly, isLocalOnly, removeSink, type RecordSink } from "./record-sink.js";
import { hasSubscribers, publishRecord } from "./record-subscribers.js";
import { applyMask, type RecordMask } from "./record-mask.js";
import { spanToRecord, type MappingDefaults } from "./span-to-record.js";
import { AgentRecords } from "./AgentRecords.js";

/** Options of a {@link RecordPipeline}. */
export interface RecordPipelineOptions {
  /** Provenance exporters. Default: from settings (the JSONL local store, MongoDB when enabled). */
  exporters?: RecordExporter[];
  /** Records per export call. Default 256. */
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
   * Records kept in memory for one exporter that takes none and has nowhere
   * to keep them aside (its store and its spill folders all refuse). Beyond
   * it the oldest are dropped, with one error and a count, so memory stays
   * bounded. Default 131072.
   */
  maxPendingRecords?: number | undefined;
  /**
   * Runs on every record before it leaves the process: redaction, masking,
   * dropping. Receives a plain JSON record (`used`, `generated`… are
   * objects) and returns the record to keep (changed or not), or undefined to
   * drop it. A mask that throws is logged and the record kept as it was.
   * Example: `mask: (r) => (r.used?.password ? { ...r, used: { ...r.used, password: "***" } } : r)`.
   */
  mask?: RecordMask;
}

type Queued = ReadableSpan | SpanData | RawRecord;

/** The span data of a queued span, or undefined for a record. */
function spanDataOf(e: Queued): SpanData | undefined {
  if (typeof (e as ReadableSpan).spanContext === "function" && typeof (e as ReadableSpan).startTime !== "number") return readableSpanToData(e as ReadableSpan);
  return typeof (e as SpanData).spanId === "string" ? (e as SpanData) : undefined;
}

/** See the file header. Live pipelines are known to `record-sink.ts`. */
export class RecordPipeline implements RecordSink {
  private readonly lanes: ExporterLane[];
  private readonly localLanes: ExporterLane[];
  private readonly maxBatchSize: number;
  private readonly delay: number;
  private readonly maxQueueSize: number;
  private readonly mask: RecordMask | undefined;
  private readonly defaults: MappingDefaults;
  private readonly agents = new AgentRecords();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private shutDown = false;
  /** Task spans started and not ended: recorded as interrupted when the process ends under them. */
  private readonly open = new Set<SpanData>();
  private queue: Queued[] = [];
  /** Records handed to the exporter lanes so far. */
  private routed = 0;
  /** `routed` when a flush before exit last left records waiting; -1 when it left none. */
  private routedWhenStuck = -1;
  private readonly unregisterExit: () => void;
  private rejected: RejectedRecordFile | undefined;

  constructor(options: RecordPipelineOptions = {}) {
    installDefaultDiagLogger();
    const settings = getSettingsSafe();
    this.defaults = { hostname: HOSTNAME, rawJson: true, limits: valueLimits(settings) };
    const exporters = options.exporters ?? createDefaultExporters(settings);
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.delay = options.scheduledDelayMillis ?? 200;
    this.maxQueueSize = Math.max(options.maxQueueSize ?? 512, this.maxBatchSize);
    const dbQueue = Math.max(options.maxDatabaseQueueSize ?? 65536, this.maxQueueSize);
    this.mask = options.mask;
    const laneOptions = {
      maxBatchSize: this.maxBatchSize,
      retryDelayMillis: 100,
      maxRetryDelayMillis: 5000,
      reject: (record: RawRecord, reason: string) => this.rejectedFile().keep(materializeRecord(record), reason),
    };
    this.lanes = exporters.map((e) => {
      const syncThreshold = e.kind === "database" ? dbQueue : this.maxQueueSize;
      return new ExporterLane(e, { ...laneOptions, syncThreshold, maxPending: Math.max(options.maxPendingRecords ?? 131_072, syncThreshold * 2) });
    });
    this.localLanes = this.lanes.filter((l) => l.exporter.kind !== "database");
    addSink(this);
    this.unregisterExit = onProcessEnd({
      beforeExit: () => this.flushBeforeExit(),
      flushSync: () => void this.flushSync(),
      exitSync: (reason) => {
        this.recordInterrupted(reason);
        const left = this.flushSync();
        if (left > 0) diag.error(`flowcept: ${left} records could not be written at exit`);
      },
    });
  }

  /** A span of the capture API started: it is recorded as interrupted if the process ends before it does. */
  spanStarted(span: SpanData): void {
    this.open.add(span);
  }

  /** A span of the capture API ended: its record follows. */
  spanEnded(span: SpanData): void {
    this.open.delete(span);
    this.pushSpan(span);
  }

  /** An ended span to record. */
  pushSpan(span: ReadableSpan | SpanData): void {
    if (this.shutDown) return;
    // Mapping is deferred to the batch: the span's own call path only queues it.
    this.queue.push(span);
    this.afterPush();
  }

  /** Takes records that have no span of their own; they follow the same path as span records. */
  emit(records: RawRecord | readonly RawRecord[]): void {
    if (this.shutDown) {
      diag.warn("flowcept: records emitted after shutdown are ignored");
      return;
    }
    if (Array.isArray(records)) for (let i = 0; i < records.length; i++) this.queue.push(records[i]!);
    else this.queue.push(records as RawRecord);
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
    const routed = anyLocalOnly();
    const published = hasSubscribers();
    for (let i = 0; i < q.length; i++) {
      const e = q[i]!;
      let record: RawRecord | undefined;
      let agent: RawRecord | undefined;
      const span = spanDataOf(e);
      if (span !== undefined) {
        try {
          record = spanToRecord(span, this.defaults);
          if (record?.agent_id !== undefined) agent = this.agents.fromSpan(span, record);
        } catch (err) {
          diag.error(`flowcept: could not map span "${span.name}": ${errorMessage(err)}`);
        }
      } else record = e as RawRecord;
      if (agent !== undefined) this.route(agent, routed, published);
      if (record !== undefined) this.route(record, routed, published);
    }
  }

  /** Hands one record, masked, to its subscribers and exporter lanes. */
  private route(rec: RawRecord, routed: boolean, published: boolean): void {
    const record = this.mask ? applyMask(this.mask, rec, (err) => diag.error(`flowcept: mask threw, record kept unmasked: ${errorMessage(err)}`)) : rec;
    if (record === undefined) return;
    if (published) publishRecord(record);
    const lanes = routed && isLocalOnly(record.workflow_id) ? this.localLanes : this.lanes;
    this.routed++;
    for (let j = 0; j < lanes.length; j++) lanes[j]!.push(record);
  }

  private onFull(queued: number): void {
    if (queued >= this.maxQueueSize) {
      this.distribute();
      // A lane that fails is not drained again before its back-off ends; it reports its failures itself.
      for (const lane of this.lanes) if (lane.pending >= lane.syncThreshold) lane.drainSync();
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
   * flushed. An exporter with a synchronous path that still fails is tried
   * once more and not waited for; any other exporter that keeps failing is
   * given `timeoutMillis` (default 30 s) — once: until it takes a record
   * again, later flushes do not wait for it. Records not taken are kept for
   * a later flush and the synchronous flush at exit.
   */
  async forceFlush(timeoutMillis = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      this.distribute();
      await Promise.all(this.lanes.map((l) => l.flush()));
      let waiting = this.lanes.filter((l) => l.pending > 0 || l.busy);
      if (waiting.length === 0) break;
      const expired = Date.now() >= deadline;
      for (const l of waiting) {
        if (l.busy || !(expired || l.gaveUp || l.exporter.exportSync)) continue;
        if (l.drainSync(true)) continue;
        if (!l.gaveUp) diag.error(`flowcept: ${l.pending} records still waiting for ${l.exporter.constructor.name}; kept for a later flush`);
        l.gaveUp = true;
      }
      waiting = waiting.filter((l) => l.busy || (l.pending > 0 && !l.gaveUp));
      if (waiting.length === 0) break;
      const wait = Math.min(Math.max(...waiting.map((l) => l.retryDelay()), 10), Math.max(deadline - Date.now(), 0));
      await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(this.lanes.map((l) => l.exporter.forceFlush().catch((err: unknown) => diag.error(`flowcept: forceFlush failed: ${errorMessage(err)}`))));
  }

  /**
   * Node emits `beforeExit` again after any work a flush scheduled, so an
   * exporter that keeps refusing would keep the process alive for ever: once
   * a flush has left records waiting and no record came since, the process is
   * let go (the exit flush names what is left).
   */
  private async flushBeforeExit(): Promise<void> {
    if (this.queue.length === 0 && this.routed === this.routedWhenStuck) return;
    await this.forceFlush(5000);
    this.routedWhenStuck = this.pending > 0 ? this.routed : -1;
  }

  /** Records the tasks still running when the process ends, as ERROR with the reason in `stderr`. */
  private recordInterrupted(reason: ExitReason): void {
    if (this.open.size === 0) return;
    const why = reason.kind === "signal" ? `interrupted by ${reason.detail}` : `interrupted: process exited with code ${reason.detail}`;
    const now = nowSeconds();
    for (const span of this.open) {
      try {
        const rec = spanToRecord(span, this.defaults);
        if (!rec) continue;
        rec.status = Status.ERROR;
        rec.stderr = why;
        rec.ended_at = now;
        this.queue.push(rec);
      } catch (err) {
        diag.error(`flowcept: could not record interrupted task: ${errorMessage(err)}`);
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
    for (const l of this.lanes) if (!l.drainSync(true)) left += l.pending;
    return left;
  }

  /** The file of records an exporter keeps refusing while it takes others. */
  private rejectedFile(): RejectedRecordFile {
    return (this.rejected ??= new RejectedRecordFile(localSpillRoots()[0]!, "an exporter"));
  }

  /** Flushes, then shuts the exporters down. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    await this.forceFlush();
    this.shutDown = true;
    removeSink(this);
    this.unregisterExit();
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    await Promise.all(this.lanes.map((l) => l.exporter.shutdown().catch((err: unknown) => diag.error(`flowcept: exporter shutdown failed: ${errorMessage(err)}`))));
  }
}
