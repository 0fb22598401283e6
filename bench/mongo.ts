/**
 * MongoDB exporter and query benchmarks (against the wire-protocol test
 * server, run in its own process):
 * 1. throughput of MongoRecordExporter vs the driver's bulkWrite of the same
 *    documents (plain `$set` upserts, and the exporter's own merge upserts);
 * 2. memory while 1M records arrive during an outage (they spill to disk);
 * 3. `taskQuery` over a 1M-task local store file.
 * Run: `node dist/bench/mongo.js` (or through bench/run).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { mergePipeline, toMongoUpsert } from "../exporters/mongo/mongo-document.js";
import { MongoRecordExporter } from "../exporters/mongo/MongoRecordExporter.js";
import { LocalQueryBackend } from "../lib/query/LocalQueryBackend.js";
import type { FlowceptRecord } from "../lib/records/records.js";

const RUNS = 3;
const THROUGHPUT_RECORDS = 50_000;
const OUTAGE_RECORDS = 1_000_000;
const QUERY_TASKS = 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function tasks(n: number, prefix: string): FlowceptRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "task",
    task_id: `${prefix}-${i.toString(16).padStart(32, "0")}`,
    workflow_id: "11111111-1111-4111-8111-111111111111",
    activity_id: `act${i % 10}`,
    status: "FINISHED",
    started_at: 1700000000 + i / 1000,
    ended_at: 1700000000 + i / 1000 + 0.5,
    used: { x: i, name: `item${i}` },
    generated: { y: i * 2 },
    hostname: "node1",
  }));
}

async function startServer(): Promise<{ uri: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./mongo-server-process.js", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("error", reject);
  });
  return { uri: `mongodb://127.0.0.1:${port}/?directConnection=true`, child };
}

async function throughput(uri: string): Promise<void> {
  const client = new MongoClient(uri);
  const spill = mkdtempSync(join(tmpdir(), "flowcept-bench-spill-"));
  const raw: number[] = [];
  const rawMerge: number[] = [];
  const ours: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const records = tasks(THROUGHPUT_RECORDS, `r${run}`);
      // Raw: what a hand-written inserter sends — one unordered bulkWrite of $set upserts by task_id.
      let db = client.db(`bench_raw_${run}`);
      await db.collection("tasks").createIndex({ task_id: 1 }, { unique: true });
      let t0 = performance.now();
      const now = new Date();
      await db.collection("tasks").bulkWrite(
        records.map((r) => {
          const { type: _t, task_id, ...rest } = r;
          for (const k of ["started_at", "ended_at"]) rest[k] = new Date((rest[k] as number) * 1000);
          return { updateOne: { filter: { task_id }, update: { $set: { ...rest, registered_at: now } }, upsert: true } };
        }),
        { ordered: false },
      );
      raw.push(performance.now() - t0);
      // Raw with the exporter's merge pipeline (same server work as ours).
      db = client.db(`bench_rawmerge_${run}`);
      await db.collection("tasks").createIndex({ task_id: 1 }, { unique: true });
      t0 = performance.now();
      await db.collection("tasks").bulkWrite(
        records.map((r) => {
          const u = toMongoUpsert(r, new Date());
          return { updateOne: { filter: { task_id: u.id }, update: mergePipeline(u.fields), upsert: true } };
        }),
        { ordered: false },
      );
      rawMerge.push(performance.now() - t0);
      // Ours: the exporter (indexes created up front, as on a long-running producer).
      const exporter = new MongoRecordExporter({ uri, dbName: `bench_ours_${run}`, spillDir: spill, maxQueueRecords: THROUGHPUT_RECORDS * 2, batchSize: 5000 });
      await new Promise((r) => exporter.export([{ type: "task", task_id: "warm" }], r));
      t0 = performance.now();
      await new Promise((r) => exporter.export(records, r));
      ours.push(performance.now() - t0);
      await exporter.shutdown();
      const stored = await client.db(`bench_ours_${run}`).collection("tasks").countDocuments();
      if (stored !== THROUGHPUT_RECORDS + 1) throw new Error(`exporter stored ${stored} documents, expected ${THROUGHPUT_RECORDS + 1}`);
    }
  } finally {
    await client.close();
    rmSync(spill, { recursive: true, force: true });
  }
  const rate = (ms: number): string => `${Math.round(THROUGHPUT_RECORDS / (ms / 1000)).toLocaleString("en-US")} rec/s`;
  console.log(`\n== MongoDB write throughput (${THROUGHPUT_RECORDS} tasks, median of ${RUNS}) ==`);
  console.log(`raw bulkWrite, $set upserts      ${median(raw).toFixed(0).padStart(7)} ms  ${rate(median(raw))}`);
  console.log(`raw bulkWrite, merge upserts     ${median(rawMerge).toFixed(0).padStart(7)} ms  ${rate(median(rawMerge))}`);
  console.log(`MongoRecordExporter              ${median(ours).toFixed(0).padStart(7)} ms  ${rate(median(ours))}`);
  console.log(`ours / raw ($set):   ${(median(raw) / median(ours)).toFixed(2)}x   (target >= 0.8x)`);
  console.log(`ours / raw (merge):  ${(median(rawMerge) / median(ours)).toFixed(2)}x`);
}

async function outageMemory(): Promise<void> {
  const spill = mkdtempSync(join(tmpdir(), "flowcept-bench-outage-"));
  // Nothing listens on port 9: every write fails as in an outage.
  const exporter = new MongoRecordExporter({ uri: "mongodb://127.0.0.1:9/?directConnection=true", spillDir: spill, serverSelectionTimeoutMS: 200, stopMaxTrials: 1 });
  const before = process.memoryUsage().rss;
  let peak = before;
  let peakAtTenth = before;
  const t0 = performance.now();
  try {
    for (let i = 0; i < OUTAGE_RECORDS; i += 1000) {
      await new Promise((r) => exporter.export(tasks(1000, `o${i}`), r));
      peak = Math.max(peak, process.memoryUsage().rss);
      if (i < OUTAGE_RECORDS / 10) peakAtTenth = peak;
    }
    const ms = performance.now() - t0;
    await exporter.shutdown();
    const bytes = readdirSync(spill).reduce((n, f) => n + statSync(join(spill, f)).size, 0);
    console.log(`\n== Outage: ${OUTAGE_RECORDS.toLocaleString("en-US")} records while MongoDB is down ==`);
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(`spilled ${mib(bytes)} to disk in ${(ms / 1000).toFixed(1)} s (${exporter.pendingInMemory} records left in memory)`);
    console.log(`RSS: ${mib(before)} before, peak ${mib(peakAtTenth)} after the first 10%, peak ${mib(peak)} after 100% (bounded: no growth with the record count)`);
  } finally {
    rmSync(spill, { recursive: true, force: true });
  }
}

async function localQuery(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-bench-store-"));
  const path = join(dir, "flowcept_buffer.jsonl");
  try {
    const fd = openSync(path, "w");
    let buf = "";
    const wf = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"];
    for (const w of wf) buf += `${JSON.stringify({ type: "workflow", workflow_id: w, name: "bench", started_at: 1700000000, status: "RUNNING" })}\n`;
    for (let i = 0; i < QUERY_TASKS; i++) {
      const id = `${i.toString(16).padStart(32, "0")}-${i.toString(16).padStart(16, "0")}`;
      buf += `${JSON.stringify({ type: "task", task_id: id, workflow_id: wf[i % 2], campaign_id: "c1", activity_id: `act${i % 10}`, used: { x: i, name: `item${i}` }, generated: { y: i * 2 }, started_at: 1700000000 + i / 1000, ended_at: 1700000000 + i / 1000 + 0.5, status: i % 100 === 0 ? "ERROR" : "FINISHED", hostname: "node1", utc_timestamp: 1700000000 + i / 1000 })}\n`;
      if (buf.length > 1 << 22) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
    closeSync(fd);
    const size = statSync(path).size;
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["{workflow_id, status: ERROR}", { workflow_id: wf[0], status: "ERROR" }, {}],
      ["{activity_id} sort+limit 10", { activity_id: "act3" }, { sort: { started_at: -1 }, limit: 10 }],
      ['{"used.x": {$gte}} limit 10', { "used.x": { $gte: 999_990 } }, { limit: 10 }],
    ];
    console.log(`\n== taskQuery on a ${QUERY_TASKS.toLocaleString("en-US")}-task store (${(size / 2 ** 20).toFixed(0)} MiB), first query on a fresh reader, median of ${RUNS} ==`);
    for (const [label, filter, opts] of cases) {
      const times: number[] = [];
      let n = 0;
      for (let run = 0; run < RUNS; run++) {
        const backend = new LocalQueryBackend({ path });
        const t0 = performance.now();
        n = (await backend.find("tasks", filter, opts)).length;
        times.push(performance.now() - t0);
        await backend.close();
      }
      console.log(`${label.padEnd(32)} ${median(times).toFixed(0).padStart(6)} ms  (${n} results)  target <= 3000 ms`);
    }
    const warm = new LocalQueryBackend({ path });
    await warm.find("tasks", { task_id: "x" }, {});
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      await warm.find("tasks", { workflow_id: wf[1], status: "ERROR" }, {});
      times.push(performance.now() - t0);
    }
    console.log(`${"same, reader already loaded".padEnd(32)} ${median(times).toFixed(0).padStart(6)} ms`);
    await warm.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the three MongoDB/query benchmarks and prints their medians. */
export async function run(): Promise<void> {
  await outageMemory();
  const { uri, child } = await startServer();
  try {
    await throughput(uri);
  } finally {
    child.stdin!.end();
  }
  await localQuery();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
