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
  /**
   * Records kept waiting at most while the exporter takes none (it failed,
   * and has no spill file or its spill file failed too). Beyond it the
   * oldest are dropped, with one error and a count: memory stays bounded.
   */
  maxPending: number;
  /** Where a record the exporter refuses on its own, while it takes others, is set aside with the reason. */
  reject?: ((record: RawRecord, reason: string) => void) | undefined;
}

/** Failures of a batch before its records are tried one by one. */
const ISOLATE_AFTER = 2;
/** Failures of one record on its own, while the exporter takes others, before it is set aside. */
const REJECT_AFTER = 3;
/** Taken records kept at the front of the queue array before it is compacted. */
const COMPACT_AFTER = 65_536;

interface Retried {
  record: RawRecord;
  failures: number;
  error?: unknown;
}

/**
 * The queue of records waiting for one exporter. Records leave the queue only
 * when the exporter reports them durable. A failed batch is tried again
 * before newer records — as a batch, then one record at a time — so that one
 * record the exporter keeps refusing is set aside (see `reject`) instead of
 * holding back every record after it.
 */
export class ExporterLane {
  private queue: RawRecord[] = [];
  private head = 0;
  private retry: Retried[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private dropped = 0;
  /** A flush gave up on this exporter and nothing went through since: later flushes do not wait for it. */
  gaveUp = false;

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
    return this.queue.length - this.head + this.retry.length;
  }

  /** Whether an export is under way. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  push(record: RawRecord): void {
    this.queue.push(record);
    if (this.queue.length - this.head > this.options.maxPending) this.dropOldest();
  }

  private dropOldest(): void {
    this.head++;
    if (this.dropped++ === 0) {
      diag.error(`flowcept: ${this.exporter.constructor.name} takes no records and none can be kept aside; the oldest are dropped beyond ${this.options.maxPending} waiting (a count follows when it recovers)`);
    }
  }

  /**
   * Hands waiting records to the exporter synchronously, when it has a
   * synchronous path and is not backing off after a failure (unless
   * `force`). Returns false when records remain.
   */
  drainSync(force = false): boolean {
    if (this.pending === 0) return true;
    if (!this.exporter.exportSync || this.inFlight) return false;
    if (!force && this.backoff.failures > 0 && this.backoff.remaining() > 0) return false;
    const tail = this.head === 0 ? this.queue : this.queue.slice(this.head);
    const batch = this.retry.length ? this.retry.map((r) => r.record).concat(tail) : tail;
    try {
      this.exporter.exportSync(recordsFor(this.exporter, batch));
    } catch (err) {
      // Nothing moved: the records stay where they are, and are not copied again until the back-off ends.
      this.noteFailure(err);
      return false;
    }
    this.queue = [];
    this.head = 0;
    this.retry = [];
    this.succeeded();
    return true;
  }

  /** Exports everything waiting, batch by batch. Resolves when the queue is empty or an export failed. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.pending === 0 || this.backoff.remaining() > 0) return Promise.resolve();
    this.inFlight = this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private take(n: number): RawRecord[] {
    if (this.head > COMPACT_AFTER) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const end = Math.min(this.queue.length, this.head + n);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return batch;
  }

  /** Puts records taken by {@link take} back at the front (after a failure, so not on the hot path). */
  private untake(batch: RawRecord[]): void {
    this.queue = batch.concat(this.queue.slice(this.head));
    this.head = 0;
  }

  private async send(records: RawRecord[]): Promise<void> {
    await exportRecords(this.exporter, recordsFor(this.exporter, records));
  }

  private async run(): Promise<void> {
    while (this.pending > 0) {
      if (this.retry.length) {
        if (!(await this.runRetry())) return;
        continue;
      }
      const batch = this.take(this.options.maxBatchSize);
      try {
        await this.send(batch);
        this.succeeded();
      } catch (err) {
        this.retry = batch.map((record) => ({ record, failures: 1, error: err }));
        this.noteFailure(err);
        return;
      }
    }
  }

  /** Tries the records of a failed batch again; false when the exporter still takes nothing. */
  private async runRetry(): Promise<boolean> {
    const items = this.retry;
    if (items[0]!.failures < ISOLATE_AFTER) {
      try {
        await this.send(items.map((r) => r.record));
        this.retry = [];
        this.succeeded();
        return true;
      } catch (err) {
        for (const it of items) {
          it.failures++;
          it.error = err;
        }
        this.noteFailure(err);
        return false;
      }
    }
    let tookAny = false;
    const left: Retried[] = [];
    for (const it of items) {
      try {
        await this.send([it.record]);
        tookAny = true;
      } catch (err) {
        it.failures++;
        it.error = err;
        left.push(it);
      }
    }
    this.retry = left;
    if (left.length === 0) {
      this.succeeded();
      return true;
    }
    if (!tookAny) {
      // Is it these records, or the exporter? Newer records tell.
      if (this.queue.length - this.head === 0) {
        this.noteFailure(left[0]!.error);
        return false;
      }
      const batch = this.take(this.options.maxBatchSize);
      try {
        await this.send(batch);
      } catch (err) {
        this.untake(batch);
        this.noteFailure(err);
        return false;
      }
    }
    this.succeeded();
    this.retry = left.filter((it) => {
      if (it.failures < ISOLATE_AFTER + REJECT_AFTER) return true;
      const reason = `${this.exporter.constructor.name} refused it ${it.failures} times while taking other records: ${errorMessage(it.error)}`;
      if (this.options.reject) this.options.reject(it.record, reason);
      else diag.error(`flowcept: a record was dropped: ${reason}`);
      return false;
    });
    return true;
  }

  private succeeded(): void {
    this.backoff.succeeded();
    this.gaveUp = false;
    if (this.dropped > 0) {
      diag.error(`flowcept: ${this.exporter.constructor.name} takes records again; ${this.dropped} records were dropped meanwhile`);
      this.dropped = 0;
    }
  }

  private noteFailure(err: unknown): void {
    this.backoff.failed();
    const n = this.backoff.failures;
    if (n === 1 || n % 20 === 0) {
      diag.error(`flowcept: exporter ${this.exporter.constructor.name} failed (${n}x), ${this.pending} records kept for retry: ${errorMessage(err)}`);
    }
  }

  /** Milliseconds until the next retry is allowed (0 when none is pending). */
  retryDelay(): number {
    return this.backoff.remaining();
  }
}
