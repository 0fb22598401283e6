/**
 * One sampler per distinct telemetry configuration in the process, so that
 * workflows running at the same time share one background refresh.
 */
import type { TelemetryToggles } from "./telemetry-types.js";
import { TelemetrySampler } from "./TelemetrySampler.js";

const shared = new Map<string, TelemetrySampler>();

function keyOf(t: Partial<TelemetryToggles>): string {
  return JSON.stringify([!!t.cpu, !!t.per_cpu, !!t.process_info, !!t.mem, !!t.disk, !!t.network, t.gpu ?? null, t.interval_ms ?? null]);
}

/**
 * The process-wide sampler for these toggles (created on first use). Each
 * workflow calls `start()` on it when it starts and `stop()` when it ends;
 * the reference count keeps it running while any workflow needs it.
 */
export function sharedTelemetrySampler(toggles: Partial<TelemetryToggles>): TelemetrySampler {
  const key = keyOf(toggles);
  let sampler = shared.get(key);
  if (!sampler) {
    sampler = new TelemetrySampler(toggles);
    shared.set(key, sampler);
  }
  return sampler;
}
