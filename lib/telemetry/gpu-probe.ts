/**
 * The background probe for the `gpu` block (NVIDIA, through `nvidia-smi`).
 */
import { gpuBlock, queryNvidiaGpus } from "./nvidia-smi.js";
import type { ProbeContext, TelemetryProbe } from "./telemetry-types.js";

/** GPU options shared by every probe set. */
export interface GpuProbeOptions {
  /** Flowcept's `telemetry_capture.gpu`: metrics to report, `null`/empty for none. */
  gpuMetrics?: readonly string[] | null;
  /** The `nvidia-smi` executable. Default `nvidia-smi`, found through `PATH`. */
  nvidiaSmi?: string;
  /** Longest a spawned tool may run before it is killed. Default 5000 ms. */
  probeTimeoutMs?: number;
  /** Environment read for `CUDA_VISIBLE_DEVICES` (when the probe is made). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A probe that reports the visible NVIDIA GPUs; resolves to undefined when none is visible. */
export function gpuProbe(opts: GpuProbeOptions): TelemetryProbe {
  const metrics = new Set(opts.gpuMetrics ?? []);
  const visible = (opts.env ?? process.env).CUDA_VISIBLE_DEVICES;
  return async ({ signal }: ProbeContext) => {
    if (metrics.size === 0) return undefined;
    const gpus = await queryNvidiaGpus({ command: opts.nvidiaSmi, timeoutMs: opts.probeTimeoutMs, signal });
    return gpuBlock(gpus, metrics, visible);
  };
}
