import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { FlowceptLightweightLoop } from "../../../lib/capture/FlowceptLightweightLoop.js";
import { FlowceptLoop } from "../../../lib/capture/FlowceptLoop.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { flowceptTask, telemetryFlowceptTask } from "../../../lib/capture/flowcept-task.js";
import { configure } from "../../../lib/settings/settings-loader.js";
import { useTempStore } from "../../support/temp-store.js";

const run = promisify(execFile);

describe("telemetry on tasks and workflows", function () {
  this.timeout(20_000);
  const store = useTempStore();

  it("captures the configured blocks at start and end, with a summary", async () => {
    configure({ telemetry_capture: { cpu: true, mem: true, disk: false, network: true } });
    const work = flowceptTask(function work(n: number) {
      let x = 0;
      for (let i = 0; i < n; i++) x += Math.sqrt(i);
      return x;
    });
    await Flowcept.run({}, () => work(200_000));
    const t = (await store.tasks())[0]!;
    for (const snap of [t.telemetry_at_start!, t.telemetry_at_end!]) {
      expect(snap).to.have.keys("cpu", "memory", "network");
      expect((snap.cpu as any).times_avg.user).to.be.a("number");
      expect((snap.cpu as any).percent_all).to.be.a("number");
      expect((snap.memory as any).virtual.total).to.be.greaterThan(0);
      expect((snap.network as any).netio_sum.bytes_recv).to.be.a("number");
      expect((snap.cpu as any).age_ms).to.be.a("number");
    }
    expect(t.telemetry_summary).to.have.property("duration_sec").that.is.a("number");
    expect(t.telemetry_summary).to.have.property("cpu");
  });

  it("leaves telemetry out when every block is off, and per call when captureTelemetry is false", async () => {
    const plain = flowceptTask(function plain() {
      return 1;
    });
    await Flowcept.run({}, () => plain());
    configure({ telemetry_capture: { cpu: true } });
    const off = flowceptTask({ captureTelemetry: false }, function off() {
      return 1;
    });
    await Flowcept.run({}, () => off());
    for (const t of await store.tasks()) {
      expect(t).to.not.have.property("telemetry_at_start");
      expect(t).to.not.have.property("telemetry_at_end");
    }
  });

  it("telemetryFlowceptTask and FlowceptTask get default blocks when asked explicitly", async () => {
    const step = telemetryFlowceptTask(function step() {
      return 1;
    });
    await Flowcept.run({}, () => {
      step();
      new FlowceptTask({ activityId: "custom", captureTelemetry: true }).end();
    });
    for (const t of await store.tasks()) {
      expect(t.telemetry_at_start, t.activity_id).to.include.keys("cpu", "memory", "disk", "network");
      expect(t.telemetry_at_end).to.include.keys("cpu", "memory");
    }
  });

  it("an explicit telemetry task follows the current settings, not the sampler another running workflow started", async () => {
    // A long-lived workflow (as the process's implicit one is) keeps the cpu-only sampler running…
    configure({ telemetry_capture: { cpu: true } });
    const longLived = await new Flowcept({ workflowName: "long_lived" }).start();
    try {
      // …while the settings now turn every block off: explicit telemetry gets the default blocks.
      configure({ telemetry_capture: { cpu: false } });
      const step = telemetryFlowceptTask(function explicitStep() {
        return 1;
      });
      await Flowcept.run({}, () => step());
      const t = (await store.tasks()).find((r) => r.activity_id === "explicitStep")!;
      expect(t.telemetry_at_start).to.include.keys("cpu", "memory", "disk", "network");
    } finally {
      await longLived.stop();
    }
  });

  it("an explicit telemetry task reads this process's counters at its own start and end: a 17 ms CPU-bound task shows its CPU time", async () => {
    const spin = telemetryFlowceptTask(function spin(cpuMs: number) {
      const start = process.cpuUsage();
      let x = 0;
      for (;;) {
        for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
        const used = process.cpuUsage(start);
        if ((used.user + used.system) / 1000 >= cpuMs) return x;
      }
    });
    const custom = (): void => {
      const t = new FlowceptTask({ activityId: "custom_spin", captureTelemetry: true });
      const start = process.cpuUsage();
      while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 17) Math.sqrt(Math.random());
      t.end();
    };
    await Flowcept.run({}, () => {
      spin(17);
      custom();
    });
    for (const t of await store.tasks()) {
      const summary = t.telemetry_summary as { process: { user_time_diff: number; system_time_diff: number; cpu_percent: number; rss_diff: number } };
      expect(t.telemetry_at_start, t.activity_id).to.have.property("process").that.has.keys("pid", "executable", "cmd_line", "memory", "memory_percent", "cpu_times", "cpu_percent", "num_ctx_switches");
      expect(summary.process.user_time_diff + summary.process.system_time_diff, t.activity_id).to.be.at.least(0.017);
      expect(summary.process.cpu_percent).to.be.greaterThan(0);
      expect(summary.process.rss_diff).to.be.a("number");
    }
  });

  it("FlowceptLoop attaches telemetry_at_end per iteration; the lightweight loop never does", async () => {
    configure({ telemetry_capture: { mem: true } });
    await Flowcept.run({}, () => {
      for (const _ of new FlowceptLoop(3, { loopName: "full" })) {
        // body
      }
      for (const _ of new FlowceptLightweightLoop(3, { loopName: "light" })) {
        // body
      }
    });
    const tasks = await store.tasks();
    const full = tasks.filter((t) => t.activity_id === "full_iteration");
    expect(full).to.have.length(3);
    for (const t of full) expect(t.telemetry_at_end).to.have.key("memory");
    const light = tasks.filter((t) => t.activity_id === "light_iteration");
    expect(light).to.have.length(3);
    for (const t of light) expect(t).to.not.have.property("telemetry_at_end");
  });

  it("records machine_info on the workflow without secret values", async () => {
    configure({ telemetry_capture: { machine_info: true } });
    process.env.FLOWCEPT_TEST_API_TOKEN = "tok-very-secret-value";
    process.env.FLOWCEPT_TEST_DB_URL = "postgres://app:hunter2@db.local/app";
    try {
      await Flowcept.run({ workflowName: "probe" }, () => undefined);
    } finally {
      delete process.env.FLOWCEPT_TEST_API_TOKEN;
      delete process.env.FLOWCEPT_TEST_DB_URL;
    }
    const wf = (await store.workflows())[0]!;
    const mi = wf.machine_info as Record<string, any>;
    expect(mi).to.include.keys("platform", "cpu", "memory", "hostname");
    const text = JSON.stringify(wf);
    expect(text).to.not.contain("tok-very-secret-value");
    expect(text).to.not.contain("hunter2");
  });

  it("leaves no timer running: a program with telemetry on exits by itself", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-tel-"));
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `telemetry_capture:\n  cpu: true\n  mem: true\n  disk: true\n  network: true\n  machine_info: true\n  interval_ms: 50\nproject:\n  dump_buffer:\n    path: ${join(dir, "buf.jsonl")}\n`);
    const lib = new URL("../../../lib/index.js", import.meta.url).href;
    const script = `import { Flowcept, flowceptTask } from ${JSON.stringify(lib)};
      const t = flowceptTask(function t() { return 1; });
      await Flowcept.run({}, async () => { t(); await new Promise((r) => setTimeout(r, 200)); t(); });`;
    const started = Date.now();
    await run(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, FLOWCEPT_SETTINGS_PATH: settings }, timeout: 15_000 });
    expect(Date.now() - started).to.be.lessThan(15_000);
  });
});
