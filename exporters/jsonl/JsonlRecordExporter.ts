import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { bufferFilePath } from "../../lib/settings/buffer-path.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import { appendToFile, closeFile } from "./file-appender.js";
import { recordToJson } from "./record-line.js";

/** Options of {@link JsonlRecordExporter}. */
export interface JsonlRecordExporterOptions {
  /**
   * A fixed file to write. By default the path follows `project.dump_buffer`
   * in the settings at write time (base path, optional workflow-id and
   * process suffixes).
   */
  path?: string | undefined;
}

const PROCESS_SUFFIX = `${hostname()}-${process.pid}`;

/**
 * The local store: appends each record as one JSON line to the buffer file
 * (Flowcept's `dump_buffer` format). Writes are synchronous whole batches, so
 * records reach the file while the program runs and at process exit.
 */
export class JsonlRecordExporter implements RecordExporter {
  readonly kind = "local" as const;
  /** @internal */
  readonly acceptsRawJson = true;
  private readonly fixedPath: string | undefined;
  private readonly paths = new Set<string>();

  constructor(options: JsonlRecordExporterOptions = {}) {
    this.fixedPath = options.path === undefined ? undefined : resolve(options.path);
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
    if (!perWorkflow) {
      const path = this.fixedPath ?? bufferFilePath(settings, undefined, PROCESS_SUFFIX);
      this.write(path, records, db.delete_previous_file);
      return;
    }
    const groups = new Map<string, FlowceptRecord[]>();
    for (const r of records) {
      const path = bufferFilePath(settings, typeof r.workflow_id === "string" ? r.workflow_id : undefined, PROCESS_SUFFIX);
      let g = groups.get(path);
      if (!g) groups.set(path, (g = []));
      g.push(r);
    }
    for (const [path, group] of groups) this.write(path, group, db.delete_previous_file);
  }

  private write(path: string, records: FlowceptRecord[], truncateFirst: boolean): void {
    let text = "";
    for (let i = 0; i < records.length; i++) text += recordToJson(records[i]!) + "\n";
    appendToFile(path, text, truncateFirst && this.fixedPath === undefined);
    this.paths.add(path);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    for (const p of this.paths) closeFile(p);
    this.paths.clear();
    return Promise.resolve();
  }
}
