import type { JsonSafeLimits } from "../records/json-safe.js";
import { getSettingsSafe, settingsGeneration } from "../settings/settings-loader.js";
import { telemetryConfigured } from "./task-telemetry.js";
import { valueLimits } from "../settings/value-limits.js";

/** What the capture paths need from settings, derived once per settings change. */
export interface CaptureConfig {
  /** `instrumentation.enabled`: when false every wrapper is a pass-through. */
  enabled: boolean;
  limits: JsonSafeLimits;
  /** Whether any task telemetry block is on in `telemetry_capture`. */
  telemetry: boolean;
  /** `otel.io_max_bytes`: cap of the `input.value` / `output.value` span mirrors (0: off). */
  ioMaxBytes: number;
}

let cached: CaptureConfig | undefined;
let cachedGen = -1;

/** The capture configuration for the current settings (cheap: cached). */
export function captureConfig(): CaptureConfig {
  if (cached !== undefined && cachedGen === settingsGeneration()) return cached;
  const s = getSettingsSafe();
  cached = {
    enabled: s.instrumentation.enabled !== false,
    limits: valueLimits(s),
    telemetry: telemetryConfigured(s.telemetry_capture),
    ioMaxBytes: Math.max(0, Math.floor(s.otel.io_max_bytes)),
  };
  cachedGen = settingsGeneration();
  return cached;
}
