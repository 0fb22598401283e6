/**
 * `flowcept-otel/query`: the query API (`FlowceptDb`, which `Flowcept.db`
 * returns), its two backends (the local store with mingo, MongoDB with the
 * official driver) and a workflow's summary. The package entry loads them
 * only when a query runs.
 */
export { LocalQueryBackend } from "./LocalQueryBackend.js";
export type { LocalQueryBackendOptions } from "./LocalQueryBackend.js";
export { MongoQueryBackend, fromMongoDocument } from "./MongoQueryBackend.js";
export type { MongoQueryBackendOptions } from "./MongoQueryBackend.js";
export { summarizeWorkflow, formatWorkflowSummary } from "./workflow-summary.js";
export type { WorkflowSummary, ActivitySummary } from "./workflow-summary.js";
export { FlowceptDb } from "./FlowceptDb.js";
export type { FlowceptDbOptions, TaskWithDepth, ExportQueryOptions } from "./FlowceptDb.js";
export { FlowceptQueryError } from "./query-types.js";
export type { QueryBackend, QueryFilter, QueryOptions, QueryProjection, QuerySort, CollectionName, CollectionQueryOptions } from "./query-types.js";
