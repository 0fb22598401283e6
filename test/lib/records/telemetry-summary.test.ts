import { expect } from "chai";
import type { JsonObject } from "../../../lib/records/records.js";
import { telemetrySummary } from "../../../lib/records/telemetry-summary.js";
import { TelemetrySampler } from "../../../lib/telemetry/TelemetrySampler.js";

const start: JsonObject = {
  cpu: { times_avg: { user: 100.5, system: 20.25, idle: 1000 }, percent_all: 12.5, sampled_at: 1000.0, age_ms: 3 },
  memory: { virtual: { used: 4_000_000, percent: 40.1 }, swap: { used: 100 }, sampled_at: 1000.001, age_ms: 3 },
  disk: { io_sum: { read_bytes: 4096, write_bytes: 8192, read_count: 10, write_count: 20 }, sampled_at: 1000.002, age_ms: 2 },
  network: { netio_sum: { bytes_sent: 500, bytes_recv: 700, packets_sent: 5, packets_recv: 7 }, sampled_at: 1000.0, age_ms: 3 },
  process: { cpu_times: { user: 1.5, system: 0.25 }, memory: { rss: 1000, heap_used: 300 } },
  gpu: { gpu_0: { used: 1, sampled_at: 1000, age_ms: 0 } },
};
const end: JsonObject = {
  cpu: { times_avg: { user: 101.75, system: 20.5, idle: 1002 }, percent_all: 50, sampled_at: 1002.0, age_ms: 1 },
  memory: { virtual: { used: 5_000_000, percent: 50.2 }, swap: { used: 50 }, sampled_at: 1002.001, age_ms: 1 },
  disk: { io_sum: { read_bytes: 8192, write_bytes: 8192, read_count: 11, write_count: 25 }, sampled_at: 1002.002, age_ms: 1 },
  network: { netio_sum: { bytes_sent: 1500, bytes_recv: 700, packets_sent: 9, packets_recv: 8 }, sampled_at: 1002.0, age_ms: 1 },
  process: { cpu_times: { user: 2.5, system: 0.75 }, memory: { rss: 3000, heap_used: 200 } },
  gpu: { gpu_0: { used: 2, sampled_at: 1002, age_ms: 0 } },
};

describe("telemetrySummary", () => {
  it("computes Flowcept's end − start differences and the duration", () => {
    expect(telemetrySummary(start, end, 2.5)).to.deep.equal({
      duration_sec: 2.5,
      cpu: { percent_all_diff: 37.5, user_time_diff: 1.25, system_time_diff: 0.25, idle_time_diff: 2, sampled_window_sec: 2 },
      memory: { used_mem_diff: 1_000_000, percent_diff: 10.1, swap_used_diff: -50, sampled_window_sec: 2 },
      disk: { read_bytes_diff: 4096, write_bytes_diff: 0, read_count_diff: 1, write_count_diff: 5, sampled_window_sec: 2 },
      network: { bytes_sent_diff: 1000, bytes_recv_diff: 0, packets_sent_diff: 4, packets_recv_diff: 1, sampled_window_sec: 2 },
      // 1.5 s of CPU over 2.5 s of task.
      process: { user_time_diff: 1, system_time_diff: 0.5, rss_diff: 2000, heap_used_diff: -100, cpu_percent: 60 },
    });
  });

  it("shows when both snapshots came from the same background sample", () => {
    const s = telemetrySummary({ memory: start.memory! } as JsonObject, { memory: start.memory! } as JsonObject);
    expect(s).to.deep.equal({ memory: { used_mem_diff: 0, percent_diff: 0, swap_used_diff: 0, sampled_window_sec: 0 } });
  });

  it("leaves out blocks missing from either snapshot and fields either lacks", () => {
    const s = telemetrySummary(
      { cpu: { percent_all: 10 }, memory: start.memory! } as JsonObject,
      { cpu: { percent_all: 30, times_avg: { user: 5 } }, network: end.network! } as JsonObject,
    );
    expect(s).to.deep.equal({ cpu: { percent_all_diff: 20 } });
    expect(telemetrySummary({ process: start.process! } as JsonObject, { process: end.process! } as JsonObject))
      .to.have.nested.property("process.user_time_diff", 1);
    expect(telemetrySummary({ process: start.process! } as JsonObject, { process: end.process! } as JsonObject))
      .not.to.have.nested.property("process.cpu_percent");
  });

  it("never throws on malformed snapshots", () => {
    const bad = [null, "text", 42, [], { cpu: "x" }, { cpu: { times_avg: [1, 2] } }, { memory: { virtual: { used: "12" } } }];
    for (const a of bad) {
      for (const b of bad) {
        expect(() => telemetrySummary(a as unknown as JsonObject, b as unknown as JsonObject, Number.NaN)).not.to.throw();
      }
    }
    expect(telemetrySummary(null as unknown as JsonObject, end, 1)).to.deep.equal({ duration_sec: 1 });
  });

  it("summarises two real snapshots of the sampler", async () => {
    const sampler = new TelemetrySampler({ cpu: true, mem: true, disk: true, network: true, process_info: true }, { intervalMs: 60_000, cpuWarmupMs: 10 });
    await sampler.refresh();
    const a = sampler.capture()!;
    await sampler.refresh();
    const b = sampler.capture()!;
    const s = telemetrySummary(a, b, 0.01);
    expect(s).to.include.keys("duration_sec", "cpu", "memory", "disk", "network", "process");
    expect(s.cpu).to.include.keys("percent_all_diff", "user_time_diff", "system_time_diff", "idle_time_diff", "sampled_window_sec");
    expect((s.cpu as JsonObject).sampled_window_sec).to.be.at.least(0);
  });
});
