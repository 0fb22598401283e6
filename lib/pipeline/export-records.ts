import { ExportResultCode } from "@opentelemetry/core";
import { materializeRecord } from "../records/RawJson.js";
import type { RecordExporter } from "../records/record-exporter.js";
import type { FlowceptRecord } from "../records/records.js";

function exportOne(exporter: RecordExporter, records: FlowceptRecord[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    try {
      exporter.export(records, (result) => {
        if (settled) return;
        settled = true;
        if (result.code === ExportResultCode.SUCCESS) resolve();
        else reject(result.error ?? new Error(`${exporter.constructor.name} failed`));
      });
    } catch (err) {
      if (!settled) {
        settled = true;
        reject(err);
      }
    }
  });
}

/**
 * Hands `records` to every exporter (as plain JSON to those that do not take
 * pre-serialised values); resolves when all of them report the
 * records durable, rejects with the first failure (after every exporter has
 * answered, so none is still holding a batch the caller will send again).
 */
export async function exportToAll(exporters: readonly RecordExporter[], records: FlowceptRecord[]): Promise<void> {
  let plain: FlowceptRecord[] | undefined;
  const results = await Promise.allSettled(
    exporters.map((e) => exportOne(e, e.acceptsRawJson ? records.slice() : (plain ??= records.map(materializeRecord)).slice())),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
