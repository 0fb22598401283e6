/**
 * Types shared by the telemetry sampler, its probes and machine-info collection.
 */
import type { JsonObject } from "../records/records.js";
import type { FlowceptSettings } from "../settings/settings.js";

/** The `telemetry_capture` settings block (Flowcept's toggles plus `interval_ms`). */
export type TelemetryToggles = FlowceptSettings["telemetry_capture"];

/**
 * Names of the blocks in a telemetry snapshot, in the order they are written.
 * They are Flowcept's: `cpu`, `process`, `memory`, `disk`, `network`, `gpu`.
 */
export const TELEMETRY_BLOCKS = ["cpu", "process", "memory", "disk", "network", "gpu"] as const;

/** One of {@link TELEMETRY_BLOCKS}. */
export type TelemetryBlockName = (typeof TELEMETRY_BLOCKS)[number];

/** What a probe gets on each background refresh. */
export interface ProbeContext {
  /** Aborted when the sampler stops; probes that spawn processes or wait must honour it. */
  readonly signal: AbortSignal;
}

/**
 * Reads one block in the background. Resolves to the block (a JSON object with
 * Flowcept's field names) or `undefined` when there is nothing to report (for
 * example no visible GPU). Rejecting or throwing drops the block.
 *
 * The `process` probe returns only the slowly changing process fields
 * (`num_threads`, `num_open_file_descriptors`, `io_counters`, `vms`); the
 * sampler adds the per-call counters itself.
 */
export type TelemetryProbe = (ctx: ProbeContext) => Promise<JsonObject | undefined>;

/** One probe per block. */
export type TelemetryProbes = Record<TelemetryBlockName, TelemetryProbe>;

/** Where background blocks come from. */
export type TelemetryBackend = "procfs" | "portable";
