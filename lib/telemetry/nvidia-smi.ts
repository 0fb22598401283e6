/**
 * NVIDIA GPU telemetry through `nvidia-smi`, the tool `systeminformation`
 * relies on. It is run here asynchronously, with a timeout and an abort
 * signal: `systeminformation.graphics()` runs it with `execFileSync` (which
 * would block the event loop on every refresh), only after `lspci`, and
 * does not report the device UUID Flowcept records as `id`.
 */
import { execFile } from "node:child_process";
import type { JsonObject } from "../records/records.js";

/** GPU metrics understood for NVIDIA devices (Flowcept's NVML names). */
export const NVIDIA_METRICS = ["used", "temperature", "power", "name", "id"] as const;

/** One device as reported by `nvidia-smi`. Absent values were `[N/A]` or unsupported. */
export interface NvidiaGpu {
  index: number;
  uuid?: string;
  /** Device memory in use, bytes. */
  memoryUsedBytes?: number;
  /** Device memory, bytes. */
  memoryTotalBytes?: number;
  /** Degrees Celsius. */
  temperature?: number;
  /** Power draw in milliwatts (NVML's unit, which Flowcept records). */
  powerMilliwatts?: number;
  driverVersion?: string;
  name?: string;
}

// `name` goes last: it is the only free-text column and may contain the separator.
const QUERY = "index,uuid,memory.used,memory.total,temperature.gpu,power.draw,driver_version,name";
const MIB = 1024 * 1024;

/** Options for {@link queryNvidiaGpus}. */
export interface NvidiaQueryOptions {
  /** Executable to run; resolved through `PATH` when it has no slash. Default `nvidia-smi`. */
  command?: string;
  /** Kill the query after this many milliseconds. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || text.startsWith("[")) return undefined;
  const n = Number(text);
  return text !== "" && Number.isFinite(n) ? n : undefined;
}

function str(text: string | undefined): string | undefined {
  return text === undefined || text === "" || text.startsWith("[") ? undefined : text;
}

/** Parses `nvidia-smi --query-gpu=<QUERY> --format=csv,noheader,nounits` output. */
export function parseNvidiaSmiCsv(stdout: string): NvidiaGpu[] {
  const out: NvidiaGpu[] = [];
  for (const line of stdout.split("\n")) {
    const f = line.trim().split(/,\s*/);
    if (f.length < 8) continue;
    const index = num(f[0]);
    if (index === undefined) continue;
    const gpu: NvidiaGpu = { index };
    const put = <K extends keyof NvidiaGpu>(k: K, v: NvidiaGpu[K] | undefined) => {
      if (v !== undefined) gpu[k] = v;
    };
    const used = num(f[2]);
    const total = num(f[3]);
    const watts = num(f[5]);
    put("uuid", str(f[1]));
    put("memoryUsedBytes", used === undefined ? undefined : used * MIB);
    put("memoryTotalBytes", total === undefined ? undefined : total * MIB);
    put("temperature", num(f[4]));
    put("powerMilliwatts", watts === undefined ? undefined : Math.round(watts * 1000));
    put("driverVersion", str(f[6]));
    put("name", str(f.slice(7).join(", ")));
    out.push(gpu);
  }
  return out;
}

/** Runs `nvidia-smi` once. Rejects when it is missing, fails, times out or lists no device. */
export function queryNvidiaGpus(opts: NvidiaQueryOptions = {}): Promise<NvidiaGpu[]> {
  const command = opts.command ?? "nvidia-smi";
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [`--query-gpu=${QUERY}`, "--format=csv,noheader,nounits"],
      { timeout: opts.timeoutMs ?? 5000, signal: opts.signal, windowsHide: true, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stdout || stderr || "").trim().split("\n")[0];
          reject(new Error(`${command} failed: ${err.message}${detail ? ` (${detail})` : ""}`));
          return;
        }
        const gpus = parseNvidiaSmiCsv(String(stdout));
        if (gpus.length === 0) reject(new Error(`${command} listed no GPU`));
        else resolve(gpus);
      },
    );
  });
}

/**
 * Which devices `CUDA_VISIBLE_DEVICES` leaves visible, as CUDA reads it:
 * unset means all; otherwise a comma-separated list of indices or `GPU-…`
 * UUID prefixes, read up to the first entry that is neither (so `""` and
 * `-1` hide every device). Returns the visible devices in the listed order.
 */
export function visibleGpus(gpus: readonly NvidiaGpu[], cudaVisibleDevices: string | undefined): NvidiaGpu[] {
  if (cudaVisibleDevices === undefined) return [...gpus];
  const out: NvidiaGpu[] = [];
  for (const raw of cudaVisibleDevices.split(",")) {
    const token = raw.trim();
    let gpu: NvidiaGpu | undefined;
    if (/^\d+$/.test(token)) gpu = gpus.find((g) => g.index === Number(token));
    else if (/^GPU-[0-9a-f-]+$/i.test(token)) {
      const matches = gpus.filter((g) => g.uuid?.toLowerCase().startsWith(token.toLowerCase()));
      gpu = matches.length === 1 ? matches[0] : undefined;
    }
    if (!gpu) break;
    if (!out.includes(gpu)) out.push(gpu);
  }
  return out;
}

/** One `gpu_<i>` entry with the requested metrics, in Flowcept's units. */
export function gpuEntry(gpu: NvidiaGpu, metrics: ReadonlySet<string>): JsonObject {
  const e: JsonObject = {};
  if (metrics.has("used") && gpu.memoryUsedBytes !== undefined) e.used = gpu.memoryUsedBytes;
  if (metrics.has("temperature") && gpu.temperature !== undefined) e.temperature = gpu.temperature;
  if (metrics.has("power") && gpu.powerMilliwatts !== undefined) e.power = gpu.powerMilliwatts;
  if (metrics.has("name") && gpu.name !== undefined) e.name = gpu.name;
  if (metrics.has("id") && gpu.uuid !== undefined) e.id = gpu.uuid;
  return e;
}

/**
 * The `gpu` block: `{ gpu_<index>: {...} }` for the visible devices, or
 * undefined when none is visible or no metric is requested.
 */
export function gpuBlock(gpus: readonly NvidiaGpu[], metrics: ReadonlySet<string>, cudaVisibleDevices: string | undefined): JsonObject | undefined {
  const block: JsonObject = {};
  for (const gpu of visibleGpus(gpus, cudaVisibleDevices)) {
    const entry = gpuEntry(gpu, metrics);
    if (Object.keys(entry).length > 0) block[`gpu_${gpu.index}`] = entry;
  }
  return Object.keys(block).length > 0 ? block : undefined;
}
