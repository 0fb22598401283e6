/**
 * The MongoDB provenance exporter: upserts records into Flowcept's
 * collections in unordered bulk writes, merging each message into the
 * stored document on the server. When MongoDB is down or too slow, records
 * go to a spill file on disk (never only to memory), and everything is
 * written once the database answers again. Nothing handed to it is lost:
 * not in an outage, not at process exit.
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { appendFileSync, mkdirSync } from "node:fs";
import { onProcessEnd } from "../../lib/process/exit-hooks.js";
import { nowSeconds } from "../../lib/records/clock.js";
import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { MongoBulkWriteError, MongoClient, type AnyBulkWriteOperation, type Db, type Document, type MongoClientOptions } from "mongodb";
import { COLLECTIONS } from "./mongo-layout.js";
import { redactUri } from "../../lib/records/redact.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import { mergePipeline, toMongoUpsert, type MongoUpsert } from "./mongo-document.js";
import { SpillFile } from "./SpillFile.js";
import { MONGO_MAX_DOCUMENT_BYTES } from "./truncate-document.js";
import { errorMessage } from "../../lib/util/error-message.js";

/** Options of {@link MongoRecordExporter}. */
export interface MongoRecordExporterOptions {
  /** MongoDB connection string. */
  uri: string;
  /** Database name. Default `flowcept`. */
  dbName?: string;
  /** Create Flowcept's indexes on first contact. Default true. */
  createIndexes?: boolean;
  /** Records per bulk write (`db_buffer.buffer_size`). Default 512. */
  batchSize?: number;
  /** Records held in memory before new ones spill to disk. Default 20 000. */
  maxQueueRecords?: number;
  /** Folder of spill files (`db_buffer.spill_dir`). Default `flowcept_spill`. */
  spillDir?: string;
  /** Drop null and "" fields (`db_buffer.remove_empty_fields`). Default false. */
  removeEmptyFields?: boolean;
  /** `shutdown()` waits for every record to be acknowledged (bounded). Default true. */
  checkSafeStops?: boolean;
  /** Bound of that wait: trials (`db_buffer.stop_max_trials`). Default 300. */
  stopMaxTrials?: number;
  /** … times the sleep between trials, ms (`db_buffer.stop_trials_sleep` × 1000). Default 100. */
  stopTrialsSleepMs?: number;
  /** First retry delay after a failed write, ms; doubles up to `retryMaxMs`. Default 100. */
  retryInitialMs?: number;
  /** Longest retry delay, ms. Default 5000. */
  retryMaxMs?: number;
  /** How long one write waits for a server before the batch spills, ms. Default 2000. */
  serverSelectionTimeoutMS?: number;
  /** Replay spill files left by processes that are gone. Default true. */
  replayOrphans?: boolean;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions;
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

const TOO_LARGE_CODES = new Set([10334, 17419, 17420, 2]);
const DUPLICATE_KEY = 11000;
const MAX_WRITE_ROUNDS = 4;
const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes Flowcept records to MongoDB (`kind: "database"`); see the file header for the guarantees.
 * Build it from settings with `createMongoExporterFromSettings()`.
 */
/** Idle time after which the MongoDB connection is closed (it reopens on the next export). */
const IDLE_DISCONNECT_MS = 500;

export class MongoRecordExporter implements RecordExporter {
  readonly kind = "database" as const;
  /** The spill folder (absolute). */
  readonly spillDir: string;
  private client: MongoClient;
  private db: Db;
  private connected = false;
  private readonly makeClient: () => MongoClient;
  private readonly dbName: string;
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
  private failures = 0;
  private failedAttempts = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private indexesReady = false;
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
    this.makeClient = () =>
      new MongoClient(options.uri, {
        serverSelectionTimeoutMS: this.opts.serverSelectionTimeoutMS,
        connectTimeoutMS: this.opts.serverSelectionTimeoutMS,
        ...options.clientOptions,
      });
    this.dbName = options.dbName ?? "flowcept";
    this.client = this.makeClient();
    this.db = this.client.db(this.dbName);
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
    let lastFailures = this.failures;
    for (;;) {
      const pendingBytes = this.claimed.reduce((n, f) => n + f.pendingBytes, 0);
      options.onProgress?.({ written: this.replayedRecords - start, pendingBytes });
      if (!this.claimed.some((f) => f.pending)) break;
      if (this.outage && this.failures > lastFailures + 2) break;
      if (!this.outage) lastFailures = this.failures;
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
      this.retryAt = 0;
      for (let trial = 0; trial < this.opts.stopMaxTrials; trial++) {
        if (this.settled() || (this.outage && this.failedAttempts > attemptsAtStart)) break;
        this.kick();
        await Promise.race([this.nextProgress(), sleep(this.opts.stopTrialsSleepMs)]);
      }
    }
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.spillMemory();
    try {
      await this.client.close();
    } catch (err) {
      diag.debug(`flowcept: closing the MongoDB client: ${errorMessage(err)}`);
    }
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
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    // During a back-off the retry timer restarts the pump.
    if (!this.pumping && !this.stopped && !this.retryTimer) void this.pump();
  }

  /**
   * Open connections keep a Node process alive: once everything is written,
   * the client is closed after a short idle time (and reconnects on the next
   * export), so a program that simply ends can exit.
   */
  private scheduleIdleDisconnect(): void {
    if (this.idleTimer || this.stopped || !this.connected) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.pumping || this.stopped || !this.connected || this.queueHead < this.queue.length || this.hasSpill) return;
      const old = this.client;
      this.client = this.makeClient();
      this.db = this.client.db(this.dbName);
      this.connected = false;
      void old.close().catch(() => undefined);
    }, IDLE_DISCONNECT_MS);
    this.idleTimer.unref();
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
        const wait = this.retryAt - Date.now();
        if (wait > 0) {
          this.scheduleRetry(wait);
          break;
        }
        if (!(await this.ready())) {
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
      this.scheduleRetry(this.retryAt - Date.now());
    } finally {
      this.pumping = false;
      if (!this.retryTimer && this.queueHead >= this.queue.length && !this.hasSpill) this.scheduleIdleDisconnect();
      this.wake();
    }
  }

  private succeeded(file: SpillFile | undefined): void {
    if (this.outage) diag.info("flowcept: MongoDB is reachable again; writing spilled records");
    this.outage = false;
    this.failures = 0;
    this.retryAt = 0;
    if (file && file !== this.spill && !file.pending) {
      file.close();
      this.claimed.splice(this.claimed.indexOf(file), 1);
    }
    this.wake();
  }

  private failed(): void {
    if (!this.outage) diag.warn(`flowcept: MongoDB unreachable; records are spilled to ${this.spillDir} and retried`);
    this.outage = true;
    this.failures++;
    this.failedAttempts++;
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** Math.min(20, this.failures - 1));
    this.retryAt = Date.now() + delay;
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

  /** Connects (a fresh client after a failed first connection: the driver closes its topology then) and creates indexes. */
  private async ready(): Promise<boolean> {
    if (!this.connected) {
      try {
        await this.client.connect();
        this.connected = true;
      } catch (err) {
        diag.debug(`flowcept: connecting to MongoDB failed: ${errorMessage(err)}`);
        const old = this.client;
        this.client = this.makeClient();
        this.db = this.client.db(this.dbName);
        await old.close().catch(() => undefined);
        return false;
      }
    }
    if (this.indexesReady || !this.opts.createIndexes) return true;
    try {
      await ensureFlowceptIndexes(this.db);
      this.indexesReady = true;
      return true;
    } catch (err) {
      diag.debug(`flowcept: creating indexes failed: ${errorMessage(err)}`);
      return false;
    }
  }

  /** Writes records; false when the database could not be reached (nothing is known written). */
  private async write(records: readonly FlowceptRecord[]): Promise<boolean> {
    const now = new Date();
    const byCollection = new Map<string, { upserts: MongoUpsert[]; records: FlowceptRecord[] }>();
    for (const record of records) {
      let u: MongoUpsert;
      try {
        u = toMongoUpsert(record, now, { removeEmptyFields: this.opts.removeEmptyFields });
      } catch (err) {
        this.reject(record, errorMessage(err));
        continue;
      }
      if (u.truncated.length) diag.warn(`flowcept: ${u.idField} ${u.id} is over 16 MiB; truncated ${u.truncated.join(", ")}`);
      let slot = byCollection.get(u.collection);
      if (!slot) byCollection.set(u.collection, (slot = { upserts: [], records: [] }));
      slot.upserts.push(u);
      slot.records.push(record);
    }
    for (const [name, slot] of byCollection) {
      if (!(await this.bulk(name, slot.upserts, slot.records))) return false;
    }
    return true;
  }

  /** One collection's unordered bulk upsert, with per-document recovery from write errors. */
  private async bulk(name: string, upserts: MongoUpsert[], records: FlowceptRecord[]): Promise<boolean> {
    const collection = this.db.collection(name);
    let pending = upserts.map((_, i) => i);
    const limits = new Map<number, number>();
    for (let round = 0; pending.length && round < MAX_WRITE_ROUNDS; round++) {
      const ops: AnyBulkWriteOperation<Document>[] = pending.map((i) => {
        const u = upserts[i]!;
        return { updateOne: { filter: { [u.idField]: u.id }, update: mergePipeline(u.fields), upsert: true } };
      });
      try {
        await collection.bulkWrite(ops, { ordered: false });
        return true;
      } catch (err) {
        const writeErrors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
        if (!writeErrors.length) {
          diag.debug(`flowcept: bulk write to ${name} failed: ${errorMessage(err)}`);
          return false;
        }
        const next: number[] = [];
        for (const we of writeErrors) {
          const i = pending[we.index];
          if (i === undefined) continue;
          if (we.code === DUPLICATE_KEY) {
            next.push(i); // two upserts raced to insert the same id; the retry updates
          } else if (TOO_LARGE_CODES.has(we.code) && /large|size/i.test(we.errmsg ?? "")) {
            const limit = Math.floor((limits.get(i) ?? MONGO_MAX_DOCUMENT_BYTES) / 4);
            limits.set(i, limit);
            try {
              const prev = upserts[i]!;
              const withId = { ...records[i]!, [prev.idField]: prev.id };
              upserts[i] = toMongoUpsert(withId, prev.fields.registered_at as Date, { removeEmptyFields: this.opts.removeEmptyFields, maxBytes: limit });
              next.push(i);
            } catch (e) {
              this.reject(records[i]!, errorMessage(e));
            }
          } else {
            this.reject(records[i]!, `MongoDB refused the document: ${we.errmsg} (code ${we.code})`);
          }
        }
        pending = next;
      }
    }
    for (const i of pending) this.reject(records[i]!, "still refused after retries");
    return true;
  }

  /** Keeps a record MongoDB will not take in a `rejected-*.jsonl` file beside the spill files, with the reason. */
  private reject(record: FlowceptRecord, reason: string): void {
    const path = join(this.spillDir, `rejected-${hostname().replace(/[^A-Za-z0-9_.]/g, "_")}-${process.pid}.jsonl`);
    try {
      mkdirSync(this.spillDir, { recursive: true });
      appendFileSync(path, `${JSON.stringify({ type: "rejected", reason, at: nowSeconds(), record })}\n`);
      diag.error(`flowcept: a ${String(record.type)} record was refused by MongoDB (${reason}); kept in ${path}`);
    } catch (err) {
      diag.error(`flowcept: a record refused by MongoDB (${reason}) could not be kept: ${errorMessage(err)}`);
    }
  }
}

/** Creates Flowcept's indexes (idempotent). Conflicting existing indexes are left alone with a warning. */
export async function ensureFlowceptIndexes(db: Db): Promise<void> {
  for (const c of COLLECTIONS) {
    try {
      await db.collection(c.name).createIndexes(
        c.indexes.map((i) => ({ key: { [i.field]: 1 }, name: `${i.field}_1`, ...(i.unique ? { unique: true } : {}) })),
      );
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 85 || code === 86 || code === 11000) {
        diag.warn(`flowcept: an index of ${c.name} could not be created: ${errorMessage(err)}`);
        continue;
      }
      throw err;
    }
  }
}
