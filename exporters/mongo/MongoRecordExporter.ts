/**
 * The MongoDB provenance exporter: a queue of records pumped into Flowcept's
 * collections (`bulk-upsert.ts`) through one connection (`MongoConnection`).
 * When MongoDB is down or too slow, records go to a spill file on disk
 * (`SpillFile`, never only to memory), and everything is written once the
 * database answers again. Nothing handed to it is lost: not in an outage,
 * not at process exit.
 */
import { resolve } from "node:path";
import { onProcessEnd } from "../../lib/process/exit-hooks.js";
import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { MongoClientOptions } from "mongodb";
import { redactUri } from "../../lib/records/redact.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import { SpillFile } from "../../lib/records/SpillFile.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { MongoConnection } from "./MongoConnection.js";
import { RejectedRecordFile } from "../../lib/records/RejectedRecordFile.js";
import { upsertRecords } from "./bulk-upsert.js";
import { Backoff } from "../../lib/util/backoff.js";

/** Options of {@link MongoRecordExporter}. */
export interface MongoRecordExporterOptions {
  /** MongoDB connection string. */
  uri: string;
  /** Database name. Default `flowcept`. */
  dbName?: string | undefined;
  /** Create Flowcept's indexes on first contact. Default true. */
  createIndexes?: boolean | undefined;
  /** Records per bulk write (`db_buffer.buffer_size`). Default 512. */
  batchSize?: number | undefined;
  /** Records held in memory before new ones spill to disk. Default 20 000. */
  maxQueueRecords?: number | undefined;
  /** Folder of spill files (`db_buffer.spill_dir`). Default `flowcept_spill`. */
  spillDir?: string | undefined;
  /** Drop null and "" fields (`db_buffer.remove_empty_fields`). Default false. */
  removeEmptyFields?: boolean | undefined;
  /** `shutdown()` waits for every record to be acknowledged (bounded). Default true. */
  checkSafeStops?: boolean | undefined;
  /** Bound of that wait: trials (`db_buffer.stop_max_trials`). Default 300. */
  stopMaxTrials?: number | undefined;
  /** … times the sleep between trials, ms (`db_buffer.stop_trials_sleep` × 1000). Default 100. */
  stopTrialsSleepMs?: number | undefined;
  /** First retry delay after a failed write, ms; doubles up to `retryMaxMs`. Default 100. */
  retryInitialMs?: number | undefined;
  /** Longest retry delay, ms. Default 5000. */
  retryMaxMs?: number | undefined;
  /** How long one write waits for a server before the batch spills, ms. Default 2000. */
  serverSelectionTimeoutMS?: number | undefined;
  /** Replay spill files left by processes that are gone. Default true. */
  replayOrphans?: boolean | undefined;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions | undefined;
}

/** Progress of a replay. */
export interface ReplayProgress {
  /** Records written from spill files so far. */
  written: number;
  /** Bytes of spill files still to write. */
  pendingBytes: number;
}

/** What a replay did. */
export interface ReplayResult {
  /** Spill files claimed. */
  files: number;
  /** Records written from them. */
  written: number;
  /** Spill files left (the database went away again, or the time ran out). */
  remaining: string[];
}

interface Group {
  left: number;
  cb: (result: ExportResult) => void;
}

interface Entry {
  record: FlowceptRecord;
  group: Group | undefined;
  done: boolean;
}

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes Flowcept records to MongoDB (`kind: "database"`); see the file header for the guarantees.
 * Build it from settings with `createMongoExporterFromSettings()`.
 */
export class MongoRecordExporter implements RecordExporter {
  readonly kind = "database" as const;
  /** The spill folder (absolute). */
  readonly spillDir: string;
  private readonly connection: MongoConnection;
  private readonly rejected: RejectedRecordFile;
  private readonly opts: Required<Omit<MongoRecordExporterOptions, "clientOptions" | "uri" | "dbName">>;
  private readonly queue: Entry[] = [];
  private queueHead = 0;
  private inflight: Entry[] = [];
  /** This process's spill file, while it holds records not yet written. */
  private spill: SpillFile | undefined;
  /** Spill files claimed from processes that are gone. */
  private readonly claimed: SpillFile[] = [];
  private pumping = false;
  private outage = false;
  private readonly backoff: Backoff;
  /** Failed attempts over the exporter's life (the back-off count resets on success). */
  private failedAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private shutdownPromise: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private replayedRecords = 0;
  /** Spills what is still in memory at `exit` and on SIGINT/SIGTERM (where `exit` never fires). */
  private readonly unregisterExit: () => void;

  constructor(options: MongoRecordExporterOptions) {
    this.opts = {
      createIndexes: options.createIndexes ?? true,
      batchSize: Math.max(1, options.batchSize ?? 512),
      maxQueueRecords: Math.max(1, options.maxQueueRecords ?? 20_000),
      spillDir: options.spillDir ?? "flowcept_spill",
      removeEmptyFields: options.removeEmptyFields ?? false,
      checkSafeStops: options.checkSafeStops ?? true,
      stopMaxTrials: options.stopMaxTrials ?? 300,
      stopTrialsSleepMs: options.stopTrialsSleepMs ?? 100,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5000,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 2000,
      replayOrphans: options.replayOrphans ?? true,
    };
    this.spillDir = resolve(this.opts.spillDir);
    this.connection = new MongoConnection({
      uri: options.uri,
      dbName: options.dbName ?? "flowcept",
      serverSelectionTimeoutMS: this.opts.serverSelectionTimeoutMS,
      createIndexes: this.opts.createIndexes,
      clientOptions: options.clientOptions,
    });
    this.rejected = new RejectedRecordFile(this.spillDir, "MongoDB");
    this.backoff = new Backoff(this.opts.retryInitialMs, this.opts.retryMaxMs);
    diag.debug(`flowcept: MongoDB exporter for ${redactUri(options.uri)}, spill folder ${this.spillDir}`);
    this.unregisterExit = onProcessEnd({ exitSync: () => this.spillMemory() });
    if (this.opts.replayOrphans) {
      this.claim(false);
      if (this.claimed.length) void this.pump();
    }
  }

  /** Records accepted and not yet acknowledged by MongoDB nor spilled. */
  get pendingInMemory(): number {
    const inflight = this.inflight.length && !this.inflight[0]!.done ? this.inflight.length : 0;
    return this.queue.length - this.queueHead + inflight;
  }

  /** True while records wait in spill files. */
  get hasSpill(): boolean {
    return !!this.spill?.pending || this.claimed.some((f) => f.pending);
  }

  /** True while the last write attempt failed for want of a database. */
  get inOutage(): boolean {
    return this.outage;
  }

  keptAside(): string | undefined {
    return this.outage ? `MongoDB is unreachable; records are spilled to ${this.spillDir}` : undefined;
  }

  export(records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void {
    if (!records.length) {
      resultCallback(SUCCESS);
      return;
    }
    if (this.stopped || this.outage || this.spill || this.pendingInMemory + records.length > this.opts.maxQueueRecords) {
      // Order matters less than durability here: the server-side merge tolerates reordering.
      try {
        this.spillRecords(records);
        resultCallback(SUCCESS);
      } catch (err) {
        resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      }
      if (!this.stopped) this.kick();
      return;
    }
    const group: Group = { left: records.length, cb: resultCallback };
    for (const record of records) this.queue.push({ record, group, done: false });
    this.kick();
  }

  /** Writes the records to the spill file at once (used at process exit). Throws if the disk refuses. */
  exportSync(records: FlowceptRecord[]): void {
    this.spillRecords(records);
    if (!this.stopped) this.kick();
  }

  /** Resolves when every record handed over so far is acknowledged by MongoDB or spilled to disk. */
  async forceFlush(): Promise<void> {
    while (this.pendingInMemory > 0) {
      if (this.outage || this.stopped) {
        this.spillMemory();
        break;
      }
      this.kick();
      await this.nextProgress();
    }
  }

  /**
   * Writes whatever spill files other processes left (or, with `all`, every
   * spill file not owned by this process), and resolves when they are
   * written or the database is unreachable again.
   */
  async replay(options: { all?: boolean; onProgress?: (p: ReplayProgress) => void; timeoutMs?: number } = {}): Promise<ReplayResult> {
    const before = this.claimed.length;
    this.claim(options.all ?? false);
    const files = this.claimed.length - before;
    const start = this.replayedRecords;
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.kick();
    let lastFailures = this.backoff.failures;
    for (;;) {
      const pendingBytes = this.claimed.reduce((n, f) => n + f.pendingBytes, 0);
      options.onProgress?.({ written: this.replayedRecords - start, pendingBytes });
      if (!this.claimed.some((f) => f.pending)) break;
      if (this.outage && this.backoff.failures > lastFailures + 2) break;
      if (!this.outage) lastFailures = this.backoff.failures;
      if (Date.now() > deadline) break;
      this.kick();
      await this.nextProgress();
    }
    return { files, written: this.replayedRecords - start, remaining: this.claimed.filter((f) => f.pending).map((f) => f.path) };
  }

  /**
   * Flushes and closes. With `checkSafeStops` it waits (at most
   * `stopMaxTrials` × `stopTrialsSleepMs`) for every record, spill files
   * included, to be written; when the database does not answer one more
   * attempt it stops waiting. Whatever is left is spilled to disk for a
   * later replay (the next start, or `flowcept-otel replay`).
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close();
    return this.shutdownPromise;
  }

  private async close(): Promise<void> {
    if (this.opts.checkSafeStops) {
      // One more attempt at once, rather than after the back-off; a second failure means the database is down.
      if (this.outage) while (this.pumping) await this.nextProgress(); // an attempt begun before now does not count
      const attemptsAtStart = this.failedAttempts;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.backoff.skipWait();
      for (let trial = 0; trial < this.opts.stopMaxTrials; trial++) {
        if (this.settled() || (this.outage && this.failedAttempts > attemptsAtStart)) break;
        this.kick();
        await Promise.race([this.nextProgress(), sleep(this.opts.stopTrialsSleepMs)]);
      }
    }
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.spillMemory();
    await this.connection.close();
    while (this.pumping) await this.nextProgress();
    for (const f of [...this.claimed, ...(this.spill ? [this.spill] : [])]) {
      f.close();
      if (f.pending) diag.warn(`flowcept: records not yet in MongoDB are kept in ${f.path}; they are written on the next start or by \`flowcept-otel replay\``);
    }
    this.claimed.length = 0;
    this.spill = undefined;
    this.unregisterExit();
    this.wake();
  }

  private settled(): boolean {
    return this.pendingInMemory === 0 && !this.hasSpill;
  }

  private claim(all: boolean): void {
    try {
      this.claimed.push(...SpillFile.claimOrphans(this.spillDir, all));
    } catch (err) {
      diag.warn(`flowcept: cannot look for spill files in ${this.spillDir}: ${errorMessage(err)}`);
    }
  }

  private spillRecords(records: readonly FlowceptRecord[]): void {
    this.spill ??= SpillFile.create(this.spillDir);
    this.spill.append(records);
    if (this.stopped) {
      // Nobody will write it from this exporter any more: release it for a replay.
      this.spill.close();
      this.spill = undefined;
    }
  }

  /** Moves every record held in memory to the spill file and reports them durable. */
  private spillMemory(): void {
    const entries = [...this.inflight, ...this.queue.slice(this.queueHead)].filter((e) => !e.done);
    this.queue.length = 0;
    this.queueHead = 0;
    if (!entries.length) return;
    try {
      this.spillRecords(entries.map((e) => e.record));
      this.settle(entries);
    } catch (err) {
      diag.error(`flowcept: cannot spill ${entries.length} records to ${this.spillDir}: ${errorMessage(err)}`);
      for (const e of entries) {
        if (e.done) continue;
        e.done = true;
        const g = e.group;
        if (g && g.left > 0) {
          g.left = 0;
          g.cb({ code: ExportResultCode.FAILED, error: err as Error });
        }
      }
    }
  }

  private settle(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.done) continue;
      e.done = true;
      const g = e.group;
      if (g && --g.left === 0) g.cb(SUCCESS);
    }
  }

  private kick(): void {
    this.connection.cancelIdleDisconnect();
    // During a back-off the retry timer restarts the pump.
    if (!this.pumping && !this.stopped && !this.retryTimer) void this.pump();
  }

  private nextProgress(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private takeBatch(): Entry[] {
    const end = Math.min(this.queue.length, this.queueHead + this.opts.batchSize);
    const batch = this.queue.slice(this.queueHead, end);
    this.queueHead = end;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 65536) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return batch;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped) {
        const wait = this.backoff.remaining();
        if (wait > 0) {
          this.scheduleRetry(wait);
          break;
        }
        if (!(await this.connection.ready())) {
          this.spillMemory();
          this.failed();
          continue;
        }
        const file = this.claimed.find((f) => f.pending) ?? (this.queueHead < this.queue.length ? undefined : this.spill);
        if (file) {
          const chunk = file.readNext(this.opts.batchSize, file !== this.spill);
          if (!chunk.records.length) {
            file.advance(chunk.end);
            if (file === this.spill && !file.pending) {
              file.close();
              this.spill = undefined;
            }
            continue;
          }
          const ok = await this.write(chunk.records);
          if (!ok) {
            this.failed();
            continue;
          }
          file.advance(chunk.end);
          if (file !== this.spill) this.replayedRecords += chunk.records.length;
          this.succeeded(file);
          continue;
        }
        if (this.queueHead >= this.queue.length) {
          for (const f of this.claimed.filter((c) => !c.pending)) f.close();
          this.claimed.splice(0, this.claimed.length, ...this.claimed.filter((c) => c.pending));
          break;
        }
        this.inflight = this.takeBatch();
        const ok = await this.write(this.inflight.map((e) => e.record));
        if (ok) {
          this.settle(this.inflight);
          this.inflight = [];
          this.succeeded(undefined);
        } else {
          // The database is away: what is in memory goes to disk until it is back.
          this.spillMemory();
          this.inflight = [];
          this.failed();
        }
      }
    } catch (err) {
      diag.error(`flowcept: MongoDB exporter: ${errorMessage(err)}`);
      this.spillMemory();
      this.failed();
      this.scheduleRetry(this.backoff.remaining());
    } finally {
      this.pumping = false;
      // Once everything is written the connection closes when idle, so the program can exit.
      if (!this.retryTimer && !this.stopped) this.connection.scheduleIdleDisconnect(() => !this.pumping && this.queueHead >= this.queue.length && !this.hasSpill);
      this.wake();
    }
  }

  private succeeded(file: SpillFile | undefined): void {
    if (this.outage) diag.info("flowcept: MongoDB is reachable again; writing spilled records");
    this.outage = false;
    this.backoff.succeeded();
    if (file && file !== this.spill && !file.pending) {
      file.close();
      this.claimed.splice(this.claimed.indexOf(file), 1);
    }
    this.wake();
  }

  private failed(): void {
    if (!this.outage) diag.warn(`flowcept: MongoDB unreachable; records are spilled to ${this.spillDir} and retried`);
    this.outage = true;
    this.failedAttempts++;
    this.backoff.failed();
    this.wake();
  }

  private scheduleRetry(ms: number): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, Math.max(1, ms));
    // A pending retry must not keep the user's process alive: the spill file outlives it.
    this.retryTimer.unref();
  }

  /** Writes records; false when the database could not be reached (nothing is known written). */
  private write(records: readonly FlowceptRecord[]): Promise<boolean> {
    return upsertRecords(this.connection.db, records, { removeEmptyFields: this.opts.removeEmptyFields, reject: (r, why) => this.rejected.keep(r, why) });
  }
}
