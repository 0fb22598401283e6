import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { diag } from "@opentelemetry/api";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { bufferFilePath } from "../../lib/settings/buffer-path.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { RejectedRecordFile } from "../../lib/records/RejectedRecordFile.js";
import type { SpillFile } from "../../lib/records/SpillFile.js";
import { materializeRecord } from "../../lib/records/materialize-record.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import type { FlowceptSettings } from "../../lib/settings/settings.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { AppendError, appendToFile, closeFile } from "./file-appender.js";
import { appendSpillToStore, createStoreSpill, localSpillRoots, removeIfEmpty, replayLocalSpill } from "./local-spill.js";
import { recordToJson } from "./record-line.js";

/** Options of {@link JsonlRecordExporter}. */
export interface JsonlRecordExporterOptions {
  /**
   * A fixed file to write. By default the path follows `project.dump_buffer`
   * in the settings at write time (base path, optional workflow-id and
   * process suffixes).
   */
  path?: string | undefined;
  /**
   * Where records go while the store cannot be written. Default: the first
   * of `db_buffer.spill_dir`, `~/.flowcept/spill` and
   * `<tmpdir>/flowcept-spill-<uid>` that takes them.
   */
  spillDir?: string | undefined;
}

const PROCESS_SUFFIX = `${hostname()}-${process.pid}`;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** Exporters with a store file in outage: their counts are reported, and spill files released, at exit. */
const withOutages = new Set<JsonlRecordExporter>();
let exitHook = false;

/** A store file that refused a write: its records go to a spill file until it takes them again. */
interface Outage {
  reason: string;
  spill: SpillFile;
  /** Records spilled since the store refused. */
  records: number;
  retryAt: number;
  delay: number;
}

/** The lines of `data` past the last whole line among its first `written` bytes. */
function unwritten(data: Buffer, written: number): Buffer {
  if (written <= 0) return data;
  const cut = data.lastIndexOf(10, written - 1);
  return cut === -1 ? data : data.subarray(cut + 1);
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Where a batch's lines are encoded, reused from batch to batch: each line
 * goes straight into it as UTF-8 and the batch is one write, with no string
 * of the whole batch. Taken (set to undefined) while a batch is in it.
 */
let lineBuffer: Buffer | undefined;

/** `buf`, or a copy of its first `used` bytes in a bigger one, with room for `need` more bytes. */
function room(buf: Buffer, used: number, need: number): Buffer {
  if (used + need <= buf.length) return buf;
  const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + need));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * The local store: appends each record as one JSON line to the buffer file
 * (Flowcept's `dump_buffer` format). Writes are synchronous whole batches, so
 * records reach the file while the program runs and at process exit.
 *
 * Nothing is lost and nothing blocks: a record that cannot be written as
 * JSON is set aside with the reason in a rejected-records file; when the
 * file cannot be written (full disk, read-only folder, `/dev/full`) the
 * records go to a spill file named in one warning, and are appended to the
 * store once it is writable again (see `local-spill.ts`).
 */
export class JsonlRecordExporter implements RecordExporter {
  readonly kind = "local" as const;
  /** @internal */
  readonly acceptsRawJson = true;
  private readonly fixedPath: string | undefined;
  private readonly spillDir: string | undefined;
  private readonly paths = new Set<string>();
  private readonly outages = new Map<string, Outage>();
  private rejected: RejectedRecordFile | undefined;
  private resolved: { settings: FlowceptSettings; base: string; perProcess: boolean; cwd: string; path: string } | undefined;

  constructor(options: JsonlRecordExporterOptions = {}) {
    this.fixedPath = options.path === undefined ? undefined : resolve(options.path);
    this.spillDir = options.spillDir;
  }

  export(records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void {
    try {
      this.exportSync(records);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  exportSync(records: FlowceptRecord[]): void {
    if (records.length === 0) return;
    const settings = getSettingsSafe();
    const db = settings.project.dump_buffer;
    const perWorkflow = this.fixedPath === undefined && db.append_workflow_id_to_path;
    const deletePrevious = db.delete_previous_file && this.fixedPath === undefined;
    if (!perWorkflow) {
      this.write(this.fixedPath ?? this.storePath(settings), records, deletePrevious);
      return;
    }
    const groups = new Map<string, FlowceptRecord[]>();
    for (const r of records) {
      const path = bufferFilePath(settings, typeof r.workflow_id === "string" ? r.workflow_id : undefined, PROCESS_SUFFIX);
      let g = groups.get(path);
      if (!g) groups.set(path, (g = []));
      g.push(r);
    }
    // Each file on its own: one that refuses does not hold back the others.
    let failure: unknown;
    for (const [path, group] of groups) {
      try {
        this.write(path, group, deletePrevious);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** The store file of `settings`, resolved again only when they (or the working folder a relative path is in) change. */
  private storePath(settings: FlowceptSettings): string {
    const db = settings.project.dump_buffer;
    const cwd = process.cwd();
    const r = this.resolved;
    if (r === undefined || r.settings !== settings || r.base !== db.path || r.perProcess !== db.append_id_to_path || r.cwd !== cwd) {
      this.resolved = { settings, base: db.path, perProcess: db.append_id_to_path, cwd, path: bufferFilePath(settings, undefined, PROCESS_SUFFIX) };
    }
    return this.resolved!.path;
  }

  private write(path: string, records: FlowceptRecord[], deletePrevious: boolean): void {
    let buf = lineBuffer ?? Buffer.allocUnsafe(256 * 1024);
    lineBuffer = undefined;
    try {
      let used = 0;
      for (let i = 0; i < records.length; i++) {
        let line: string;
        try {
          line = recordToJson(records[i]!);
        } catch (err) {
          this.reject(records[i]!, `not serialisable as JSON: ${errorMessage(err)}`);
          continue;
        }
        buf = room(buf, used, line.length * 3 + 1);
        used += buf.write(line, used);
        buf[used++] = 10;
      }
      if (used === 0) return;
      // Only the process that records a workflow (it writes the workflow record) may empty the file.
      const truncate = deletePrevious && !this.paths.has(path) && records.some((r) => r.type === "workflow");
      this.append(path, buf.subarray(0, used), truncate);
    } finally {
      // A batch far above the usual size does not keep its buffer.
      if (buf.length <= 4 * 1024 * 1024) lineBuffer = buf;
    }
  }

  private append(path: string, text: Buffer, truncate: boolean): void {
    const outage = this.outages.get(path);
    if (outage && Date.now() < outage.retryAt) {
      this.spill(outage, text);
      return;
    }
    try {
      appendToFile(path, text, truncate);
    } catch (err) {
      const e = err instanceof AppendError ? err : new AppendError(path, 0, "EIO", err);
      const rest = unwritten(text, e.written);
      if (outage) {
        outage.delay = Math.min(outage.delay * 2, MAX_RETRY_MS);
        outage.retryAt = Date.now() + outage.delay;
        this.spill(outage, rest);
      } else {
        this.spill(this.startOutage(path, e), rest);
      }
      return;
    }
    if (outage) this.recover(path, outage);
    if (!this.paths.has(path)) {
      this.paths.add(path);
      this.replayOrphans(path);
    }
  }

  private startOutage(path: string, e: AppendError): Outage {
    let spill: SpillFile;
    try {
      spill = createStoreSpill(path, localSpillRoots(this.spillDir));
    } catch (err) {
      throw new Error(`cannot write the local store ${path} (${e.message}), and ${errorMessage(err)}`, { cause: e });
    }
    const outage: Outage = { reason: e.message, spill, records: 0, retryAt: Date.now() + FIRST_RETRY_MS, delay: FIRST_RETRY_MS };
    this.outages.set(path, outage);
    withOutages.add(this);
    // Added after the pipeline's own exit flush, so the count includes what that flush writes.
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => {
        for (const e of withOutages) e.closeOutages();
      });
    }
    diag.error(
      `flowcept: cannot write the local store ${path} (${e.message}); its records go to ${spill.path} until it is writable again, ` +
        "then they are appended to it (by this process, by the next one that writes the store, or by `flowcept-otel replay --local`)",
    );
    return outage;
  }

  private spill(outage: Outage, text: Buffer): void {
    if (text.length === 0) return;
    outage.spill.appendText(text.toString("utf8"));
    outage.records += countLines(text);
  }

  /** The store took a write again: what was spilled meanwhile is appended to it. */
  private recover(path: string, outage: Outage): void {
    try {
      appendSpillToStore(outage.spill, path, true);
    } catch (err) {
      outage.retryAt = Date.now() + outage.delay;
      diag.debug(`flowcept: ${path} took a write but not the spilled records yet: ${errorMessage(err)}`);
      return;
    }
    this.outages.delete(path);
    outage.spill.close();
    removeIfEmpty(dirname(outage.spill.path));
    diag.warn(`flowcept: the local store ${path} is writable again; the ${outage.records} records kept in ${outage.spill.path} meanwhile were appended to it`);
  }

  /** Spill files of processes that are gone, for a store this process writes for the first time. */
  private replayOrphans(path: string): void {
    try {
      replayLocalSpill({ storePath: path, spillDirs: localSpillRoots(this.spillDir) });
    } catch (err) {
      diag.warn(`flowcept: spill files of ${path} left by earlier processes were not appended: ${errorMessage(err)}`);
    }
  }

  private reject(record: FlowceptRecord, reason: string): void {
    let plain: FlowceptRecord = record;
    try {
      plain = materializeRecord(record);
    } catch {
      // kept as it is
    }
    this.rejected ??= new RejectedRecordFile(localSpillRoots(this.spillDir)[0]!, "the local store");
    this.rejected.keep(plain, reason);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  keptAside(): string | undefined {
    for (const [path, outage] of this.outages) return `cannot write ${path} (${outage.reason}); records go to ${outage.spill.path}`;
    return undefined;
  }

  /** @internal Ends every outage: a store writable again gets its records; otherwise the spill file is released with a count. */
  closeOutages(): void {
    for (const [path, outage] of this.outages) {
      closeFile(path);
      if (outage.spill.pending) this.recover(path, outage);
      if (!this.outages.has(path)) continue;
      outage.spill.close();
      if (outage.records === 0) {
        removeIfEmpty(dirname(outage.spill.path));
        continue;
      }
      diag.error(
        `flowcept: ${outage.records} records could not be written to the local store ${path} (${outage.reason}); they are kept in ${outage.spill.path} ` +
          "and are appended to the store by the next process that writes it, or by `flowcept-otel replay --local`",
      );
    }
    this.outages.clear();
    withOutages.delete(this);
  }

  shutdown(): Promise<void> {
    this.closeOutages();
    for (const p of this.paths) closeFile(p);
    this.paths.clear();
    return Promise.resolve();
  }
}
