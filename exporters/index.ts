export { MongoRecordExporter, ensureFlowceptIndexes } from "./MongoRecordExporter.js";
export type { MongoRecordExporterOptions, ReplayProgress, ReplayResult } from "./MongoRecordExporter.js";
export { mongoExporterOptionsFromSettings, createMongoExporterFromSettings } from "./mongo-exporter-options.js";
export { replaySpill } from "./replay-spill.js";
export type { ReplaySpillOptions } from "./replay-spill.js";
export { SpillFile } from "./SpillFile.js";
export { TRUNCATED_MARKER, MONGO_MAX_DOCUMENT_BYTES } from "./truncate-document.js";
export { JsonlRecordExporter } from "./JsonlRecordExporter.js";
export type { JsonlRecordExporterOptions } from "./JsonlRecordExporter.js";
