/**
 * `flowcept-otel/exporters`: the provenance stores (the JSONL local store,
 * MongoDB with its spill files), the live OpenLineage exporter and the OTLP
 * ingest service — kept out of the package entry, which loads them only
 * when settings ask for them (the ingest loads protobufjs, which capture
 * never needs).
 */
export { JsonlRecordExporter } from "./jsonl/JsonlRecordExporter.js";
export type { JsonlRecordExporterOptions } from "./jsonl/JsonlRecordExporter.js";
export { replayLocalSpill } from "./jsonl/local-spill.js";
export type { ReplayLocalSpillOptions, LocalReplayResult } from "./jsonl/local-spill.js";
export { OtlpIngestServer } from "./otlp-ingest/OtlpIngestServer.js";
export type { OtlpIngestServerOptions, IngestStats, IngestStoreState } from "./otlp-ingest/OtlpIngestServer.js";
export { createIngestExporters } from "./otlp-ingest/ingest-exporters.js";
export { MongoRecordExporter } from "./mongo/MongoRecordExporter.js";
export { ensureFlowceptIndexes } from "./mongo/mongo-indexes.js";
export type { MongoRecordExporterOptions, ReplayProgress, ReplayResult } from "./mongo/MongoRecordExporter.js";
export { mongoExporterOptionsFromSettings, createMongoExporterFromSettings } from "./mongo/exporter-options.js";
export { replaySpill } from "./mongo/replay-spill.js";
export type { ReplaySpillOptions } from "./mongo/replay-spill.js";
export { TRUNCATED_MARKER, MONGO_MAX_DOCUMENT_BYTES } from "./mongo/truncate-document.js";
export { OpenLineageRecordExporter } from "./openlineage/OpenLineageRecordExporter.js";
export type { OpenLineageRecordExporterOptions } from "./openlineage/OpenLineageRecordExporter.js";
export { LineageEndpoint, LineageEndpointError } from "./openlineage/LineageEndpoint.js";
export type { LineageEndpointOptions } from "./openlineage/LineageEndpoint.js";
export { DEFAULT_OPENLINEAGE_NAMESPACE, taskRunEvents, workflowRunEvents } from "./openlineage/openlineage-events.js";
export type { DatasetName } from "./openlineage/file-datasets.js";
export type { FlowceptRecordLike, OpenLineageMappingOptions, OpenLineageRunEvent, RunEventType } from "./openlineage/openlineage-events.js";
