import { totalmem } from "node:os";
import { redactArgv } from "../records/redact.js";
import { round } from "../util/round.js";

interface CpuReference {
  /** `performance.now()` when taken. */
  at: number;
  /** `process.cpuUsage()` then, microseconds. */
  usage: NodeJS.CpuUsage;
}

/**
 * Shortest window `cpu_percent` is computed over: a reference taken just
 * before a capture would give a percentage of a few microseconds' work.
 */
const MIN_CPU_WINDOW_MS = 50;

/**
 * The per-call part of the `process` block, read from Node's own counters
 * (`process.memoryUsage()`, `process.cpuUsage()`, `process.resourceUsage()`),
 * written directly as JSON text.
 *
 * `cpu_percent` is real (psutil's first call returns 0.0): CPU time this
 * process used per wall-clock time since a reference point. The sampler moves
 * the reference forward on each background refresh ({@link mark}); before the
 * first one the reference is process start.
 */
export class ProcessCounters {
  private readonly staticFields: string;
  private totalMemory: number;
  private latest: CpuReference;
  private previous: CpuReference;

  constructor(cmdLine: readonly string[] = [process.execPath, ...process.execArgv, ...process.argv.slice(1)]) {
    this.staticFields =
      `"pid":${process.pid},"executable":${JSON.stringify(process.execPath)}` + `,"cmd_line":${JSON.stringify(redactArgv(cmdLine))}`;
    this.totalMemory = totalmem();
    // performance.now() counts from process start, when CPU usage was zero.
    this.latest = this.previous = { at: 0, usage: { user: 0, system: 0 } };
  }

  /** Moves the `cpu_percent` reference to now. */
  mark(): void {
    this.previous = this.latest;
    this.latest = { at: performance.now(), usage: process.cpuUsage() };
  }

  /**
   * The per-call fields as JSON text without braces. `vms` (from the
   * background probe) joins `memory` when known.
   */
  fields(vms?: number): string {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const ru = process.resourceUsage();
    const ref = now - this.latest.at >= MIN_CPU_WINDOW_MS ? this.latest : this.previous;
    const windowMs = now - ref.at;
    const usedMs = (cpu.user - ref.usage.user + cpu.system - ref.usage.system) / 1000;
    const cpuPercent = windowMs > 0 ? round(Math.max(0, (usedMs / windowMs) * 100), 1) : 0;
    const memPercent = this.totalMemory > 0 ? (mem.rss / this.totalMemory) * 100 : 0;
    return (
      `${this.staticFields},"memory":{"rss":${mem.rss}${vms === undefined ? "" : `,"vms":${vms}`}` +
      `,"heap_total":${mem.heapTotal},"heap_used":${mem.heapUsed},"external":${mem.external},"array_buffers":${mem.arrayBuffers}}` +
      `,"memory_percent":${round(memPercent, 4)}` +
      `,"cpu_times":{"user":${cpu.user / 1e6},"system":${cpu.system / 1e6}},"cpu_percent":${cpuPercent}` +
      `,"num_ctx_switches":{"voluntary":${ru.voluntaryContextSwitches},"involuntary":${ru.involuntaryContextSwitches}}`
    );
  }
}
