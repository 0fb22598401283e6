/**
 * `flowcept-otel/exporters`: provenance exporters and the OTLP ingest
 * service (kept out of the package entry: the ingest loads protobufjs,
 * which capture never needs).
 */
export { JsonlRecordExporter } from "./jsonl/JsonlRecordExporter.js";
export type { JsonlRecordExporterOptions } from "./jsonl/JsonlRecordExporter.js";
export { OtlpIngestServer } from "./otlp-ingest/OtlpIngestServer.js";
export type { OtlpIngestServerOptions, IngestStats } from "./otlp-ingest/OtlpIngestServer.js";
export { createIngestExporters } from "./otlp-ingest/ingest-exporters.js";
export { otlpSpanToData, otlpAttributes, OtlpSpanError } from "./otlp-ingest/otlp-span-data.js";
export { otlpRequestToRecords } from "./otlp-ingest/otlp-records.js";
export type { OtlpRequestRecords, OtlpMappingOptions } from "./otlp-ingest/otlp-records.js";
export type { OtlpTraceRequest, OtlpResourceSpans, OtlpScopeSpans, OtlpSpan, OtlpKeyValue, OtlpAnyValue, OtlpEvent, OtlpId, OtlpInt64, OtlpTraceResponse } from "./otlp-ingest/otlp-types.js";
export { MongoRecordExporter } from "./mongo/MongoRecordExporter.js";
export { ensureFlowceptIndexes } from "./mongo/mongo-indexes.js";
export type { MongoRecordExporterOptions, ReplayProgress, ReplayResult } from "./mongo/MongoRecordExporter.js";
export { mongoExporterOptionsFromSettings, createMongoExporterFromSettings } from "./mongo/exporter-options.js";
export { replaySpill } from "./mongo/replay-spill.js";
export type { ReplaySpillOptions } from "./mongo/replay-spill.js";
export { SpillFile } from "./mongo/SpillFile.js";
export { TRUNCATED_MARKER, MONGO_MAX_DOCUMENT_BYTES } from "./mongo/truncate-document.js";
