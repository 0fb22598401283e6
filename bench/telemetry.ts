/**
 * Telemetry cost: what a task pays for `telemetry_at_start` / `telemetry_at_end`
 * with cpu+mem+disk+network on (the target: ≤ 20 µs median per task; Python
 * Flowcept measured ~990 µs per task on this project's machines), what
 * `process_info` adds, what building the summary costs, what a background
 * refresh and `machine_info` cost.
 *
 * `node dist/bench/telemetry.js` runs it alone; `bench/run` calls `run()`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { collectMachineInfo } from "../lib/telemetry/machine-info.js";
import { telemetrySummary } from "../lib/records/telemetry-summary.js";
import { TelemetrySampler } from "../lib/telemetry/TelemetrySampler.js";
import type { TelemetryToggles } from "../lib/telemetry/telemetry-types.js";

/** Per-task figure Python Flowcept reached with the same four blocks on (from the project's issue). */
const FLOWCEPT_PYTHON_US_PER_TASK = 990;
const ROUNDS = 9;
const ITERATIONS = 20_000;

const FOUR: Partial<TelemetryToggles> = { cpu: true, mem: true, disk: true, network: true };
const FOUR_AND_PROCESS: Partial<TelemetryToggles> = { ...FOUR, process_info: true };
const ALL: Partial<TelemetryToggles> = { ...FOUR_AND_PROCESS, per_cpu: true };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

let sink = 0;

/** Median over rounds of the mean time per call, in microseconds. */
function perCallUs(fn: () => unknown, iterations = ITERATIONS): number {
  for (let i = 0; i < 2000; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const v = fn();
      if (v !== undefined) sink++;
    }
    rounds.push(Number(process.hrtime.bigint() - t0) / iterations / 1000);
  }
  return median(rounds);
}

async function medianMs(fn: () => Promise<unknown>, runs: number, gapMs = 0): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (gapMs > 0) await sleep(gapMs);
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function ready(toggles: Partial<TelemetryToggles>): Promise<TelemetrySampler> {
  const s = new TelemetrySampler(toggles, { intervalMs: 60_000 }).start();
  await s.whenReady();
  return s;
}

const fmt = (us: number) => `${us < 10 ? us.toFixed(2) : us.toFixed(1)} µs`;

/** Runs the telemetry benchmark and prints medians side by side. */
export async function run(): Promise<void> {
  const four = await ready(FOUR);
  const withProcess = await ready(FOUR_AND_PROCESS);
  const all = await ready(ALL);
  const work = () => {
    sink += Math.sqrt(sink + 1);
  };
  // A stand-in for the task body, so both columns pay the same call overhead.
  const taskPlain = perCallUs(() => work());
  const taskTelemetry = (s: TelemetrySampler) =>
    perCallUs(() => {
      const a = s.captureJson();
      work();
      const b = s.captureJson();
      return a && b;
    });
  const fourTask = taskTelemetry(four);
  const processTask = taskTelemetry(withProcess);
  const allTask = taskTelemetry(all);

  const startJson = four.captureJson()!;
  const endJson = four.captureJson()!;
  const summary = perCallUs(() => telemetrySummary(JSON.parse(startJson), JSON.parse(endJson), 0.001), 5000);

  console.log(`\ntelemetry — medians of ${ROUNDS} rounds × ${ITERATIONS} calls (Node ${process.version}, ${process.platform})`);
  console.log("blocks on                         captureJson()  capture()   task: 2×captureJson  overhead/task  vs Flowcept (~990 µs)");
  // Flowcept's figure was measured with the four blocks only, so only that row is compared.
  const row = (name: string, s: TelemetrySampler, task: number, compare = false) => {
    const overhead = Math.max(task - taskPlain, 0);
    const ratio = compare ? `${Math.round(FLOWCEPT_PYTHON_US_PER_TASK / Math.max(overhead, 0.01))}× lower` : "—";
    console.log(
      `${name.padEnd(34)}${fmt(perCallUs(() => s.captureJson())).padStart(13)}${fmt(perCallUs(() => s.capture(), 5000)).padStart(11)}` +
        `${fmt(task).padStart(21)}${fmt(overhead).padStart(15)}${ratio.padStart(22)}`,
    );
  };
  console.log(`${"(none: task body only)".padEnd(34)}${"".padStart(13)}${"".padStart(11)}${fmt(taskPlain).padStart(21)}`);
  row("cpu+mem+disk+network (target)", four, fourTask, true);
  row("… + process_info", withProcess, processTask);
  row("… + process_info + per_cpu", all, allTask);
  console.log(`record building, off the task path: 2×JSON.parse + telemetrySummary  ${fmt(summary)}`);
  console.log(`snapshot size (cpu+mem+disk+network): ${startJson.length} bytes of JSON`);
  four.stop();
  withProcess.stop();
  all.stop();

  const refreshProcfs = new TelemetrySampler(FOUR, { intervalMs: 60_000 });
  await refreshProcfs.refresh();
  const refreshPortable = new TelemetrySampler(FOUR, { intervalMs: 60_000, backend: "portable" });
  await refreshPortable.refresh();
  // Spaced out: systeminformation answers from a cache for 500 ms after a read.
  const procfsMs = await medianMs(() => refreshProcfs.refresh(), 7, 600);
  const portableMs = await medianMs(() => refreshPortable.refresh(), 7, 600);
  console.log(
    `background refresh, cpu+mem+disk+network (once per interval_ms): procfs ${procfsMs.toFixed(2)} ms, ` +
      `portable/systeminformation ${portableMs.toFixed(2)} ms (${(portableMs / procfsMs).toFixed(1)}×)`,
  );
  const machineMs = await medianMs(() => collectMachineInfo({ telemetry_capture: { machine_info: true, gpu: null } }), 5);
  console.log(`machine_info collection (once per workflow): ${machineMs.toFixed(1)} ms median of 5`);
  if (sink === -1) console.log("unreachable");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
