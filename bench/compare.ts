/**
 * `npm run bench -- compare`: the capture styles against their targets, in
 * one run. Rows: a plain call, a bare OTel SDK span, the same span with two
 * JSON attributes, each capture style with the JSONL store and without an
 * exporter, and Python Flowcept 1.0.3 for the same four styles (its calls
 * alone, and with its JSONL dump at stop). Every capture batch is one
 * workflow, timed from the first call to the end of `stop()`, when the
 * records are durable in the store — the same for Python Flowcept. CPU time
 * of the process, medians of interleaved rounds.
 *
 * Python Flowcept is run from the integration peers' virtual environment
 * (test/integration/peers/build-peers.sh), or the Python FLOWCEPT_OTEL_FLOWCEPT
 * names, with the settings file of the integration tests (offline mode,
 * telemetry off); without it its rows are skipped with the reason.
 */
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { configure, Flowcept, FlowceptLightweightLoop, FlowceptLoop, flowceptTask, lightweightFlowceptTask, registerFlowcept, resetSettings } from "../lib/index.js";
import { findPeer } from "../test/integration/support/peers.js";
import { writeOfflineSettings } from "../test/integration/support/python-flowcept.js";
import { cpuNs, fmtNs, heading, median, table, timeOps } from "./stats.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STYLES = ["flowceptTask", "lightweightFlowceptTask", "FlowceptLoop", "FlowceptLightweightLoop"] as const;
type Style = (typeof STYLES)[number];
/** Per call or iteration, end to end with the store: absolute targets, or a multiple of the bare span with two JSON attributes. */
const TARGETS: Record<Style, { ns?: number; timesBareJson?: number }> = {
  flowceptTask: { timesBareJson: 2 },
  lightweightFlowceptTask: { ns: 1000 },
  FlowceptLoop: { timesBareJson: 2 },
  FlowceptLightweightLoop: { ns: 600 },
};

const noopProcessor: SpanProcessor = { onStart() {}, onEnd() {}, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

let sink = 0;

// Wrapped once, as an application does (and as the Python script decorates at module level).
const task = flowceptTask(function addOne(x: number) {
  return x + 1;
});
const light = lightweightFlowceptTask(function addOneLight(x: number) {
  return x + 1;
});

function styleBody(style: Style, n: number): () => void {
  switch (style) {
    case "flowceptTask":
      return () => {
        for (let i = 0; i < n; i++) sink += task(i);
      };
    case "lightweightFlowceptTask":
      return () => {
        for (let i = 0; i < n; i++) sink += light(i);
      };
    case "FlowceptLoop":
      return () => {
        const loop = new FlowceptLoop(n, { loopName: "l", itemName: "i" });
        for (const i of loop) loop.endIter({ v: i });
      };
    case "FlowceptLightweightLoop":
      return () => {
        const loop = new FlowceptLightweightLoop(n, { loopName: "ll", itemName: "i" });
        for (const i of loop) loop.endIter({ v: i });
      };
  }
}

/** ns per call of one workflow of `CALLS` calls, up to the end of its stop(). */
async function timeWorkflow(style: Style, calls = CALLS): Promise<number> {
  const body = styleBody(style, calls);
  const t0 = process.cpuUsage();
  await Flowcept.run({ workflowName: `bench-${style}` }, body);
  return cpuNs(t0) / calls;
}

function baselines(): Record<string, () => number> {
  const tracer = new BasicTracerProvider({ spanProcessors: [noopProcessor] }).getTracer("bench");
  const plain = (x: number) => x + 1;
  return {
    "plain function call": () => timeOps(CALLS, (i) => (sink += plain(i))),
    "bare OTel span": () =>
      timeOps(CALLS, (i) => {
        const s = tracer.startSpan("addOne");
        sink += plain(i);
        s.end();
      }),
    "bare OTel span + two JSON attributes": () =>
      timeOps(CALLS, (i) => {
        const s = tracer.startSpan("addOne", { attributes: { "flowcept.used": JSON.stringify({ x: i }) } });
        const r = plain(i);
        s.setAttribute("flowcept.generated", JSON.stringify({ arg_0: r }));
        s.end();
        sink += r;
      }),
  };
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

interface NodeResults {
  base: Map<string, number[]>;
  store: Map<Style, number[]>;
  none: Map<Style, number[]>;
  bytes: Map<Style, number>;
}

async function measureNode(dir: string): Promise<NodeResults> {
  const base = new Map<string, number[]>();
  const store = new Map<Style, number[]>(STYLES.map((s) => [s, []]));
  const none = new Map<Style, number[]>(STYLES.map((s) => [s, []]));
  const bytes = new Map<Style, number>();
  const storePath = join(dir, "store.jsonl");
  configure({ project: { dump_buffer: { path: storePath } } });
  const b = baselines();
  // A warm-up round, not counted: every path compiled before the first timed call.
  const warm = registerFlowcept();
  for (const run of Object.values(b)) run();
  for (const s of STYLES) await timeWorkflow(s, Math.ceil(CALLS / 10));
  await warm.shutdown();
  rmSync(storePath, { force: true });
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, run] of Object.entries(b)) {
      if (!base.has(name)) base.set(name, []);
      base.get(name)!.push(run());
    }
    const noExporter = registerFlowcept({ processor: { exporters: [] } });
    for (const s of STYLES) none.get(s)!.push(await timeWorkflow(s));
    await noExporter.shutdown();
    const withStore = registerFlowcept();
    for (const s of STYLES) {
      const before = fileSize(storePath);
      store.get(s)!.push(await timeWorkflow(s));
      bytes.set(s, (fileSize(storePath) - before) / CALLS);
    }
    await withStore.shutdown();
    rmSync(storePath, { force: true });
  }
  resetSettings();
  return { base, store, none, bytes };
}

const THROUGHPUT_TASKS = Number(process.env.BENCH_THROUGHPUT_TASKS ?? 1_000_000);

function countLines(path: string): number {
  const buf = readFileSync(path);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Records per second into the JSONL store, CPU time of the process, with RSS at each quarter of the run. */
async function throughput(dir: string): Promise<void> {
  heading(`throughput into the JSONL store: ${THROUGHPUT_TASKS.toLocaleString("en-US")} tasks in one workflow, up to the end of stop() (records/s of CPU time and of wall time; RSS at each quarter, the heap still live after a full collection at the end)`);
  const rows = [["path", "records/s (CPU)", "records/s (wall)", "records on disk", "lost", "RSS at 25/50/75/100 %", "live heap after"]];
  for (const style of ["lightweightFlowceptTask", "flowceptTask"] as const) {
    const file = join(dir, `throughput-${style}.jsonl`);
    configure({ project: { dump_buffer: { path: file } } });
    const reg = registerFlowcept();
    const fn = style === "flowceptTask" ? task : light;
    if (global.gc) global.gc();
    const rss: string[] = [];
    const quarter = Math.floor(THROUGHPUT_TASKS / 4);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await Flowcept.run({ workflowName: `throughput-${style}` }, () => {
      for (let i = 1; i <= THROUGHPUT_TASKS; i++) {
        sink += fn(i);
        if (i % quarter === 0) rss.push(`${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
      }
    });
    const cpu = cpuNs(c0) / 1e9;
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    await reg.shutdown();
    if (global.gc) global.gc();
    const live = `${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`;
    const tasks = countLines(file) - 2; // the workflow's start and end messages
    rows.push([style, Math.round(THROUGHPUT_TASKS / cpu).toLocaleString("en-US"), Math.round(THROUGHPUT_TASKS / wall).toLocaleString("en-US"), tasks.toLocaleString("en-US"), String(THROUGHPUT_TASKS - tasks), `${rss.join(" / ")} MiB`, live]);
    rmSync(file, { force: true });
    resetSettings();
  }
  process.stdout.write(`${table(rows)}\n`);
}

interface PythonResults {
  calls: Map<Style, number[]>;
  withDump: Map<Style, number[]>;
  bytes: number;
}

function measurePython(python: string, dir: string): PythonResults {
  const buffer = join(dir, "python-buffer.jsonl");
  const settings = writeOfflineSettings(dir, buffer, { telemetry: false, enrichMessages: false });
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "python", "flowcept_capture.py");
  const out = execFileSync(python, [script, String(CALLS), String(ROUNDS)], {
    cwd: dir,
    env: { ...process.env, HOME: dir, FLOWCEPT_SETTINGS_PATH: settings },
    encoding: "utf8",
    maxBuffer: 16 * 2 ** 20,
    timeout: 30 * 60_000,
  });
  const parsed = JSON.parse(out.trim().split("\n").pop()!) as Record<Style, [number, number][]>;
  // The buffer holds the last workflow (its dump overwrites the file): lightweight loop iterations.
  const text = existsSync(buffer) ? readFileSync(buffer, "utf8") : "";
  const lines = text.split("\n").filter(Boolean);
  const tasks = lines.filter((l) => l.includes('"task_id"'));
  const bytes = tasks.length ? tasks.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) / tasks.length : NaN;
  return {
    calls: new Map(STYLES.map((s) => [s, parsed[s].map((p) => p[0])])),
    withDump: new Map(STYLES.map((s) => [s, parsed[s].map((p) => p[1])])),
    bytes,
  };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-compare-"));
  try {
    const load = loadavg().map((l) => l.toFixed(2)).join(" ");
    heading(`capture styles against their targets: ${CALLS.toLocaleString("en-US")} calls per batch, CPU time, median of ${ROUNDS} interleaved rounds (load average ${load})`);
    const node = await measureNode(dir);
    const found = findPeer("flowcept");
    let py: PythonResults | undefined;
    let pyNote = "";
    if ("program" in found) {
      try {
        py = measurePython(found.program, dir);
      } catch (err) {
        pyNote = `Python Flowcept rows skipped: it failed: ${(err as Error).message.split("\n")[0]}`;
      }
    } else pyNote = `Python Flowcept rows skipped: ${found.missing}`;

    const m = (xs: number[] | undefined) => (xs && xs.length ? median(xs) : NaN);
    const bareJson = m(node.base.get("bare OTel span + two JSON attributes"));
    const rows = [["per call / iteration", "flowcept-otel, JSONL store", "flowcept-otel, no exporter", "Python Flowcept, calls", "Python Flowcept, with dump", "bytes/record"]];
    for (const [name, xs] of node.base) rows.push([name, fmtNs(m(xs)), "", "", "", ""]);
    for (const s of STYLES) {
      rows.push([s, fmtNs(m(node.store.get(s))), fmtNs(m(node.none.get(s))), py ? fmtNs(m(py.calls.get(s))) : "-", py ? fmtNs(m(py.withDump.get(s))) : "-", node.bytes.get(s)!.toFixed(0)]);
    }
    process.stdout.write(`${table(rows)}\n`);
    if (py) process.stdout.write(`Python Flowcept's bytes per task record (its lightweight loop's dump): ${py.bytes.toFixed(0)}\n`);
    if (pyNote) process.stdout.write(`${pyNote}\n`);

    heading("targets (with the JSONL store, records durable at stop())");
    const t = [["style", "measured", "target", "met", "vs bare span+JSON", "vs Python Flowcept (calls only)"]];
    for (const s of STYLES) {
      const v = m(node.store.get(s));
      const goal = TARGETS[s];
      const limit = goal.ns ?? goal.timesBareJson! * bareJson;
      const pyV = py ? m(py.calls.get(s)) : NaN;
      const met = v <= limit && (Number.isNaN(pyV) || v < pyV);
      t.push([s, fmtNs(v), goal.ns ? `≤ ${fmtNs(goal.ns)}` : `≤ ${goal.timesBareJson}× bare span+JSON (${fmtNs(limit)})`, met ? "yes" : "NO", `${(v / bareJson).toFixed(2)}×`, Number.isNaN(pyV) ? "-" : `${(v / pyV).toFixed(2)}×`]);
    }
    process.stdout.write(`${table(t)}\n`);
    await throughput(dir);
    process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
    if (sink === 42) process.stdout.write("");
  } finally {
    resetSettings();
    rmSync(dir, { recursive: true, force: true });
  }
}
