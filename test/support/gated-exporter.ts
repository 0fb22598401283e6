import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

/**
 * A database-like exporter that holds every batch until the test opens the
 * gate (or fails it): backpressure without timing.
 */
export class GatedExporter implements RecordExporter {
  readonly kind = "database" as const;
  readonly records: FlowceptRecord[] = [];
  private waiting: { records: FlowceptRecord[]; cb: (r: ExportResult) => void }[] = [];
  private arrivals: (() => void)[] = [];
  open = false;

  export(records: FlowceptRecord[], cb: (r: ExportResult) => void): void {
    if (this.open) {
      this.records.push(...records);
      cb({ code: ExportResultCode.SUCCESS });
    } else this.waiting.push({ records, cb });
    for (const a of this.arrivals.splice(0)) a();
  }

  /** Batches held at the gate. */
  get held(): number {
    return this.waiting.length;
  }

  /** Resolves once `n` batches are held. */
  async whenHolding(n: number): Promise<void> {
    while (this.waiting.length < n) await new Promise<void>((r) => this.arrivals.push(r));
  }

  /** Accepts everything held, and everything after. */
  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) {
      this.records.push(...w.records);
      w.cb({ code: ExportResultCode.SUCCESS });
    }
  }

  /** Fails everything held (the store is down). */
  fail(): void {
    for (const w of this.waiting.splice(0)) w.cb({ code: ExportResultCode.FAILED, error: new Error("store unavailable") });
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
