import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

/**
 * An in-memory provenance exporter whose behaviour tests can change: it can
 * be slow, fail the next N exports, or be unavailable until told otherwise.
 */
export class ControllableExporter implements RecordExporter {
  readonly records: FlowceptRecord[] = [];
  calls = 0;
  failNext = 0;
  down = false;
  delayMs = 0;
  syncExports = 0;

  constructor(
    readonly kind: "local" | "database" = "database",
    private readonly withSync = false,
  ) {}

  export(records: FlowceptRecord[], cb: (r: ExportResult) => void): void {
    this.calls++;
    const finish = () => {
      if (this.down || this.failNext > 0) {
        if (this.failNext > 0) this.failNext--;
        cb({ code: ExportResultCode.FAILED, error: new Error("store unavailable") });
        return;
      }
      this.records.push(...records);
      cb({ code: ExportResultCode.SUCCESS });
    };
    if (this.delayMs > 0) setTimeout(finish, this.delayMs);
    else finish();
  }

  get exportSync(): ((records: FlowceptRecord[]) => void) | undefined {
    if (!this.withSync) return undefined;
    return (records: FlowceptRecord[]) => {
      if (this.down) throw new Error("store unavailable");
      this.syncExports++;
      this.records.push(...records);
    };
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
