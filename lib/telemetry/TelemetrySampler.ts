import { setTimeout as sleep } from "node:timers/promises";
import { diag } from "@opentelemetry/api";
import type { JsonObject } from "../records/records.js";
import { agedJson, agedJsonPerEntry, cleanBlock, type AgedJson } from "./json-block.js";
import { createProbes } from "./create-probes.js";
import { ProcessCounters } from "./ProcessCounters.js";
import { NVIDIA_METRICS } from "./nvidia-smi.js";
import {
  TELEMETRY_BLOCKS,
  type TelemetryBackend,
  type TelemetryBlockName,
  type TelemetryProbes,
  type TelemetryToggles,
} from "./telemetry-types.js";
import { errorMessage } from "../util/error-message.js";

/** Options of {@link TelemetrySampler}. */
export interface TelemetrySamplerOptions {
  /** Background refresh interval; overrides `toggles.interval_ms`. */
  intervalMs?: number;
  /** `procfs` (Linux `/proc`, the default where it exists) or `portable` (`os` + `systeminformation`). */
  backend?: TelemetryBackend;
  /** Replaces built-in probes, block by block. */
  probes?: Partial<TelemetryProbes>;
  /** The `nvidia-smi` executable. Default `nvidia-smi`, found through `PATH`. */
  nvidiaSmi?: string;
  /** Longest a spawned tool (`nvidia-smi`) may run before it is killed. Default 5000 ms. */
  probeTimeoutMs?: number;
  /** Environment read for `CUDA_VISIBLE_DEVICES`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Filesystem whose usage `disk.disk_usage` reports. Default `/`. */
  diskPath?: string;
  /** Pause between the first two CPU readings so the first sample has a percentage. Default 100 ms. */
  cpuWarmupMs?: number;
}

/** Default background refresh interval. */
export const DEFAULT_INTERVAL_MS = 1000;
/** Shortest refresh interval accepted; shorter settings are raised to it. */
export const MIN_INTERVAL_MS = 50;
/** After repeated failures a probe is retried at most this many intervals apart. */
const MAX_BACKOFF_TICKS = 64;

interface BlockState {
  cached?: AgedJson;
  /** `performance.now()` when the cached block was read. */
  readAt: number;
  /** `vms`, kept apart from the rest of the background process fields: it belongs in `memory`. */
  vms?: number;
  inFlight: boolean;
  failures: number;
  nextTick: number;
  warned: boolean;
}

/**
 * Captures Flowcept's `telemetry_at_start` / `telemetry_at_end` snapshots
 * without slowing the caller down.
 *
 * Blocks that need system reads (`cpu`, `memory`, `disk`, `network`, `gpu`,
 * and the slow part of `process`) are refreshed in the background every
 * `interval_ms` and cached as JSON text; each carries `sampled_at` (seconds
 * since the epoch) and `age_ms` (how old it was at capture; in `gpu` per
 * device). {@link captureJson} only joins the cached text with the per-call
 * process counters and the ages, so it is synchronous and takes microseconds.
 *
 * A probe that fails drops its block (it is left out of later captures until
 * a refresh succeeds), is retried with a growing back-off, and is reported
 * once through `diag`; nothing throws to the caller.
 *
 * Lifetime: {@link start} and {@link stop} are reference-counted so several
 * workflows can share one sampler; the background timer is `unref`'d and runs
 * only while the count is above zero, and the last `stop()` also kills any
 * probe still running (a spawned `nvidia-smi`).
 */
export class TelemetrySampler {
  /** The blocks turned on, in record order. */
  readonly blocks: readonly TelemetryBlockName[];
  private readonly probes: TelemetryProbes;
  private readonly intervalMs: number;
  private readonly state = new Map<TelemetryBlockName, BlockState>();
  private readonly processCounters: ProcessCounters | undefined;
  private users = 0;
  private tickNo = 0;
  private timer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private firstRefresh: Promise<void> | undefined;

  constructor(toggles: Partial<TelemetryToggles>, opts: TelemetrySamplerOptions = {}) {
    const gpuMetrics = (Array.isArray(toggles.gpu) ? toggles.gpu : []).map(String);
    const on: Record<TelemetryBlockName, boolean> = {
      cpu: !!toggles.cpu || !!toggles.per_cpu,
      process: !!toggles.process_info,
      memory: !!toggles.mem,
      disk: !!toggles.disk,
      network: !!toggles.network,
      gpu: gpuMetrics.length > 0,
    };
    this.blocks = TELEMETRY_BLOCKS.filter((b) => on[b]);
    this.intervalMs = checkedInterval(opts.intervalMs ?? toggles.interval_ms);
    const unknown = gpuMetrics.filter((m) => !(NVIDIA_METRICS as readonly string[]).includes(m));
    if (unknown.length > 0) {
      diag.warn(`flowcept telemetry: GPU metrics ${unknown.join(", ")} are not reported for NVIDIA devices (known: ${NVIDIA_METRICS.join(", ")})`);
    }
    const builtIn = createProbes({
      backend: opts.backend,
      cpu: !!toggles.cpu,
      perCpu: !!toggles.per_cpu,
      gpuMetrics,
      nvidiaSmi: opts.nvidiaSmi,
      probeTimeoutMs: opts.probeTimeoutMs,
      env: opts.env,
      diskPath: opts.diskPath,
      cpuWarmupMs: opts.cpuWarmupMs,
    });
    this.probes = { ...builtIn, ...opts.probes };
    for (const b of this.blocks) this.state.set(b, { readAt: 0, inFlight: false, failures: 0, nextTick: 0, warned: false });
    this.processCounters = on.process ? new ProcessCounters() : undefined;
  }

  /** Whether any block is turned on; when not, captures return undefined. */
  get enabled(): boolean {
    return this.blocks.length > 0;
  }

  /** Whether the background refresh is running (at least one {@link start} not yet matched by {@link stop}). */
  get running(): boolean {
    return this.users > 0;
  }

  /**
   * Starts the background refresh (or joins it when already running) and
   * takes a first sample at once. Returns this sampler.
   */
  start(): this {
    this.users++;
    if (this.users === 1 && this.enabled) {
      this.abort = new AbortController();
      this.firstRefresh = this.tick();
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /**
   * Leaves the background refresh; the last user to leave stops it, clears
   * its timer and kills probes still running. Extra calls are ignored.
   * Cached blocks stay, with their growing `age_ms`.
   */
  stop(): void {
    if (this.users === 0) return;
    this.users--;
    if (this.users > 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
  }

  /**
   * Resolves once the first sample after {@link start} is in (every block
   * read or failed), or after `timeoutMs`; never rejects. Resolves at once
   * when the sampler is not running.
   */
  async whenReady(timeoutMs = 5000): Promise<void> {
    const first = this.firstRefresh;
    if (!first || !this.running) return;
    const timeout = new AbortController();
    try {
      // Referenced on purpose: the caller is waiting, and the probes' own timers are not.
      await Promise.race([first, sleep(timeoutMs, undefined, { signal: timeout.signal })]);
    } catch {
      // the losing timer was aborted
    } finally {
      timeout.abort();
    }
  }

  /**
   * Reads every enabled block now (skipping probes still running or backing
   * off); never rejects. Unlike the background refresh, this keeps the
   * process alive while it runs, since the caller is waiting for it.
   */
  async refresh(): Promise<void> {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await this.tick();
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async tick(): Promise<void> {
    // A refresh asked for after the last stop() gets a signal of its own.
    if (!this.running && this.abort.signal.aborted) this.abort = new AbortController();
    const tick = this.tickNo++;
    this.processCounters?.mark();
    const jobs: Promise<void>[] = [];
    for (const name of this.blocks) {
      const st = this.state.get(name)!;
      if (st.inFlight || tick < st.nextTick) continue;
      st.inFlight = true;
      jobs.push(this.runProbe(name, st, tick));
    }
    await Promise.all(jobs);
  }

  private async runProbe(name: TelemetryBlockName, st: BlockState, tick: number): Promise<void> {
    const signal = this.abort.signal;
    try {
      const raw = await this.probes[name]({ signal });
      if (signal.aborted) return;
      this.store(name, st, raw === undefined ? undefined : cleanBlock(raw));
      st.failures = 0;
    } catch (err) {
      if (signal.aborted) return;
      st.cached = undefined;
      st.vms = undefined;
      st.failures++;
      st.nextTick = tick + Math.min(2 ** st.failures, MAX_BACKOFF_TICKS);
      if (!st.warned) {
        st.warned = true;
        diag.warn(`flowcept telemetry: the "${name}" block is left out of records: ${errorMessage(err)}`);
      }
    } finally {
      st.inFlight = false;
    }
  }

  private store(name: TelemetryBlockName, st: BlockState, block: JsonObject | undefined): void {
    st.readAt = performance.now();
    if (block === undefined || Object.keys(block).length === 0) {
      st.cached = undefined;
      st.vms = undefined;
      return;
    }
    const sampledAt = Date.now() / 1000;
    if (name === "process") {
      const { vms, ...rest } = block;
      st.vms = typeof vms === "number" ? vms : undefined;
      // Kept without its braces: it is appended to the per-call process fields.
      const parts = agedJson(rest, sampledAt);
      parts[0] = parts[0]!.slice(1);
      parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -1);
      st.cached = parts;
    } else {
      st.cached = name === "gpu" ? agedJsonPerEntry(block, sampledAt) : agedJson(block, sampledAt);
    }
  }

  /**
   * The snapshot as JSON text (what goes into a span attribute), or undefined
   * when no block is on or none is available yet. Synchronous; per call it
   * reads only Node's process counters (when `process_info` is on).
   */
  captureJson(): string | undefined {
    if (this.blocks.length === 0) return undefined;
    const now = performance.now();
    let out = "";
    for (const name of this.blocks) {
      const st = this.state.get(name);
      let part: string;
      if (name === "process") {
        const bg = st?.cached;
        part = `"process":{${this.processCounters!.fields(st?.vms)}${bg ? `,${bg.join(String(Math.round(now - st!.readAt)))}` : ""}}`;
      } else {
        const cached = st?.cached;
        if (!cached) continue;
        const age = String(Math.round(now - st!.readAt));
        part = `"${name}":${cached.length === 2 ? cached[0] + age + cached[1] : cached.join(age)}`;
      }
      out += out === "" ? `{${part}` : `,${part}`;
    }
    return out === "" ? undefined : `${out}}`;
  }

  /** The snapshot as a new object (see {@link captureJson}), or undefined. */
  capture(): JsonObject | undefined {
    const json = this.captureJson();
    return json === undefined ? undefined : (JSON.parse(json) as JsonObject);
  }
}

function checkedInterval(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_INTERVAL_MS;
  if (typeof ms === "number" && Number.isFinite(ms) && ms >= MIN_INTERVAL_MS) return ms;
  const used = typeof ms === "number" && Number.isFinite(ms) ? MIN_INTERVAL_MS : DEFAULT_INTERVAL_MS;
  diag.warn(`flowcept telemetry: telemetry_capture.interval_ms=${String(ms)} is not usable; sampling every ${used} ms`);
  return used;
}
