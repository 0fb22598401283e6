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

/** The bytes of `text` past the last whole line among its first `written` bytes. */
function unwritten(text: string, written: number): string {
  if (written <= 0) return text;
  const buf = Buffer.from(text, "utf8");
  const cut = buf.lastIndexOf(10, written - 1);
  return cut === -1 ? text : buf.toString("utf8", cut + 1);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
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
      const path = this.fixedPath ?? bufferFilePath(settings, undefined, PROCESS_SUFFIX);
      this.write(path, records, deletePrevious);
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

  private write(path: string, records: FlowceptRecord[], deletePrevious: boolean): void {
    let text = "";
    for (let i = 0; i < records.length; i++) {
      try {
        text += recordToJson(records[i]!) + "\n";
      } catch (err) {
        this.reject(records[i]!, `not serialisable as JSON: ${errorMessage(err)}`);
      }
    }
    if (!text) return;
    // Only the process that records a workflow (it writes the workflow record) may empty the file.
    const truncate = deletePrevious && !this.paths.has(path) && records.some((r) => r.type === "workflow");
    this.append(path, text, truncate);
  }

  private append(path: string, text: string, truncate: boolean): void {
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

  private spill(outage: Outage, text: string): void {
    if (!text) return;
    outage.spill.appendText(text);
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
