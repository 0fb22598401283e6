import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { materializeRecord } from "../../lib/records/materialize-record.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

/**
 * The provenance exporter of a worker thread: it keeps records in memory
 * until the running task's reply carries them to the thread that submitted
 * the task, whose own exporters write them (one writer per store, the
 * submitting thread's settings and masks apply).
 */
export class RelayRecordExporter implements RecordExporter {
  readonly kind = "local" as const;
  private held: FlowceptRecord[] = [];

  export(records: FlowceptRecord[], cb: (r: ExportResult) => void): void {
    this.exportSync(records);
    cb({ code: ExportResultCode.SUCCESS });
  }

  exportSync(records: FlowceptRecord[]): void {
    for (const r of records) this.held.push(materializeRecord(r));
  }

  /** Takes the records held so far. */
  drain(): FlowceptRecord[] {
    const out = this.held;
    this.held = [];
    return out;
  }

  /** Records held. */
  get size(): number {
    return this.held.length;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
