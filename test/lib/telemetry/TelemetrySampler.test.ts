import { expect } from "chai";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "../../../lib/records/records.js";
import { sharedTelemetrySampler } from "../../../lib/telemetry/shared-sampler.js";
import { TelemetrySampler, type TelemetrySamplerOptions } from "../../../lib/telemetry/TelemetrySampler.js";
import type { TelemetryProbe, TelemetryToggles } from "../../../lib/telemetry/telemetry-types.js";
import { captureDiag, type DiagCapture } from "./diag-capture.js";

const linux = process.platform === "linux" && existsSync("/proc/stat");
// A long interval: tests drive refreshes themselves instead of waiting for the timer.
const QUIET: TelemetrySamplerOptions = { intervalMs: 60_000, cpuWarmupMs: 10 };

function obj(v: unknown): JsonObject {
  expect(v, "expected an object").to.be.an("object").and.not.be.an("array");
  return v as JsonObject;
}

function expectNumbers(o: unknown, keys: string[]): void {
  for (const k of keys) expect(obj(o)[k], k).to.be.a("number");
}

async function snapshot(toggles: Partial<TelemetryToggles>, opts: TelemetrySamplerOptions = {}): Promise<JsonObject | undefined> {
  const s = new TelemetrySampler(toggles, { ...QUIET, ...opts }).start();
  try {
    await s.whenReady();
    return s.capture();
  } finally {
    s.stop();
  }
}

function expectAged(block: unknown): void {
  expectNumbers(block, ["sampled_at", "age_ms"]);
  expect(obj(block).age_ms).to.be.at.least(0);
}

describe("TelemetrySampler", () => {
  let logs: DiagCapture;
  beforeEach(() => (logs = captureDiag()));
  afterEach(() => logs.restore());

  it("captures nothing when every toggle is off", async () => {
    const s = new TelemetrySampler({ cpu: false, per_cpu: false, process_info: false, mem: false, disk: false, network: false, gpu: null });
    expect(s.enabled).to.equal(false);
    s.start();
    await s.whenReady();
    expect(s.capture()).to.equal(undefined);
    expect(s.captureJson()).to.equal(undefined);
    s.stop();
    expect(new TelemetrySampler({ gpu: [] }).enabled, "an empty GPU list is off").to.equal(false);
  });

  describe("each toggle turns exactly its block on", () => {
    it("cpu", async () => {
      const t = obj(await snapshot({ cpu: true }));
      expect(Object.keys(t)).to.deep.equal(["cpu"]);
      expectNumbers(t.cpu, ["percent_all"]);
      expectNumbers(obj(t.cpu).times_avg, ["user", "system", "idle"]);
      expect(obj(t.cpu).percent_all).to.be.within(0, 100);
      if (obj(t.cpu).frequency !== undefined) expect(obj(t.cpu).frequency).to.be.a("number");
      expect(t.cpu).not.to.have.any.keys("times_per_cpu", "percent_per_cpu");
      expectAged(t.cpu);
    });

    it("per_cpu", async () => {
      const t = obj(await snapshot({ per_cpu: true }));
      expect(Object.keys(t)).to.deep.equal(["cpu"]);
      const c = obj(t.cpu);
      expect(c).not.to.have.any.keys("times_avg", "percent_all");
      expect(c.times_per_cpu).to.be.an("array").with.length(cpus().length);
      expect(c.percent_per_cpu).to.be.an("array").with.length(cpus().length);
      for (const p of c.percent_per_cpu as unknown[]) expect(p).to.be.a("number").within(0, 100);
      expectNumbers((c.times_per_cpu as unknown[])[0], ["user", "system", "idle"]);
    });

    it("cpu and per_cpu together", async () => {
      const c = obj(obj(await snapshot({ cpu: true, per_cpu: true })).cpu);
      expect(c).to.include.keys("times_avg", "percent_all", "times_per_cpu", "percent_per_cpu");
    });

    it("process_info", async () => {
      const t = obj(await snapshot({ process_info: true }));
      expect(Object.keys(t)).to.deep.equal(["process"]);
      const p = obj(t.process);
      expect(p.pid).to.equal(process.pid);
      expect(p.executable).to.equal(process.execPath);
      expect(p.cmd_line).to.be.an("array").that.is.not.empty;
      for (const a of p.cmd_line as unknown[]) expect(a).to.be.a("string");
      expectNumbers(p.memory, ["rss", "heap_total", "heap_used", "external", "array_buffers"]);
      expect(obj(p.memory).rss).to.be.above(0);
      expectNumbers(p, ["memory_percent", "cpu_percent"]);
      expect(p.cpu_percent).to.be.at.least(0);
      expectNumbers(p.cpu_times, ["user", "system"]);
      expectNumbers(p.num_ctx_switches, ["voluntary", "involuntary"]);
      if (linux) {
        expectNumbers(p, ["num_threads", "num_open_file_descriptors"]);
        expectNumbers(p.memory, ["vms"]);
        if (existsSync("/proc/self/io")) expectNumbers(p.io_counters, ["read_count", "write_count", "read_bytes", "write_bytes"]);
        expectAged(p);
      }
    });

    it("mem", async () => {
      const t = obj(await snapshot({ mem: true }));
      expect(Object.keys(t)).to.deep.equal(["memory"]);
      expectNumbers(obj(t.memory).virtual, ["total", "available", "used", "free", "percent"]);
      expectNumbers(obj(t.memory).swap, ["total", "used", "free", "percent"]);
      expect(obj(obj(t.memory).virtual).total).to.be.above(0);
      expectAged(t.memory);
    });

    it("disk", async () => {
      const t = obj(await snapshot({ disk: true }));
      expect(Object.keys(t)).to.deep.equal(["disk"]);
      expectNumbers(obj(t.disk).disk_usage, ["total", "used", "free", "percent"]);
      if (linux) expectNumbers(obj(t.disk).io_sum, ["read_count", "write_count", "read_bytes", "write_bytes"]);
      expectAged(t.disk);
    });

    it("network", async () => {
      const t = obj(await snapshot({ network: true }));
      expect(Object.keys(t)).to.deep.equal(["network"]);
      const fields = ["bytes_sent", "bytes_recv", "errin", "errout", "dropin", "dropout"];
      expectNumbers(obj(t.network).netio_sum, linux ? [...fields, "packets_sent", "packets_recv"] : fields);
      expectAged(t.network);
    });

    it("gpu without any NVIDIA tool: no block, one diag line", async () => {
      const s = new TelemetrySampler({ gpu: ["used", "name"] }, { ...QUIET, nvidiaSmi: "/nonexistent/nvidia-smi" }).start();
      await s.whenReady();
      await s.refresh();
      expect(s.capture()).to.equal(undefined);
      s.stop();
      expect(logs.warnings.filter((w) => w.includes('"gpu"'))).to.have.length(1);
    });
  });

  it("with every toggle on writes every block in Flowcept's order and no null", async () => {
    const s = new TelemetrySampler({ cpu: true, per_cpu: true, process_info: true, mem: true, disk: true, network: true }, QUIET).start();
    await s.whenReady();
    const json = s.captureJson()!;
    s.stop();
    expect(json).not.to.include("null");
    expect(Object.keys(JSON.parse(json))).to.deep.equal(["cpu", "process", "memory", "disk", "network"]);
  });

  it("capture() and captureJson() return the same snapshot", async () => {
    const s = new TelemetrySampler({ cpu: true, mem: true, disk: true, network: true }, QUIET).start();
    await s.whenReady();
    const a = JSON.parse(s.captureJson()!) as JsonObject;
    const b = s.capture()!;
    s.stop();
    for (const k of ["cpu", "memory", "disk", "network"]) {
      const { age_ms: _a, ...restA } = obj(a[k]);
      const { age_ms: _b, ...restB } = obj(b[k]);
      expect(restA, k).to.deep.equal(restB);
    }
    b.memory = "changed by the caller";
    expect(s.capture()!.memory, "each capture is a new object").to.be.an("object");
  });

  it("before the first sample returns the per-call counters only, without waiting", () => {
    const s = new TelemetrySampler({ process_info: true, mem: true, cpu: true }, QUIET);
    expect(Object.keys(s.capture()!)).to.deep.equal(["process"]);
    s.start();
    expect(Object.keys(s.capture()!)).to.deep.equal(["process"]);
    s.stop();
    const m = new TelemetrySampler({ mem: true }, QUIET).start();
    expect(m.captureJson()).to.equal(undefined);
    m.stop();
  });

  it("stamps each background block with when it was read and how old it is", async () => {
    const s = new TelemetrySampler({ mem: true }, { ...QUIET, probes: { memory: async () => ({ virtual: { used: 1 } }) } });
    const before = Date.now() / 1000;
    await s.refresh();
    const after = Date.now() / 1000;
    const m = obj(s.capture()!.memory);
    expect(m.sampled_at).to.be.within(before, after);
    expect(m.age_ms).to.be.a("number").and.at.least(0);
    expect(Number.isInteger(m.age_ms)).to.equal(true);
  });

  it("drops the block of a failing probe, logs once per block and never throws", async () => {
    const calls = { memory: 0, network: 0, disk: 0 };
    const probes: Record<string, TelemetryProbe> = {
      memory: () => {
        calls.memory++;
        throw new Error("meminfo is gone");
      },
      network: async () => {
        calls.network++;
        throw new Error("no such interface table");
      },
      disk: async () => {
        calls.disk++;
        return [1, 2, 3] as unknown as JsonObject;
      },
      cpu: async () => ({ percent_all: Number.NaN, times_avg: { user: 1, idle: Number.POSITIVE_INFINITY } }),
    };
    const s = new TelemetrySampler({ cpu: true, mem: true, disk: true, network: true }, { ...QUIET, probes });
    for (let i = 0; i < 12; i++) await s.refresh();
    let snap: JsonObject | undefined;
    expect(() => (snap = s.capture())).not.to.throw();
    expect(Object.keys(snap!)).to.deep.equal(["cpu"]);
    expect(obj(snap!.cpu).times_avg, "non-finite numbers are left out, not written as null").to.deep.equal({ user: 1 });
    expect(obj(snap!.cpu)).not.to.have.key("percent_all");
    expect(calls.memory, "a failing probe is retried").to.be.above(1);
    expect(calls.memory, "with a back-off").to.be.below(12);
    for (const block of ["memory", "network", "disk"]) {
      expect(logs.warnings.filter((w) => w.includes(`"${block}"`)), block).to.have.length(1);
    }
    expect(logs.warnings.join("\n")).to.include("meminfo is gone").and.include("an array");
  });

  it("brings a block back once its probe recovers", async () => {
    let fail = true;
    const s = new TelemetrySampler({ mem: true }, { ...QUIET, probes: { memory: async () => {
      if (fail) throw new Error("transient");
      return { virtual: { used: 42 } };
    } } });
    await s.refresh();
    expect(s.capture()).to.equal(undefined);
    fail = false;
    for (let i = 0; i < 4; i++) await s.refresh();
    expect(obj(obj(s.capture()!.memory).virtual).used).to.equal(42);
  });

  it("leaves out a block whose probe has nothing to report, silently", async () => {
    const s = new TelemetrySampler({ gpu: ["used"] }, { ...QUIET, probes: { gpu: async () => undefined } });
    await s.refresh();
    expect(s.capture()).to.equal(undefined);
    expect(logs.warnings).to.deep.equal([]);
  });

  it("reference-counts start() and stop()", () => {
    const s = new TelemetrySampler({ mem: true }, QUIET);
    s.start().start();
    s.stop();
    expect(s.running).to.equal(true);
    s.stop();
    expect(s.running).to.equal(false);
    s.stop();
    expect(s.running).to.equal(false);
    s.start();
    expect(s.running, "a stopped sampler can start again").to.equal(true);
    s.stop();
  });

  it("refreshes on request after being stopped", async () => {
    let n = 0;
    const s = new TelemetrySampler({ mem: true }, { ...QUIET, probes: { memory: async () => ({ virtual: { used: ++n } }) } });
    s.start();
    await s.whenReady();
    s.stop();
    await s.refresh();
    expect(obj(obj(s.capture()!.memory).virtual).used).to.equal(2);
  });

  it("is shared between workflows with the same toggles", () => {
    const a = sharedTelemetrySampler({ cpu: true, mem: true });
    expect(sharedTelemetrySampler({ mem: true, cpu: true, disk: false })).to.equal(a);
    expect(sharedTelemetrySampler({ cpu: true })).not.to.equal(a);
    expect(sharedTelemetrySampler({ cpu: true, mem: true, interval_ms: 500 })).not.to.equal(a);
  });

  it("refreshes in the background while running and not after the last stop()", async () => {
    let calls = 0;
    let third!: () => void;
    const reachedThird = new Promise<void>((r) => (third = r));
    const s = new TelemetrySampler({ mem: true }, {
      intervalMs: 50,
      probes: { memory: async () => {
        if (++calls === 3) third();
        return { virtual: { used: calls } };
      } },
    });
    s.start();
    await reachedThird;
    s.stop();
    const atStop = calls;
    await sleep(300);
    expect(calls).to.equal(atStop);
  });

  it("aborts a probe still running when the last user stops", async () => {
    let seen: AbortSignal | undefined;
    const s = new TelemetrySampler({ mem: true }, { ...QUIET, probes: { memory: ({ signal }) => {
      seen = signal;
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
    } } });
    s.start();
    s.stop();
    expect(seen?.aborted).to.equal(true);
    await s.whenReady();
    expect(s.capture()).to.equal(undefined);
    expect(logs.warnings, "being stopped is not a probe failure").to.deep.equal([]);
  });

  it("raises an unusable interval_ms to a safe one and says so", () => {
    new TelemetrySampler({ mem: true, interval_ms: 1 });
    new TelemetrySampler({ mem: true, interval_ms: Number.NaN });
    expect(logs.warnings).to.have.length(2);
    expect(logs.warnings[0]).to.include("interval_ms=1").and.include("50 ms");
    expect(logs.warnings[1]).to.include("1000 ms");
  });

  it("warns once about GPU metrics NVIDIA devices do not report", () => {
    new TelemetrySampler({ gpu: ["used", "activity"] }, QUIET);
    expect(logs.warnings).to.have.length(1);
    expect(logs.warnings[0]).to.include("activity");
  });

  it("reports the same blocks through the portable backend (os + systeminformation)", async function () {
    this.timeout(20_000);
    const t = obj(await snapshot({ cpu: true, mem: true, disk: true, network: true }, { backend: "portable" }));
    expect(Object.keys(t)).to.deep.equal(["cpu", "memory", "disk", "network"]);
    expectNumbers(obj(t.cpu).times_avg, ["user", "system", "idle"]);
    expectNumbers(obj(t.memory).virtual, ["total", "available", "used", "free", "percent"]);
    expectNumbers(obj(t.disk).disk_usage, ["total", "used", "free", "percent"]);
    expectNumbers(obj(t.network).netio_sum, ["bytes_sent", "bytes_recv"]);
  });
});
