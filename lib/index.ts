/**
 * `flowcept-otel`: workflow provenance on OpenTelemetry. The capture API
 * (controller, wrappers, decorators, loops, custom tasks), the span
 * processor and registration, settings, reading the local store, and the
 * record types. Library instrumentations and file observers are at
 * `flowcept-otel/instrumentations`, exporters and the OTLP ingest service at
 * `flowcept-otel/exporters`, the query backends, lineage and run diffs at
 * `flowcept-otel/query`.
 */
import { provideInterceptors } from "./capture/interceptors.js";
import { lazyModule } from "./util/lazy-module.js";

const observers = lazyModule<typeof import("../instrumentations/file-observers/interceptors.js")>("../instrumentations/file-observers/interceptors.js", import.meta.url);
provideInterceptors(() => observers().fileObserverInterceptors);

export { Flowcept } from "./capture/Flowcept.js";
export type { FlowceptOptions, StopOptions } from "./capture/Flowcept.js";
export { flowceptTask, telemetryFlowceptTask } from "./capture/flowcept-task.js";
export type { TaskOptions } from "./capture/flowcept-task.js";
export { lightweightFlowceptTask } from "./capture/lightweight-task.js";
export { flowceptWorkflow } from "./capture/flowcept-workflow.js";
export type { WorkflowOptions } from "./capture/flowcept-workflow.js";
export { task, workflow } from "./capture/decorators.js";
export type { ArgsHandler, BindingOptions } from "./capture/task-binding.js";
export { FlowceptLoop } from "./capture/FlowceptLoop.js";
export { FlowceptLightweightLoop } from "./capture/FlowceptLightweightLoop.js";
export type { LoopOptions } from "./capture/LoopBase.js";
export type { LoopItems } from "./capture/loop-items.js";
export { FlowceptTask } from "./capture/FlowceptTask.js";
export type { FlowceptTaskOptions, FlowceptTaskEnd } from "./capture/FlowceptTask.js";

export { FlowceptSpanProcessor } from "./pipeline/FlowceptSpanProcessor.js";
export type { FlowceptSpanProcessorOptions } from "./pipeline/FlowceptSpanProcessor.js";
export type { RecordMask } from "./pipeline/record-mask.js";
export type { RecordSubscription, SubscribeOptions } from "./pipeline/record-subscribers.js";
export type { SpanMatch, SpanMatchOption, NamePattern } from "./pipeline/span-match.js";
export { registerFlowcept } from "./pipeline/register-flowcept.js";
export type { RegisterFlowceptOptions, FlowceptRegistration, OtelInstrumentation } from "./pipeline/register-flowcept.js";
export { FlowceptPropagator } from "./context/FlowceptPropagator.js";
export { flowceptEnv, joinWorkflowFromEnv } from "./context/workflow-env.js";
export type { FlowceptEnv } from "./context/workflow-env.js";
export type { WorkflowScope } from "./context/workflow-scope.js";

export { configure, getSettings, resetSettings } from "./settings/settings-loader.js";
export { FlowceptSettingsError } from "./settings/settings.js";
export type { FlowceptSettings, SettingsOverrides, ModelInstrumentationSettings, GpuMetric } from "./settings/settings.js";

export type { ReadBufferOptions } from "../exporters/jsonl/buffer-file.js";
export type { FlowceptDb } from "./query/FlowceptDb.js";
export { FlowceptQueryError } from "./query/query-types.js";
export { ReportError } from "./report/ReportError.js";
export type { GenerateReportOptions, ReportResult } from "./report/generate-report.js";
export type { QueryFilter, QueryOptions, QueryProjection, QuerySort, CollectionName } from "./query/query-types.js";

export { Status } from "./records/records.js";
export type { StatusValue, JsonValue, JsonObject, BaseRecord, TaskRecord, WorkflowRecord, FlowceptRecord } from "./records/records.js";
export type { RecordExporter } from "./records/record-exporter.js";
export type { AnyFunction } from "./util/any-function.js";
