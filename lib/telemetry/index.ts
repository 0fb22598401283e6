export { TelemetrySampler, DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS } from "./TelemetrySampler.js";
export type { TelemetrySamplerOptions } from "./TelemetrySampler.js";
export { sharedTelemetrySampler } from "./shared-sampler.js";
export { telemetrySummary } from "../records/telemetry-summary.js";
export { collectMachineInfo } from "./machine-info.js";
export type { MachineInfoOptions, MachineInfoSettings } from "./machine-info.js";
export { redactEnvironment, redactArgv, redactValue, isSecretName, REDACTED } from "../records/redact.js";
export { TELEMETRY_BLOCKS } from "./telemetry-types.js";
export type {
  TelemetryToggles,
  TelemetryBlockName,
  TelemetryProbe,
  TelemetryProbes,
  ProbeContext,
  TelemetryBackend,
} from "./telemetry-types.js";
