/**
 * Picks the probe set for this platform.
 */
import { existsSync } from "node:fs";
import { createPortableProbes } from "./portable-probes.js";
import { createProcfsProbes, type ProcfsProbeOptions } from "./procfs-probes.js";
import type { TelemetryBackend, TelemetryProbes } from "./telemetry-types.js";

/** `procfs` where Linux's `/proc` is mounted, `portable` elsewhere. */
export function defaultBackend(): TelemetryBackend {
  return process.platform === "linux" && existsSync("/proc/stat") ? "procfs" : "portable";
}

/** The built-in probes of `backend` (default: {@link defaultBackend}). */
export function createProbes(opts: ProcfsProbeOptions & { backend?: TelemetryBackend }): TelemetryProbes {
  return (opts.backend ?? defaultBackend()) === "procfs" ? createProcfsProbes(opts) : createPortableProbes(opts);
}
