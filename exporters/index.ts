/**
 * `flowcept-otel/exporters`: provenance exporters and the OTLP ingest
 * service (kept out of the package entry: the ingest loads protobufjs,
 * which capture never needs).
 */
export { JsonlRecordExporter } from "./JsonlRecordExporter.js";
export type { JsonlRecordExporterOptions } from "./JsonlRecordExporter.js";
export { OtlpIngestServer } from "./OtlpIngestServer.js";
export type { OtlpIngestServerOptions, IngestStats } from "./OtlpIngestServer.js";
export { createIngestExporters } from "./ingest-exporters.js";
export { otlpSpanToData, otlpAttributes, OtlpSpanError } from "./otlp-span-data.js";
export { otlpRequestToRecords } from "./otlp-records.js";
export type { OtlpRequestRecords, OtlpMappingOptions } from "./otlp-records.js";
export type { OtlpTraceRequest, OtlpResourceSpans, OtlpScopeSpans, OtlpSpan, OtlpKeyValue, OtlpAnyValue, OtlpEvent, OtlpId, OtlpInt64, OtlpTraceResponse } from "./otlp-types.js";
export { MongoRecordExporter, ensureFlowceptIndexes } from "./MongoRecordExporter.js";
export type { MongoRecordExporterOptions, ReplayProgress, ReplayResult } from "./MongoRecordExporter.js";
export { mongoExporterOptionsFromSettings, createMongoExporterFromSettings } from "./mongo-exporter-options.js";
export { replaySpill } from "./replay-spill.js";
export type { ReplaySpillOptions } from "./replay-spill.js";
export { SpillFile } from "./SpillFile.js";
export { TRUNCATED_MARKER, MONGO_MAX_DOCUMENT_BYTES } from "./truncate-document.js";
