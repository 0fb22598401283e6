/**
 * Data observability adapters: event-file parse throughput, MLflow store scan
 * time, CPU of an idle watcher. Prints medians of several runs next to the
 * targets. Run with `node dist/bench/adapters.js` (after `npm run build`).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import protobuf from "protobufjs";
import { createAdapter } from "../instrumentations/adapters/create-adapter.js";
import type { AdapterKind } from "../instrumentations/adapters/adapter-config.js";
import { decodeEvent } from "../instrumentations/tensorboard/event-decoder.js";
import { scanTfRecords } from "../instrumentations/tensorboard/tfrecord-reader.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../test/fixtures");
const LIGHTNING = join(FIXTURES, "tensorboard/lightning-hparams-scalars");
const LIGHTNING_FILE = join(LIGHTNING, "lightning_logs/version_0/events.out.tfevents.1713773043.carls-gaming-linux.286970.0");
const MLFLOW_DB = join(FIXTURES, "mlflow/sqlite-mlflow3/mlflow.db");
const MLFLOW_FILES = join(FIXTURES, "mlflow/filestore-mlflow1.23/mlruns");

const RUNS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function row(name: string, value: string, target: string, ok: boolean): string {
  return `  ${name.padEnd(66)} ${value.padStart(9)}   ${target.padEnd(7)} ${ok ? "ok" : "MISSED"}`;
}

/** Framing, both CRCs and protobuf decoding of every event, in memory. */
function parseThroughput(buf: Buffer, repeats: number): number {
  let values = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) {
    const reader = protobuf.Reader.create(buf);
    scanTfRecords(buf, (start, length) => {
      values += decodeEvent(reader, start, length).values.length;
    });
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (values === 0) throw new Error("nothing decoded");
  return (buf.length * repeats) / 1e6 / secs;
}

/** A fresh adapter's first scan of `path` (reading from disk, building records), in milliseconds. */
async function scanMs(kind: AdapterKind, path: string): Promise<number> {
  const adapter = createAdapter(kind, { file_path: path, state_file: false }, () => {});
  const t0 = process.hrtime.bigint();
  const records = await adapter.scanOnce();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!records.length) throw new Error(`nothing read from ${path}`);
  return ms;
}

/**
 * CPU share of the process while a watcher polls an unchanged source every
 * `intervalSec`: one value per window of `windowSec` seconds.
 */
async function idleCpu(kind: AdapterKind, path: string, intervalSec: number, windows: number, windowSec: number): Promise<{ cpu: number[]; scans: number }> {
  const adapter = createAdapter(kind, { file_path: path, state_file: false, watch_interval_sec: intervalSec }, () => {});
  adapter.start();
  while (adapter.counters.scans < 2) await new Promise((r) => setTimeout(r, 5));
  const scans0 = adapter.counters.scans;
  const cpu: number[] = [];
  for (let w = 0; w < windows; w++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, windowSec * 1000));
    const used = process.cpuUsage(cpu0);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
    cpu.push(((used.user + used.system) / wallUs) * 100);
  }
  const scans = adapter.counters.scans - scans0;
  await adapter.stop();
  return { cpu, scans };
}

/** CPU share of the process with only a timer firing every `intervalSec` (what any poller pays). */
async function timerOnlyCpu(intervalSec: number, windows: number, windowSec: number): Promise<number> {
  const timer = setInterval(() => {}, intervalSec * 1000);
  const cpu: number[] = [];
  try {
    for (let w = 0; w < windows; w++) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await new Promise((r) => setTimeout(r, windowSec * 1000));
      const used = process.cpuUsage(cpu0);
      cpu.push(((used.user + used.system) / (Number(process.hrtime.bigint() - t0) / 1e3)) * 100);
    }
  } finally {
    clearInterval(timer);
  }
  return median(cpu);
}

/** Runs the adapter benchmarks and prints medians next to the targets. */
export async function run(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "fc-bench-adapters-"));
  try {
    const lightningCopy = join(tmp, "lightning");
    cpSync(LIGHTNING, lightningCopy, { recursive: true });
    const buf = readFileSync(LIGHTNING_FILE);

    console.log(`adapters (medians of ${RUNS} runs)`);
    console.log(`  ${"measure".padEnd(66)} ${"median".padStart(9)}   ${"target".padEnd(7)}`);

    parseThroughput(buf, 5); // warm-up: protobufjs generates its decoders on first use
    const parse = median(Array.from({ length: RUNS }, () => parseThroughput(buf, 20)));
    console.log(row("TensorBoard parse (framing + 2 CRCs + decode), MB/s", parse.toFixed(1), ">= 50", parse >= 50));

    await scanMs("tensorboard", lightningCopy);
    const tbScans: number[] = [];
    for (let i = 0; i < RUNS; i++) tbScans.push(await scanMs("tensorboard", lightningCopy));
    const tbMBs = buf.length / 1e6 / (median(tbScans) / 1000);
    // End to end (read, parse, accumulate, build the record): for comparison with the parse figure.
    console.log(row("TensorBoard adapter, first scan of the 744 KB logdir, MB/s", tbMBs.toFixed(1), "-", true));

    const cold = await scanMs("mlflow", MLFLOW_DB);
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await scanMs("mlflow", MLFLOW_DB));
    console.log(row("MLflow 3.x SQLite scan, first in process (WASM load), ms", cold.toFixed(1), "<= 200", cold <= 200));
    console.log(row("MLflow 3.x SQLite scan (40 runs, 1.16 MB), ms", median(warm).toFixed(1), "<= 200", median(warm) <= 200));
    const files: number[] = [];
    for (let i = 0; i < RUNS; i++) files.push(await scanMs("mlflow", MLFLOW_FILES));
    console.log(row("MLflow 1.23 file store scan (1 run, 47 files), ms", median(files).toFixed(1), "-", true));

    const windows = 5;
    const baseline = await timerOnlyCpu(0.1, windows, 1);
    console.log(row("idle process baseline CPU %, a bare 0.1 s timer (for comparison)", baseline.toFixed(2), "-", true));
    for (const [kind, path, label] of [
      ["tensorboard", lightningCopy, "TensorBoard logdir"],
      ["mlflow", MLFLOW_DB, "MLflow SQLite store"],
      ["mlflow", MLFLOW_FILES, "MLflow file store"],
    ] as const) {
      const r = await idleCpu(kind, path, 0.1, windows, 1);
      const cpu = median(r.cpu);
      console.log(row(`idle watcher CPU %, ${label}, 0.1 s interval (${r.scans} scans)`, cpu.toFixed(2), "< 1", cpu < 1));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await run();
}
