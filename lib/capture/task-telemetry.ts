/**
 * The seam between the capture paths and the telemetry sampler: JSON text
 * of a telemetry snapshot for a task's start or end.
 *
 * Running workflows install the sampler configured by `telemetry_capture`
 * (one shared sampler, started with the first workflow that needs it and
 * stopped with the last). A task that asks for telemetry explicitly
 * (`telemetryFlowceptTask`, `captureTelemetry: true`) while every block is off
 * gets cpu, memory, disk and network from a default sampler.
 */
import type { FlowceptSettings } from "../settings/settings.js";
import { sharedTelemetrySampler } from "../telemetry/shared-sampler.js";
import type { TelemetrySampler } from "../telemetry/TelemetrySampler.js";

const DEFAULT_TOGGLES = { cpu: true, mem: true, disk: true, network: true };

let configured: TelemetrySampler | undefined;
let users = 0;
let fallback: TelemetrySampler | undefined;
let explicitWanted = false;

/** Notes that some wrapper asks for telemetry explicitly, so workflows start the default sampler up front. */
export function wantTelemetry(): void {
  explicitWanted = true;
}

/** Whether any block of `telemetry_capture` is on. */
export function telemetryConfigured(t: FlowceptSettings["telemetry_capture"]): boolean {
  return Boolean(t.cpu || t.per_cpu || t.process_info || t.mem || t.disk || t.network || (t.gpu && t.gpu.length));
}

/** A workflow starts: the configured sampler runs while any workflow needs it. */
export function acquireTelemetry(settings: FlowceptSettings): TelemetrySampler | undefined {
  let s: TelemetrySampler;
  if (telemetryConfigured(settings.telemetry_capture)) {
    s = sharedTelemetrySampler(settings.telemetry_capture);
    configured = s;
  } else if (explicitWanted) {
    s = sharedTelemetrySampler(DEFAULT_TOGGLES);
  } else return undefined;
  s.start();
  users++;
  return s;
}

/** A workflow ends. */
export function releaseTelemetry(s: TelemetrySampler | undefined): void {
  if (s === undefined) return;
  s.stop();
  users = Math.max(0, users - 1);
  if (users === 0) {
    configured = undefined;
    fallback?.stop();
    fallback = undefined;
  }
}

/** A telemetry snapshot as JSON text, or undefined. Never throws. */
export function telemetrySnapshotJson(): string | undefined {
  try {
    if (configured !== undefined) return configured.captureJson();
    if (fallback === undefined) {
      fallback = sharedTelemetrySampler(DEFAULT_TOGGLES);
      fallback.start();
    }
    return fallback.captureJson();
  } catch {
    return undefined;
  }
}
