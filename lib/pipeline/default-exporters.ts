import { JsonlRecordExporter } from "../../exporters/jsonl/JsonlRecordExporter.js";
import { lazyModule } from "../util/lazy-module.js";
import type { RecordExporter } from "../records/record-exporter.js";
import type { FlowceptSettings } from "../settings/settings.js";

const mongoExporter = lazyModule<typeof import("../../exporters/mongo/exporter-options.js")>("../../exporters/mongo/exporter-options.js", import.meta.url);

/**
 * The exporters settings ask for: the JSONL local store when
 * `project.dump_buffer.enabled`, MongoDB when `databases.mongodb.enabled`
 * (or `FLOWCEPT_MONGO_URI` is set). Creating the MongoDB exporter replays
 * spill files left by earlier processes.
 */
export function createDefaultExporters(settings: FlowceptSettings): RecordExporter[] {
  const out: RecordExporter[] = [];
  if (settings.project.dump_buffer.enabled) out.push(new JsonlRecordExporter());
  if (settings.databases.mongodb.enabled) {
    const mongo = mongoExporter().createMongoExporterFromSettings(settings);
    if (mongo) out.push(mongo);
  }
  return out;
}
