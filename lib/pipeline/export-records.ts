/**
 * Handing records to provenance exporters: plain records for exporters that
 * do not take pre-serialised JSON, and the callback contract of
 * `RecordExporter.export` as a promise.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { materializeRecord } from "../records/materialize-record.js";
import type { RawRecord } from "../records/RawJson.js";
import type { RecordExporter } from "../records/record-exporter.js";
import type { FlowceptRecord } from "../records/records.js";

/** The records as `exporter` takes them: as they are when it accepts {@link RawRecord}s, else plain JSON. */
export function recordsFor(exporter: RecordExporter, records: readonly RawRecord[]): FlowceptRecord[] {
  return exporter.acceptsRawJson ? records.slice() : records.map(materializeRecord);
}

/** Exports `records` (already in the exporter's form); resolves when they are durable, rejects with the exporter's error. */
export function exportRecords(exporter: RecordExporter, records: FlowceptRecord[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    try {
      exporter.export(records, (result) => settle(result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error(`${exporter.constructor.name} failed`))));
    } catch (err) {
      settle(err ?? new Error(`${exporter.constructor.name} threw`));
    }
  });
}

/**
 * Hands `records` to every exporter; resolves when all of them report the
 * records durable, rejects with the first failure (after every exporter has
 * answered, so none is still holding a batch the caller will send again).
 */
export async function exportToAll(exporters: readonly RecordExporter[], records: readonly RawRecord[]): Promise<void> {
  let plain: FlowceptRecord[] | undefined;
  const results = await Promise.allSettled(exporters.map((e) => exportRecords(e, e.acceptsRawJson ? records.slice() : (plain ??= recordsFor(e, records)).slice())));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
