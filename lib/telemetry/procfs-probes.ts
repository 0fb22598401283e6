/**
 * Background probes for Linux: asynchronous reads of `/proc` and `/sys`
 * (no child process). `systeminformation` spawns `cat`, `lsblk` or a shell
 * for the same counters (`currentLoad`, `networkStats`, `disksIO`) and does
 * not report bytes for disk I/O or packets for the network.
 */
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "../records/records.js";
import { diskUsage } from "./disk-usage.js";
import { gpuProbe, type GpuProbeOptions } from "./gpu-probe.js";
import { cpuPercent, parseCpuinfoMhz, parseDiskstats, parseKeyValueLines, parseMemory, parseNetDev, parseProcIo, parseProcStat, type ProcStat } from "./proc-parsers.js";
import { round } from "../util/round.js";
import type { ProbeContext, TelemetryProbes } from "./telemetry-types.js";

/** Options for {@link createProcfsProbes}. */
export interface ProcfsProbeOptions extends GpuProbeOptions {
  /** Report `times_per_cpu` / `percent_per_cpu`. */
  perCpu?: boolean;
  /** Report `times_avg` / `percent_all` / `frequency`. Default true. */
  cpu?: boolean;
  /** Filesystem whose usage `disk.disk_usage` reports. Default `/`. */
  diskPath?: string;
  /** Wait before the second `/proc/stat` read of the very first sample, so it has a CPU percentage. Default 100 ms. */
  cpuWarmupMs?: number;
}

const text = (path: string) => readFile(path, "utf8");
/** `/proc/cpuinfo` is slow to generate on large machines; its MHz lines are re-read at most this often. */
const CPUINFO_REFRESH_MS = 10_000;

async function cpuFrequencyMhz(): Promise<number | undefined> {
  // psutil's first choice: one scaling_cur_freq (kHz) per frequency policy.
  try {
    const dir = "/sys/devices/system/cpu/cpufreq";
    const policies = (await readdir(dir)).filter((d) => d.startsWith("policy"));
    if (policies.length > 0) {
      const khz = await Promise.all(policies.map((p) => text(`${dir}/${p}/scaling_cur_freq`).then(Number)));
      const valid = khz.filter((k) => Number.isFinite(k) && k > 0);
      if (valid.length > 0) return round(valid.reduce((a, b) => a + b, 0) / valid.length / 1000, 3);
    }
  } catch {
    // no cpufreq in VMs and containers: fall back to /proc/cpuinfo
  }
  return parseCpuinfoMhz(await text("/proc/cpuinfo"));
}

function cpuProbe(opts: ProcfsProbeOptions) {
  let prev: ProcStat | undefined;
  let mhz: number | undefined;
  let mhzReadAt = -Infinity;
  const wantAvg = opts.cpu !== false;
  return async ({ signal }: ProbeContext): Promise<JsonObject> => {
    if (!prev) {
      prev = parseProcStat(await text("/proc/stat"));
      await sleep(opts.cpuWarmupMs ?? 100, undefined, { signal, ref: false });
    }
    const cur = parseProcStat(await text("/proc/stat"));
    const block: JsonObject = {};
    if (wantAvg) {
      block.times_avg = cur.total;
      block.percent_all = cpuPercent(prev.total, cur.total);
      if (performance.now() - mhzReadAt >= CPUINFO_REFRESH_MS) {
        mhzReadAt = performance.now();
        mhz = await cpuFrequencyMhz().catch(() => undefined);
      }
      if (mhz !== undefined) block.frequency = mhz;
    }
    if (opts.perCpu) {
      block.times_per_cpu = cur.perCpu;
      const before = prev.perCpu;
      block.percent_per_cpu = cur.perCpu.map((t, i) => (before[i] ? cpuPercent(before[i]!, t) : 0));
    }
    prev = cur;
    return block;
  };
}

async function wholeDevices(): Promise<Set<string> | undefined> {
  try {
    return new Set(await readdir("/sys/block"));
  } catch {
    return undefined;
  }
}

async function settled<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch {
    return undefined;
  }
}

/**
 * The slowly changing part of the `process` block. Each field is read on its
 * own: one that the OS withholds (say `/proc/self/io` in a hardened
 * container) is left out, the others stay.
 */
async function processProbe(): Promise<JsonObject | undefined> {
  const [status, io, fds] = await Promise.all([
    settled(text("/proc/self/status")),
    settled(text("/proc/self/io")),
    settled(readdir("/proc/self/fd")),
  ]);
  const out: JsonObject = {};
  if (status !== undefined) {
    const s = parseKeyValueLines(status);
    const vms = s.get("VmSize");
    const threads = s.get("Threads");
    if (vms !== undefined) out.vms = vms;
    if (threads !== undefined) out.num_threads = threads;
  }
  if (fds !== undefined) out.num_open_file_descriptors = fds.length;
  if (io !== undefined) {
    const counters = parseProcIo(io);
    if (Object.keys(counters).length > 0) out.io_counters = counters;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Probes reading `/proc` and `/sys` (Linux). */
export function createProcfsProbes(opts: ProcfsProbeOptions = {}): TelemetryProbes {
  return {
    cpu: cpuProbe(opts),
    process: processProbe,
    memory: async () => {
      const [meminfo, vmstat] = await Promise.all([text("/proc/meminfo"), settled(text("/proc/vmstat"))]);
      return parseMemory(meminfo, vmstat);
    },
    disk: async () => {
      const [usage, stats, devices] = await Promise.all([diskUsage(opts.diskPath), text("/proc/diskstats"), wholeDevices()]);
      return { disk_usage: usage, io_sum: parseDiskstats(stats, devices) };
    },
    network: async () => ({ netio_sum: parseNetDev(await text("/proc/net/dev")) }),
    gpu: gpuProbe(opts),
  };
}
