import { JsonlRecordExporter } from "../exporters/JsonlRecordExporter.js";
import { createMongoExporterFromSettings } from "../exporters/mongo-exporter-options.js";
import type { RecordExporter } from "./record-exporter.js";
import type { FlowceptSettings } from "./settings.js";

/**
 * The exporters settings ask for: the JSONL local store when
 * `project.dump_buffer.enabled`, MongoDB when `databases.mongodb.enabled`
 * (or `FLOWCEPT_MONGO_URI` is set). Creating the MongoDB exporter replays
 * spill files left by earlier processes.
 */
export function createDefaultExporters(settings: FlowceptSettings): RecordExporter[] {
  const out: RecordExporter[] = [];
  if (settings.project.dump_buffer.enabled) out.push(new JsonlRecordExporter());
  const mongo = createMongoExporterFromSettings(settings);
  if (mongo) out.push(mongo);
  return out;
}
