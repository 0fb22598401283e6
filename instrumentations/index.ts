/**
 * `flowcept-otel/instrumentations`: provenance from libraries (MCP tools,
 * TensorFlow.js models, worker pools) and from files other tools write
 * (TensorBoard logs, MLflow stores).
 */
export { agentFlowceptTask, AGENT_TOOL, instrumentMcpServer, instrumentMcpClient, McpInstrumentation, MCP_ESM_PATTERNS } from "./mcp/index.js";
export type { AgentTaskOptions, McpToolOptions, McpInstrumentationConfig } from "./mcp/index.js";
export { flowceptModel, TfjsInstrumentation, PARENT_FORWARD, CHILD_FORWARD, EPOCHS_LOOP } from "./tfjs/index.js";
export type { FlowceptModelOptions, TfjsInstrumentationConfig } from "./tfjs/index.js";
export { instrumentPiscina, PiscinaInstrumentation } from "./piscina/index.js";
export type { PiscinaInstrumentationConfig } from "./piscina/index.js";
export { runInWorker, serveWorkerTasks } from "./workers/index.js";
export type { RunInWorkerOptions, WorkerTaskOptions } from "./workers/index.js";
export { autoInstrumentations, requestedInstrumentations, INSTRUMENTATION_NAMES } from "./auto-instrumentations.js";
export type { InstrumentationName } from "./auto-instrumentations.js";
export { registerEsmHook } from "./esm-hook.js";
export { createAdapter, ADAPTER_KINDS, adapterConfigFromSettings, resolveAdapterConfig, defaultAdapterConfig } from "./file-observers/index.js";
export type { DataAdapter, AdapterSink, AdapterOptions, AdapterConfig, AdapterKind, AdapterCounters, TensorBoardLogTag } from "./file-observers/index.js";
export type { McpServerClass, McpClientClass } from "./mcp/McpInstrumentation.js";
export type { PiscinaModule } from "./piscina/PiscinaInstrumentation.js";
export type { PiscinaLike } from "./piscina/instrument-piscina.js";
export type { AnyFunction } from "../lib/util/any-function.js";
