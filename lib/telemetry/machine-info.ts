/**
 * The workflow's `machine_info`: a one-off description of the host, with
 * Flowcept's keys (`platform`, `cpu`, `memory`, `disk`, `network`,
 * `hostname`, `login_name`, `process`, `gpu`, `environment`).
 */
import { arch, cpus, hostname, machine, networkInterfaces, release, type as osType, userInfo, version } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { diag } from "@opentelemetry/api";
import type { JsonObject, JsonValue } from "../records/records.js";
import { diskUsage } from "./disk-usage.js";
import { cleanBlock } from "./json-block.js";
import { createProbes } from "./create-probes.js";
import { ProcessCounters } from "./ProcessCounters.js";
import { redactEnvironment } from "../records/redact.js";
import type { TelemetryBackend, TelemetryProbes, TelemetryToggles } from "./telemetry-types.js";
import { errorMessage } from "../util/error-message.js";
import { loadSystemInformation } from "./system-information.js";

/** The settings {@link collectMachineInfo} reads (a `FlowceptSettings` fits). */
export interface MachineInfoSettings {
  telemetry_capture?: Partial<TelemetryToggles>;
  sys_metadata?: { [key: string]: unknown };
}

/** Options of {@link collectMachineInfo}. */
export interface MachineInfoOptions {
  /** Longest each part may take; a part that takes longer is left out. Default 3000 ms. */
  timeoutMs?: number;
  /** Environment to describe (redacted). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The `nvidia-smi` executable. Default `nvidia-smi`, found through `PATH`. */
  nvidiaSmi?: string;
  /** `procfs` or `portable` probes; default as for the sampler. */
  backend?: TelemetryBackend;
}

type Part = () => Promise<JsonValue | undefined>;


function platformInfo(): JsonObject {
  return { system: osType(), node: hostname(), release: release(), version: version(), machine: machine() };
}

async function cpuInfo(): Promise<JsonObject> {
  const list = cpus();
  const out: JsonObject = { arch: arch(), count: list.length };
  if (list[0]?.model) out.brand_raw = list[0].model.trim();
  const si = await loadSystemInformation();
  const [c, flags] = await Promise.all([si.cpu(), si.cpuFlags()]);
  if (c) {
    const brand = `${c.manufacturer ?? ""} ${c.brand ?? ""}`.trim();
    if (brand) out.brand_raw = brand;
    Object.assign(out, cleanBlock({
      vendor_id_raw: c.vendor || undefined,
      family: c.family || undefined,
      model: c.model || undefined,
      stepping: c.stepping || undefined,
      physical_cores: c.physicalCores || undefined,
      sockets: c.processors || undefined,
      speed_ghz: c.speed || undefined,
      speed_max_ghz: c.speedMax || undefined,
      cache: c.cache,
    }));
  }
  if (typeof flags === "string" && flags.trim()) out.flags = flags.trim().split(/\s+/);
  return out;
}

async function osInfo(): Promise<JsonObject> {
  const o = await (await loadSystemInformation()).osInfo();
  // Leaves out the machine serial and similar identifiers systeminformation also reports.
  return cleanBlock({ platform: o.platform, distro: o.distro, release: o.release, codename: o.codename, kernel: o.kernel, arch: o.arch });
}

async function disks(): Promise<JsonValue> {
  const list = await (await loadSystemInformation()).fsSize();
  return list.map((d) => cleanBlock({ fs: d.fs, type: d.type, mount: d.mount, size: d.size, used: d.used, available: d.available, percent: d.use }));
}

function network(): JsonObject {
  const out: JsonObject = {};
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    out[name] = (addrs ?? []).map((a) => cleanBlock({ family: a.family, address: a.address, netmask: a.netmask, mac: a.mac, cidr: a.cidr, internal: a.internal }));
  }
  return out;
}

function loginName(sys: MachineInfoSettings["sys_metadata"], env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (typeof sys?.login_name === "string") return sys.login_name;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? env.USERNAME;
  }
}

async function processInfo(probes: TelemetryProbes, signal: AbortSignal): Promise<JsonObject> {
  const bg = await probes.process({ signal }).catch(() => undefined);
  const { vms, ...rest } = bg ?? {};
  const inner = Object.keys(rest).length > 0 ? `,${JSON.stringify(rest).slice(1, -1)}` : "";
  return JSON.parse(`{${new ProcessCounters().fields(typeof vms === "number" ? vms : undefined)}${inner}}`) as JsonObject;
}

/** Runs a part with a time limit; on failure or timeout records why under `unavailable`. */
async function bounded(name: string, part: Part, ms: number, unavailable: JsonObject): Promise<JsonValue | undefined> {
  const timer = new AbortController();
  try {
    const result = await Promise.race([
      part(),
      sleep(ms, undefined, { signal: timer.signal }).then(() => {
        throw new Error(`timed out after ${ms} ms`);
      }),
    ]);
    if (result === undefined) unavailable[name] = "not reported on this machine";
    return result;
  } catch (err) {
    unavailable[name] = errorMessage(err);
    return undefined;
  } finally {
    timer.abort();
  }
}

/**
 * Describes the machine for the workflow record's `machine_info`. Each part
 * runs with a time limit and in parallel; a part that fails or times out is
 * left out and named, with the reason, under `unavailable`. Environment
 * variables are included through {@link redactEnvironment}, command-line
 * secrets through `redactArgv`. `gpu` is present when
 * `telemetry_capture.gpu` lists metrics and a GPU is visible.
 *
 * Never rejects.
 */
export async function collectMachineInfo(settings: MachineInfoSettings = {}, opts: MachineInfoOptions = {}): Promise<JsonObject> {
  const ms = opts.timeoutMs ?? 3000;
  const env = opts.env ?? process.env;
  const gpuMetrics = settings.telemetry_capture?.gpu ?? null;
  const abort = new AbortController();
  const info: JsonObject = {};
  const unavailable: JsonObject = {};
  try {
    const probes = createProbes({ backend: opts.backend, gpuMetrics, nvidiaSmi: opts.nvidiaSmi, probeTimeoutMs: ms, env });
    const parts: [string, Part][] = [
      ["platform", async () => platformInfo()],
      ["os", osInfo],
      ["cpu", cpuInfo],
      ["memory", () => probes.memory({ signal: abort.signal })],
      ["disk", () => diskUsage()],
      ["disks", disks],
      ["network", async () => network()],
      ["process", () => processInfo(probes, abort.signal)],
    ];
    if (gpuMetrics && gpuMetrics.length > 0) parts.push(["gpu", () => probes.gpu({ signal: abort.signal })]);
    const results = await Promise.all(parts.map(([name, part]) => bounded(name, part, ms, unavailable)));
    parts.forEach(([name], i) => {
      const value = results[i];
      if (value !== undefined) info[name] = value;
    });
    info.hostname = typeof settings.sys_metadata?.hostname === "string" ? settings.sys_metadata.hostname : hostname();
    const login = loginName(settings.sys_metadata, env);
    if (login) info.login_name = login;
    info.runtime = { name: "node", version: process.version, v8: process.versions.v8, uv: process.versions.uv };
    info.environment = redactEnvironment(env);
  } catch (err) {
    unavailable.machine_info = errorMessage(err);
  } finally {
    abort.abort();
  }
  if (Object.keys(unavailable).length > 0) {
    info.unavailable = unavailable;
    diag.debug(`flowcept telemetry: machine_info is missing ${Object.keys(unavailable).join(", ")}`);
  }
  return info;
}
