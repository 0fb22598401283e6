import { diag } from "@opentelemetry/api";
import type { RawRecord } from "../records/RawJson.js";
import type { RecordExporter } from "../records/record-exporter.js";
import { Backoff } from "../util/backoff.js";
import { errorMessage } from "../util/error-message.js";
import { exportRecords, recordsFor } from "./export-records.js";

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
  private queue: RawRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly backoff: Backoff;

  constructor(
    readonly exporter: RecordExporter,
    private readonly options: LaneOptions,
  ) {
    this.backoff = new Backoff(options.retryDelayMillis, options.maxRetryDelayMillis);
  }

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

  push(record: RawRecord): void {
    this.queue.push(record);
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
      this.exporter.exportSync(recordsFor(this.exporter, batch));
      this.backoff.succeeded();
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
    if (this.queue.length === 0 || this.backoff.remaining() > 0) return Promise.resolve();
    this.inFlight = this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      try {
        await exportRecords(this.exporter, recordsFor(this.exporter, batch));
        this.backoff.succeeded();
      } catch (err) {
        this.queue = batch.concat(this.queue);
        this.noteFailure(err);
        return;
      }
    }
  }

  private noteFailure(err: unknown): void {
    this.backoff.failed();
    const n = this.backoff.failures;
    if (n === 1 || n % 20 === 0) {
      diag.error(`flowcept: exporter ${this.exporter.constructor.name} failed (${n}x), ${this.queue.length} records kept for retry: ${errorMessage(err)}`);
    }
  }

  /** Milliseconds until the next retry is allowed (0 when none is pending). */
  retryDelay(): number {
    return this.backoff.remaining();
  }
}
