import { diag } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { RecordExporter } from "../records/record-exporter.js";
import type { FlowceptRecord } from "../records/records.js";
import { materializeRecord } from "../records/RawJson.js";

/** Tuning of an {@link ExporterLane}. */
export interface LaneOptions {
  /** Records per `export()` call. */
  maxBatchSize: number;
  /** First retry delay after a failed export; doubles up to `maxRetryDelayMillis`. */
  retryDelayMillis: number;
  maxRetryDelayMillis: number;
  /** Records waiting before a synchronous burst is moved out with `exportSync`. */
  syncThreshold: number;
}

/**
 * The queue of records waiting for one exporter. Records leave the queue only
 * when the exporter reports them durable; a failed batch goes back to the
 * front, so nothing is dropped and order is kept.
 */
export class ExporterLane {
  private queue: FlowceptRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;

  constructor(
    readonly exporter: RecordExporter,
    private readonly options: LaneOptions,
  ) {}

  /** Records waiting before a synchronous burst is moved out with `exportSync`. */
  get syncThreshold(): number {
    return this.options.syncThreshold;
  }

  /** Records waiting (not yet handed to the exporter). */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether an export is under way. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  push(record: FlowceptRecord): void {
    this.queue.push(record);
  }

  pushAll(records: readonly FlowceptRecord[]): void {
    for (let i = 0; i < records.length; i++) this.queue.push(records[i]!);
  }

  /**
   * Hands waiting records to the exporter synchronously, when it has a
   * synchronous path. Returns false when records remain (no sync path, an
   * export in flight, or a failure).
   */
  drainSync(): boolean {
    if (this.queue.length === 0) return true;
    if (!this.exporter.exportSync || this.inFlight) return false;
    const batch = this.queue;
    this.queue = [];
    try {
      this.exporter.exportSync(this.prepare(batch));
      this.failures = 0;
      return true;
    } catch (err) {
      this.queue = batch.concat(this.queue);
      this.noteFailure(err);
      return false;
    }
  }

  /** Exports everything waiting, batch by batch. Resolves when the queue is empty or an export failed. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.queue.length === 0 || Date.now() < this.retryAt) return Promise.resolve();
    this.inFlight = this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      const ok = await this.exportBatch(batch);
      if (!ok) {
        this.queue = batch.concat(this.queue);
        return;
      }
    }
  }

  private exportBatch(batch: FlowceptRecord[]): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (ok: boolean, err?: unknown) => {
        if (settled) return;
        settled = true;
        if (ok) this.failures = 0;
        else this.noteFailure(err);
        resolve(ok);
      };
      try {
        this.exporter.export(this.prepare(batch), (result) => done(result.code === ExportResultCode.SUCCESS, result.error));
      } catch (err) {
        done(false, err);
      }
    });
  }

  /** Plain objects for exporters that do not take pre-serialised JSON. */
  private prepare(batch: FlowceptRecord[]): FlowceptRecord[] {
    return this.exporter.acceptsRawJson ? batch : batch.map(materializeRecord);
  }

  private noteFailure(err: unknown): void {
    this.failures++;
    const delay = Math.min(this.options.retryDelayMillis * 2 ** (this.failures - 1), this.options.maxRetryDelayMillis);
    this.retryAt = Date.now() + delay;
    if (this.failures === 1 || this.failures % 20 === 0) {
      diag.error(`flowcept: exporter ${this.exporter.constructor.name} failed (${this.failures}x), ${this.queue.length} records kept for retry: ${(err as Error)?.message ?? err}`);
    }
  }

  /** Milliseconds until the next retry is allowed (0 when none is pending). */
  retryDelay(): number {
    return Math.max(0, this.retryAt - Date.now());
  }
}
