import { createDefaultExporters } from "../../lib/pipeline/default-exporters.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptSettings } from "../../lib/settings/settings.js";

/**
 * Where the ingest service stores records: the database exporters settings
 * configure (MongoDB), else the local exporters (the JSONL store, relative
 * to the working directory unless its path is absolute).
 */
export function createIngestExporters(settings: FlowceptSettings): RecordExporter[] {
  const all = createDefaultExporters(settings);
  const databases = all.filter((e) => e.kind === "database");
  if (databases.length === 0) return all;
  // The local exporters are not used: shut them (they hold nothing yet).
  for (const e of all) if (e.kind !== "database") void e.shutdown().catch(() => undefined);
  return databases;
}
