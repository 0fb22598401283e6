/**
 * Background probes for platforms without `/proc` (macOS, Windows, BSDs):
 * Node's `os` module and `systeminformation`. They report fewer fields than
 * the Linux probes (no iowait/steal, no network packet counts) under the
 * same names.
 */
import { cpus } from "node:os";
import type { JsonObject } from "../records/records.js";
import { diskUsage } from "./disk-usage.js";
import { gpuProbe, type GpuProbeOptions } from "./gpu-probe.js";
import { cpuPercent, type CpuTimes } from "./proc-parsers.js";
import { round } from "../util/round.js";
import type { TelemetryProbes } from "./telemetry-types.js";
import { loadSystemInformation } from "./system-information.js";

/** Options for {@link createPortableProbes}. */
export interface PortableProbeOptions extends GpuProbeOptions {
  perCpu?: boolean;
  cpu?: boolean;
  diskPath?: string;
}

function osCpuTimes(): CpuTimes[] {
  return cpus().map(({ times }) => ({
    user: times.user / 1000,
    nice: times.nice / 1000,
    system: times.sys / 1000,
    idle: times.idle / 1000,
    irq: times.irq / 1000,
  }));
}

function sumTimes(list: CpuTimes[]): CpuTimes {
  const out: CpuTimes = {};
  for (const t of list) for (const [k, v] of Object.entries(t)) out[k] = round((out[k] ?? 0) + v, 3);
  return out;
}

function finite(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n);
}


/** Probes using `os` and `systeminformation`, for any platform. */
export function createPortableProbes(opts: PortableProbeOptions = {}): TelemetryProbes {
  let prev: CpuTimes[] = osCpuTimes();
  return {
    cpu: async () => {
      const cur = osCpuTimes();
      const block: JsonObject = {};
      if (opts.cpu !== false) {
        block.times_avg = sumTimes(cur);
        block.percent_all = cpuPercent(sumTimes(prev), sumTimes(cur));
        const speeds = cpus().map((c) => c.speed).filter((s) => s > 0);
        if (speeds.length > 0) block.frequency = round(speeds.reduce((a, b) => a + b, 0) / speeds.length, 3);
      }
      if (opts.perCpu) {
        const before = prev;
        block.times_per_cpu = cur;
        block.percent_per_cpu = cur.map((t, i) => (before[i] ? cpuPercent(before[i]!, t) : 0));
      }
      prev = cur;
      return block;
    },
    process: async () => undefined,
    memory: async () => {
      const m = await (await loadSystemInformation()).mem();
      if (!m || !finite(m.total) || m.total <= 0) throw new Error("systeminformation.mem() returned no total");
      const pct = (part: number, whole: number) => (whole > 0 ? round((part / whole) * 100, 1) : 0);
      return {
        virtual: {
          total: m.total,
          available: m.available,
          percent: pct(m.total - m.available, m.total),
          used: m.used,
          free: m.free,
          active: m.active,
          buffers: m.buffers,
          cached: m.cached,
          slab: m.slab,
        },
        swap: { total: m.swaptotal, used: m.swapused, free: m.swapfree, percent: pct(m.swapused, m.swaptotal) },
      };
    },
    disk: async () => {
      const si = await loadSystemInformation();
      const [usage, io, bytes] = await Promise.all([diskUsage(opts.diskPath), si.disksIO(), si.fsStats()]);
      const ioSum: JsonObject = {};
      if (io && finite(io.rIO)) {
        ioSum.read_count = io.rIO;
        ioSum.write_count = io.wIO;
        if (finite(io.rWaitTime)) ioSum.read_time = io.rWaitTime;
        if (finite(io.wWaitTime)) ioSum.write_time = io.wWaitTime;
      }
      if (bytes && finite(bytes.rx)) {
        ioSum.read_bytes = bytes.rx;
        ioSum.write_bytes = bytes.wx;
      }
      const block: JsonObject = { disk_usage: usage };
      if (Object.keys(ioSum).length > 0) block.io_sum = ioSum;
      return block;
    },
    network: async () => {
      const stats = await (await loadSystemInformation()).networkStats("*");
      if (!Array.isArray(stats) || stats.length === 0) throw new Error("systeminformation.networkStats() listed no interface");
      const sum = { bytes_sent: 0, bytes_recv: 0, errin: 0, errout: 0, dropin: 0, dropout: 0 };
      for (const s of stats) {
        sum.bytes_sent += s.tx_bytes || 0;
        sum.bytes_recv += s.rx_bytes || 0;
        sum.errin += s.rx_errors || 0;
        sum.errout += s.tx_errors || 0;
        sum.dropin += s.rx_dropped || 0;
        sum.dropout += s.tx_dropped || 0;
      }
      return { netio_sum: sum };
    },
    gpu: gpuProbe(opts),
  };
}
