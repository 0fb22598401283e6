/**
 * `flowcept-otel/query`: the query API (`FlowceptDb`, which `Flowcept.db`
 * returns), its two backends (the local store with mingo, MongoDB with the
 * official driver), a workflow's summary, lineage (and the lineage rule that
 * identifies values by content), run diffs, and exports to the provenance
 * standards (W3C PROV, Workflow Run RO-Crate, OpenLineage). The package
 * entry loads them only when a query runs.
 */
export { LocalQueryBackend } from "./LocalQueryBackend.js";
export type { LocalQueryBackendOptions } from "./LocalQueryBackend.js";
export { MongoQueryBackend, fromMongoDocument } from "./MongoQueryBackend.js";
export type { MongoQueryBackendOptions } from "./MongoQueryBackend.js";
export { summarizeWorkflow, formatWorkflowSummary } from "./workflow-summary.js";
export type { WorkflowSummary, ActivitySummary, AgentSummary } from "./workflow-summary.js";
export { FlowceptDb } from "./FlowceptDb.js";
export type { FlowceptDbOptions, TaskWithDepth, ExportQueryOptions } from "./FlowceptDb.js";
export { FlowceptQueryError } from "./query-types.js";
export type { QueryBackend, QueryFilter, QueryOptions, QueryProjection, QuerySort, CollectionName, CollectionQueryOptions } from "./query-types.js";
export { DEFAULT_LINEAGE_RULE, LineageRuleError, canonicalJson, isNonTrivial, keyMatches, lineageRule, taskValues, valueId } from "./lineage-rule.js";
export type { LineageRule, TaskValue } from "./lineage-rule.js";
export type {
  LineageDirection,
  LineageEdge,
  LineageEdgeClass,
  LineageGraph,
  LineageNode,
  LineageOptions,
  LineageProgress,
  LineageSide,
  LineageTaskNode,
  LineageValueNode,
} from "./lineage-types.js";
export { lineageToDot, lineageToMermaid } from "./lineage-formats.js";
export { diffWorkflows, formatWorkflowDiff } from "./workflow-diff.js";
export type { ActivityDiff, DiffOptions, FieldChange, RunHeader, TaskPairDiff, WorkflowDiff, WorkflowRun } from "./workflow-diff.js";
export { EXPORT_FORMATS, exportRecords, exportWorkflow } from "./standards/export-workflow.js";
export type { ExportFormat, ExportOptions, ExportResult } from "./standards/export-workflow.js";
export type { ExportSource } from "./standards/export-input.js";
