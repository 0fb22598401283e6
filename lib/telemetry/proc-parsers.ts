/**
 * Pure parsers for Linux `/proc` files, mapping them to psutil's field names
 * and arithmetic so that records read like Flowcept's.
 */
import type { JsonObject } from "../records/records.js";
import { round } from "../util/round.js";

/** Clock ticks per second of `/proc/stat` (Linux's USER_HZ, 100 on every mainstream build). */
export const USER_HZ = 100;
/** `/proc/diskstats` counts 512-byte sectors whatever the device's sector size. */
export const DISKSTATS_SECTOR_BYTES = 512;
/** psutil converts `/proc/vmstat` swap page counts with a 4 KiB page. */
export const SWAP_PAGE_BYTES = 4096;

const CPU_TIME_FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"] as const;

/** CPU times in seconds, keyed by psutil's names (only the fields the kernel reports). */
export type CpuTimes = Record<string, number>;

/** System-wide and per-CPU times from `/proc/stat`. */
export interface ProcStat {
  total: CpuTimes;
  perCpu: CpuTimes[];
}

function cpuTimesOf(fields: string[]): CpuTimes {
  const out: CpuTimes = {};
  for (let i = 0; i < CPU_TIME_FIELDS.length && i < fields.length; i++) {
    const n = Number(fields[i]);
    if (Number.isFinite(n)) out[CPU_TIME_FIELDS[i]!] = n / USER_HZ;
  }
  return out;
}

/** Parses `/proc/stat`: the `cpu` line and the `cpuN` lines. */
export function parseProcStat(text: string): ProcStat {
  let total: CpuTimes | undefined;
  const perCpu: CpuTimes[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const parts = line.trim().split(/\s+/);
    const times = cpuTimesOf(parts.slice(1));
    if (parts[0] === "cpu") total = times;
    else perCpu.push(times);
  }
  if (!total) throw new Error("no aggregate cpu line in /proc/stat");
  return { total, perCpu };
}

/**
 * Busy percentage between two readings, as psutil's `cpu_percent`: guest time
 * is already inside user/nice, idle and iowait count as not busy. One decimal.
 */
export function cpuPercent(prev: CpuTimes, cur: CpuTimes): number {
  const total = (t: CpuTimes) => {
    let sum = 0;
    for (const [k, v] of Object.entries(t)) if (k !== "guest" && k !== "guest_nice") sum += v;
    return sum;
  };
  const idle = (t: CpuTimes) => (t.idle ?? 0) + (t.iowait ?? 0);
  const all = total(cur) - total(prev);
  if (!(all > 0)) return 0;
  const busy = all - (idle(cur) - idle(prev));
  return round(Math.min(100, Math.max(0, (busy / all) * 100)), 1);
}

/** Reads `key: value [kB]` lines (`/proc/meminfo`, `/proc/self/status`) into numbers. */
export function parseKeyValueLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([^:\s]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** Reads `key value` lines (`/proc/vmstat`, `/proc/self/io` after a colon strip). */
function parseSpaceSeparated(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+):?\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function percentOf(part: number, whole: number): number {
  return whole > 0 ? round((part / whole) * 100, 1) : 0;
}

/**
 * The `memory` block from `/proc/meminfo` (and `/proc/vmstat` for swap-in/out),
 * with psutil's `virtual_memory()` / `swap_memory()` arithmetic.
 */
export function parseMemory(meminfo: string, vmstat?: string): JsonObject {
  const m = parseKeyValueLines(meminfo);
  const get = (k: string) => m.get(k) ?? 0;
  const total = m.get("MemTotal");
  if (total === undefined) throw new Error("no MemTotal in /proc/meminfo");
  const free = get("MemFree");
  const buffers = get("Buffers");
  const cached = get("Cached") + get("SReclaimable");
  const available = m.get("MemAvailable") ?? free + buffers + cached;
  let used = total - free - cached - buffers;
  if (used < 0) used = total - free;
  const virtual: JsonObject = {
    total,
    available,
    percent: percentOf(total - available, total),
    used,
    free,
    active: get("Active"),
    inactive: get("Inactive"),
    buffers,
    cached,
    shared: m.get("Shmem") ?? get("MemShared"),
    slab: get("Slab"),
  };
  const swapTotal = get("SwapTotal");
  const swapFree = get("SwapFree");
  const swap: JsonObject = {
    total: swapTotal,
    used: swapTotal - swapFree,
    free: swapFree,
    percent: percentOf(swapTotal - swapFree, swapTotal),
  };
  if (vmstat !== undefined) {
    const v = parseSpaceSeparated(vmstat);
    const sin = v.get("pswpin");
    const sout = v.get("pswpout");
    if (sin !== undefined) swap.sin = sin * SWAP_PAGE_BYTES;
    if (sout !== undefined) swap.sout = sout * SWAP_PAGE_BYTES;
  }
  return { virtual, swap };
}

/**
 * `io_sum` from `/proc/diskstats`: the sum over whole devices (names listed
 * in `/sys/block`, as psutil does) so partitions are not counted twice. With
 * no device list every line counts.
 */
export function parseDiskstats(text: string, devices?: ReadonlySet<string>): JsonObject {
  const sum = {
    read_count: 0,
    write_count: 0,
    read_bytes: 0,
    write_bytes: 0,
    read_time: 0,
    write_time: 0,
    read_merged_count: 0,
    write_merged_count: 0,
    busy_time: 0,
  };
  let seen = 0;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    if (devices && !devices.has(f[2]!.replace(/\//g, "!"))) continue;
    const n = (i: number) => Number(f[i]) || 0;
    sum.read_count += n(3);
    sum.read_merged_count += n(4);
    sum.read_bytes += n(5) * DISKSTATS_SECTOR_BYTES;
    sum.read_time += n(6);
    sum.write_count += n(7);
    sum.write_merged_count += n(8);
    sum.write_bytes += n(9) * DISKSTATS_SECTOR_BYTES;
    sum.write_time += n(10);
    sum.busy_time += n(12);
    seen++;
  }
  if (seen === 0) throw new Error("no disk devices in /proc/diskstats");
  return sum;
}

/** `netio_sum` from `/proc/net/dev`: every interface summed, as psutil's `net_io_counters()`. */
export function parseNetDev(text: string): JsonObject {
  const sum = { bytes_sent: 0, bytes_recv: 0, packets_sent: 0, packets_recv: 0, errin: 0, errout: 0, dropin: 0, dropout: 0 };
  let seen = 0;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((x) => !Number.isFinite(x))) continue;
    sum.bytes_recv += f[0]!;
    sum.packets_recv += f[1]!;
    sum.errin += f[2]!;
    sum.dropin += f[3]!;
    sum.bytes_sent += f[8]!;
    sum.packets_sent += f[9]!;
    sum.errout += f[10]!;
    sum.dropout += f[11]!;
    seen++;
  }
  if (seen === 0) throw new Error("no interfaces in /proc/net/dev");
  return sum;
}

/** psutil's `io_counters()` names from `/proc/<pid>/io`. */
export function parseProcIo(text: string): JsonObject {
  const v = parseSpaceSeparated(text);
  const out: JsonObject = {};
  const map: [string, string][] = [
    ["syscr", "read_count"],
    ["syscw", "write_count"],
    ["read_bytes", "read_bytes"],
    ["write_bytes", "write_bytes"],
    ["rchar", "read_chars"],
    ["wchar", "write_chars"],
  ];
  for (const [from, to] of map) {
    const n = v.get(from);
    if (n !== undefined) out[to] = n;
  }
  return out;
}

/** Average of the `cpu MHz` lines of `/proc/cpuinfo`, or undefined when there are none. */
export function parseCpuinfoMhz(text: string): number | undefined {
  let sum = 0;
  let n = 0;
  for (const m of text.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)) {
    sum += Number(m[1]);
    n++;
  }
  return n > 0 ? round(sum / n, 3) : undefined;
}
