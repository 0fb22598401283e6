/**
 * The seam between the capture paths and the telemetry sampler: JSON text
 * of a telemetry snapshot for a task's start or end.
 *
 * Running workflows install the sampler configured by `telemetry_capture`
 * (one shared sampler, started with the first workflow that needs it and
 * stopped with the last). A task that asks for telemetry explicitly
 * (`telemetryFlowceptTask`, `captureTelemetry: true`) while every block is off
 * gets cpu, memory, disk and network from a default sampler. Such a task
 * also gets this process's own counters (CPU times, memory) read fresh at
 * its start and end: background samples may be older than a short task, the
 * process counters never are.
 */
import { getSettingsSafe, settingsGeneration } from "../settings/settings-loader.js";
import type { FlowceptSettings } from "../settings/settings.js";
import { sharedTelemetrySampler } from "../telemetry/shared-sampler.js";
import type { TelemetrySampler } from "../telemetry/TelemetrySampler.js";
import { ProcessCounters } from "../telemetry/ProcessCounters.js";

/**
 * Whether a task records telemetry: `false`, `true` (the workflow's
 * sampler, as `telemetry_capture` says), or `"explicit"` (asked for by the
 * task: the sampler's blocks plus fresh process counters).
 */
export type TaskTelemetry = boolean | "explicit";

/** The telemetry of a task from its `captureTelemetry` option and whether settings turn any block on. */
export function taskTelemetry(option: boolean | undefined, configured: boolean): TaskTelemetry {
  return option === true ? "explicit" : (option ?? configured);
}

const DEFAULT_TOGGLES = { cpu: true, mem: true, disk: true, network: true };

let users = 0;
/** Samplers started on a task's demand (no workflow had started them); stopped with the last workflow. */
const startedOnDemand = new Set<TelemetrySampler>();
let explicitWanted = false;
let configuredGen = -1;
let configuredNow: TelemetrySampler | undefined;

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
    for (const d of startedOnDemand) d.stop();
    startedOnDemand.clear();
  }
}

let processCounters: ProcessCounters | undefined;

/** The sampler `telemetry_capture` configures now, or undefined when every block is off (looked up once per settings change). */
function configuredSampler(): TelemetrySampler | undefined {
  const gen = settingsGeneration();
  if (gen !== configuredGen) {
    const t = getSettingsSafe().telemetry_capture;
    configuredNow = telemetryConfigured(t) ? sharedTelemetrySampler(t) : undefined;
    configuredGen = gen;
  }
  return configuredNow;
}

/**
 * A telemetry snapshot as JSON text, or undefined. With `"explicit"` it
 * holds a `process` block read now. Never throws.
 */
export function telemetrySnapshotJson(telemetry: TaskTelemetry = true): string | undefined {
  try {
    // The current settings choose the sampler, not whichever workflow started one last.
    const sampler = configuredSampler() ?? sharedTelemetrySampler(DEFAULT_TOGGLES);
    if (!sampler.running) {
      sampler.start();
      startedOnDemand.add(sampler);
    }
    const json = sampler.captureJson();
    if (telemetry !== "explicit" || sampler.blocks.includes("process")) return json;
    processCounters ??= new ProcessCounters();
    const own = `"process":{${processCounters.fields()}}`;
    return json === undefined ? `{${own}}` : `${json.slice(0, -1)},${own}}`;
  } catch {
    return undefined;
  }
}
