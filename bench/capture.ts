/**
 * Cost of capture, side by side in one run (interleaved rounds, medians):
 * a plain call, a bare OTel SDK span, the same span with two JSON attributes,
 * flowceptTask, lightweightFlowceptTask, and both loops per iteration — then
 * end-to-end throughput of 1M tasks into the JSONL store with peak RSS.
 */
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configure, Flowcept, FlowceptLightweightLoop, FlowceptLoop, flowceptTask, lightweightFlowceptTask, registerFlowcept, resetSettings } from "../lib/index.js";
import { cpuNs, fmtNs, heading, interleave, median, table, timeOps } from "./stats.js";

const noopProcessor: SpanProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

function countLines(path: string): number {
  const buf = readFileSync(path);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
  return n;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-bench-"));
  const N = 20_000;
  const ROUNDS = 9;
  try {
    configure({ project: { dump_buffer: { path: join(dir, "per-call.jsonl") } } });
    const bareTracer = new BasicTracerProvider({ spanProcessors: [noopProcessor] }).getTracer("bench");
    let sink = 0;
    const plain = (x: number) => x + 1;
    const task = flowceptTask(function addOne(x: number) {
      return x + 1;
    });
    const light = lightweightFlowceptTask(function addOneLight(x: number) {
      return x + 1;
    });
    // A training step: the same state object, mutated and returned by every call.
    const state = { step: 0, loss: 1, lr: 0.01, phase: "train" };
    const lightState = lightweightFlowceptTask(function trainStep(x: number) {
      state.step = x;
      state.loss = 1 / (x + 1);
      return state;
    });

    const cases = (label: string) => [
      { name: "plain function call", run: () => timeOps(N, (i) => (sink += plain(i))) },
      {
        name: "bare OTel span (start+end, no-op processor)",
        run: () =>
          timeOps(N, (i) => {
            const s = bareTracer.startSpan("addOne");
            sink += plain(i);
            s.end();
          }),
      },
      {
        name: "bare OTel span + two JSON attributes",
        run: () =>
          timeOps(N, (i) => {
            const s = bareTracer.startSpan("addOne", { attributes: { "flowcept.used": JSON.stringify({ x: i }) } });
            const r = plain(i);
            s.setAttribute("flowcept.generated", JSON.stringify({ arg_0: r }));
            s.end();
            sink += r;
          }),
      },
      { name: `flowceptTask ${label}`, run: () => timeOps(N, (i) => (sink += task(i))) },
      { name: `lightweightFlowceptTask ${label}`, run: () => timeOps(N, (i) => (sink += light(i))) },
      { name: `lightweightFlowceptTask, object result ${label}`, run: () => timeOps(N, (i) => (sink += lightState(i).step)) },
      {
        name: `FlowceptLoop per iteration ${label}`,
        run: () =>
          timeOps(1, () => {
            const loop = new FlowceptLoop(N, { loopName: "l" });
            for (const i of loop) loop.endIter({ v: i });
          }) / N,
      },
      {
        name: `FlowceptLightweightLoop per iteration ${label}`,
        run: () =>
          timeOps(1, () => {
            const loop = new FlowceptLightweightLoop(N, { loopName: "ll" });
            for (const i of loop) loop.endIter({ v: i });
          }) / N,
      },
    ];
    const report = (results: Map<string, number[]>) => {
      const bareJson = median(results.get("bare OTel span + two JSON attributes")!);
      const rows = [["case", "median/call", "min", "max", "vs bare span+JSON"]];
      for (const [name, xs] of results) rows.push([name, fmtNs(median(xs)), fmtNs(Math.min(...xs)), fmtNs(Math.max(...xs)), `${(median(xs) / bareJson).toFixed(2)}x`]);
      process.stdout.write(`${table(rows)}\n`);
    };

    heading("capture cost per call, records mapped then discarded (no exporter): CPU time, median of 9 interleaved rounds of 20k calls");
    const captureOnly = registerFlowcept({ processor: { exporters: [] } });
    await Flowcept.run({ workflowName: "bench" }, async () => report(await interleave(cases("(no exporter)"), ROUNDS)));
    await captureOnly.shutdown();

    heading("capture cost per call with a trace view (a no-op span processor beside Flowcept's: every task also makes an SDK span), no exporter");
    const traced = registerFlowcept({ processor: { exporters: [] }, spanProcessors: [noopProcessor] });
    await Flowcept.run({ workflowName: "bench" }, async () => report(await interleave(cases("(trace view)"), ROUNDS)));
    await traced.shutdown();

    heading("capture cost per call including the JSONL local store (serialisation and disk writes amortised)");
    registerFlowcept();
    await Flowcept.run({ workflowName: "bench" }, async () => report(await interleave(cases("(JSONL store)"), ROUNDS)));

    heading("telemetry overhead per task: flowceptTask with cpu+mem+disk+network telemetry vs without, same run (JSONL store)");
    configure({ telemetry_capture: { cpu: true, mem: true, disk: true, network: true } });
    const withTel = flowceptTask(function telemetryOn(x: number) {
      return x + 1;
    });
    const withoutTel = flowceptTask({ captureTelemetry: false }, function telemetryOff(x: number) {
      return x + 1;
    });
    await Flowcept.run({ workflowName: "bench-telemetry" }, async () => {
      const tel = await interleave(
        [
          { name: "flowceptTask, telemetry off", run: () => timeOps(N / 4, (i) => (sink += withoutTel(i))) },
          { name: "flowceptTask, cpu+mem+disk+network", run: () => timeOps(N / 4, (i) => (sink += withTel(i))) },
        ],
        ROUNDS,
      );
      const off = median(tel.get("flowceptTask, telemetry off")!);
      const on = median(tel.get("flowceptTask, cpu+mem+disk+network")!);
      process.stdout.write(`${table([
        ["case", "median/call"],
        ["flowceptTask, telemetry off", fmtNs(off)],
        ["flowceptTask, cpu+mem+disk+network", fmtNs(on)],
        ["overhead of telemetry per task", fmtNs(on - off)],
      ])}\n`);
    });
    resetSettings();

    heading("end-to-end: 1M tasks into the JSONL store (single run each)");
    const e2e = [["path", "tasks/s (wall)", "tasks/s (CPU)", "records on disk", "lost", "peak RSS"]];
    for (const [label, make] of [
      ["lightweightFlowceptTask", () => lightweightFlowceptTask(function e2eLight(x: number) { return x + 1; })],
      ["flowceptTask", () => flowceptTask(function e2eTask(x: number) { return x + 1; })],
    ] as const) {
      resetSettings();
      const file = join(dir, `e2e-${label}.jsonl`);
      configure({ project: { dump_buffer: { path: file } } });
      const fn = make();
      const TOTAL = 1_000_000;
      if (global.gc) global.gc();
      let peak = process.memoryUsage().rss;
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      await Flowcept.run({ workflowName: `e2e-${label}` }, () => {
        for (let i = 0; i < TOTAL; i++) {
          sink += fn(i);
          if ((i & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
        }
      });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuSecs = cpuNs(c0) / 1e9;
      peak = Math.max(peak, process.memoryUsage().rss);
      const lines = countLines(file);
      const taskLines = lines - 2; // workflow start + end messages
      e2e.push([label, Math.round(TOTAL / secs).toLocaleString("en-US"), Math.round(TOTAL / cpuSecs).toLocaleString("en-US"), taskLines.toLocaleString("en-US"), String(TOTAL - taskLines), `${(peak / 2 ** 20).toFixed(0)} MiB`]);
      rmSync(file, { force: true });
    }
    process.stdout.write(`${table(e2e)}\n`);
    if (sink === 42) process.stdout.write("");
  } finally {
    resetSettings();
    rmSync(dir, { recursive: true, force: true });
  }
}
