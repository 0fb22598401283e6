import { JsonlRecordExporter } from "../exporters/JsonlRecordExporter.js";
import type { RecordExporter } from "./record-exporter.js";
import type { FlowceptSettings } from "./settings.js";

/** The exporters settings ask for: the JSONL local store when `project.dump_buffer.enabled`. */
export function createDefaultExporters(settings: FlowceptSettings): RecordExporter[] {
  const out: RecordExporter[] = [];
  if (settings.project.dump_buffer.enabled) out.push(new JsonlRecordExporter());
  return out;
}
