/**
 * The seam between the capture paths and the telemetry sampler: JSON text
 * of a telemetry snapshot for a task's start or end, or undefined when no
 * telemetry block is on.
 */
let capture: (() => string | undefined) | undefined;

/** Installs the snapshot source (the telemetry sampler). */
export function setTelemetrySource(source: (() => string | undefined) | undefined): void {
  capture = source;
}

/** A telemetry snapshot as JSON text; never throws. */
export function telemetrySnapshotJson(): string | undefined {
  if (capture === undefined) return undefined;
  try {
    return capture();
  } catch {
    return undefined;
  }
}
