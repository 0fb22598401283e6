import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { expect } from "chai";
import { MongoRecordExporter, type MongoRecordExporterOptions } from "../../../exporters/mongo/MongoRecordExporter.js";
import { replaySpill } from "../../../exporters/mongo/replay-spill.js";
import { TRUNCATED_MARKER } from "../../../exporters/mongo/truncate-document.js";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { MongoQueryBackend } from "../../../lib/query/MongoQueryBackend.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { startMongoTarget, type MongoTarget } from "../../support/mongo-target.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("../../support/fixtures/exporter-child.js", import.meta.url));

function send(exporter: MongoRecordExporter, records: FlowceptRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}

function spillFiles(dir: string, prefix = "spill-"): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(prefix)) : [];
}

function task(id: string, fields: Record<string, unknown> = {}): FlowceptRecord {
  return { type: "task", task_id: id, workflow_id: "wf-1", ...fields };
}

describe("MongoRecordExporter", function () {
  this.timeout(60_000);
  let target: MongoTarget;
  let dir: string;
  const open: MongoRecordExporter[] = [];

  function make(dbName: string, options: Partial<MongoRecordExporterOptions> = {}): MongoRecordExporter {
    const e = new MongoRecordExporter({ uri: target.uri, dbName, spillDir: join(dir, "spill"), serverSelectionTimeoutMS: 500, retryInitialMs: 50, retryMaxMs: 400, ...options });
    open.push(e);
    return e;
  }

  before(async () => {
    target = await startMongoTarget();
  });
  after(async () => {
    await target.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-mongo-"));
  });
  afterEach(async () => {
    for (const e of open.splice(0)) await e.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates Flowcept's collections and indexes", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    expect((await send(e, [task("t0")])).code).to.equal(ExportResultCode.SUCCESS);
    const db = target.client.db(dbName);
    const tasks = await db.collection("tasks").listIndexes().toArray();
    const byField = new Map(tasks.map((i) => [Object.keys(i.key)[0], i]));
    expect([...byField.keys()]).to.include.members(["task_id", "workflow_id", "parent_task_id", "campaign_id", "agent_id"]);
    expect(byField.get("task_id")!.unique).to.equal(true);
    const wfs = await db.collection("workflows").listIndexes().toArray();
    expect(wfs.find((i) => Object.keys(i.key)[0] === "workflow_id")!.unique).to.equal(true);
    const agents = await db.collection("agents").listIndexes().toArray();
    expect(agents.find((i) => Object.keys(i.key)[0] === "agent_id")!.unique).to.equal(true);
  });

  it("merges later messages into the stored document on the server", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    await send(e, [task("t1", { status: "RUNNING", started_at: 1700000000.25, used: { a: 1 }, custom_metadata: { k: "x" } })]);
    await send(e, [task("t1", { status: "FINISHED", started_at: 1700000005, ended_at: 1700000010.5, generated: { out: 2 }, used: { b: 2 } })]);
    // A late RUNNING message (e.g. from another process) does not undo FINISHED.
    await send(e, [task("t1", { status: "RUNNING", custom_metadata: { j: "y" } })]);
    const doc = await target.client.db(dbName).collection("tasks").findOne({ task_id: "t1" });
    expect(doc!.status).to.equal("FINISHED");
    expect(doc!.used).to.deep.equal({ a: 1, b: 2 });
    expect(doc!.generated).to.deep.equal({ out: 2 });
    expect(doc!.custom_metadata).to.deep.equal({ k: "x", j: "y" });
    expect(doc!.started_at).to.be.instanceOf(Date);
    expect((doc!.started_at as Date).getTime()).to.equal(1700000000250);
    expect((doc!.ended_at as Date).getTime()).to.equal(1700000010500);
    expect(doc!.registered_at).to.be.instanceOf(Date);
    expect(doc).to.not.have.property("type");
    await send(e, [task("t2", { status: "ERROR" }), task("t2", { status: "FINISHED" })]);
    expect((await target.client.db(dbName).collection("tasks").findOne({ task_id: "t2" }))!.status).to.equal("FINISHED");
  });

  it("writes workflows, agents and objects to their collections, by id", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    await send(e, [
      { type: "workflow", workflow_id: "w1", name: "first", status: "RUNNING", started_at: 1700000000, machine_info: { host1: { cpu: 1 } } },
      { type: "agent", agent_id: "ag1", name: "bot" },
      { type: "object", object_id: "o1", workflow_id: "w1" },
    ]);
    await send(e, [{ type: "workflow", workflow_id: "w1", status: "FINISHED", ended_at: 1700000009, machine_info: { host2: { cpu: 2 } } }]);
    const db = target.client.db(dbName);
    const wf = await db.collection("workflows").findOne({ workflow_id: "w1" });
    expect(wf).to.include({ name: "first", status: "FINISHED" });
    expect(wf!.machine_info).to.deep.equal({ host1: { cpu: 1 }, host2: { cpu: 2 } });
    expect(await db.collection("agents").countDocuments({ agent_id: "ag1" })).to.equal(1);
    expect(await db.collection("objects").countDocuments({ object_id: "o1" })).to.equal(1);
  });

  it("never creates duplicates when a batch is sent again", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    const batch = Array.from({ length: 300 }, (_, i) => task(`r${i}`, { status: "FINISHED", used: { i } }));
    await send(e, batch);
    await send(e, batch);
    await send(e, batch.slice(100, 200));
    const c = target.client.db(dbName).collection("tasks");
    expect(await c.countDocuments()).to.equal(300);
    expect((await c.distinct("task_id")).length).to.equal(300);
  });

  it("escapes field names MongoDB refuses, reversibly, without failing the batch", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    const used = { $where: 1, "a.b": { "c.d": 2 }, "nul\0key": 3, "50%": 4, list: [{ $in: 5 }] };
    await send(e, [task("k1", { used }), task("k2", { status: "FINISHED" })]);
    const stored = await target.client.db(dbName).collection("tasks").findOne({ task_id: "k1" });
    expect(Object.keys(stored!.used as object)).to.deep.equal(["%24where", "a%2Eb", "nul%00key", "50%25", "list"]);
    const back = new MongoQueryBackend({ uri: target.uri, dbName });
    try {
      const [k1] = await back.find("tasks", { task_id: "k1" }, {});
      expect(k1!.used).to.deep.equal(used);
    } finally {
      await back.close();
    }
    expect(await target.client.db(dbName).collection("tasks").countDocuments()).to.equal(2);
  });

  it("truncates the largest fields of a document over 16 MiB, with a marker, and keeps its batch", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    const huge = "z".repeat(17 * 1024 * 1024);
    await send(e, [task("big", { used: { small: 1, huge }, status: "FINISHED" }), task("ok", { status: "FINISHED" })]);
    const c = target.client.db(dbName).collection("tasks");
    const big = await c.findOne({ task_id: "big" });
    expect(big!.status).to.equal("FINISHED");
    expect((big!.used as Record<string, unknown>).small).to.equal(1);
    const marker = (big!.used as Record<string, Record<string, unknown>>).huge!;
    expect(marker[TRUNCATED_MARKER]).to.equal(true);
    expect(marker.original_bytes).to.be.greaterThan(17 * 1024 * 1024);
    expect(await c.countDocuments({ task_id: "ok" })).to.equal(1);
  });

  it("keeps a record it cannot store in a rejected file, with the reason, and stores the rest", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    const result = await send(e, [{ type: "mystery", x: 1 }, { type: "workflow", name: "no id" }, task("fine")]);
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(await target.client.db(dbName).collection("tasks").countDocuments({ task_id: "fine" })).to.equal(1);
    const rejected = spillFiles(join(dir, "spill"), "rejected-");
    expect(rejected).to.have.length(1);
    const lines = readFileSync(join(dir, "spill", rejected[0]!), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.reason)).to.deep.equal(['record type "mystery" has no MongoDB collection', "workflow record without workflow_id"]);
    expect(lines[0]!.record).to.deep.equal({ type: "mystery", x: 1 });
  });

  it("spills to disk when the database is slower than the producer, then writes everything", async function () {
    if (!target.server) this.skip();
    const dbName = target.freshDb();
    const e = make(dbName, { maxQueueRecords: 100, batchSize: 50 });
    await send(e, [task("warm")]);
    target.server!.delayMs = 200;
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, b) => send(e, Array.from({ length: 50 }, (_, i) => task(`s${b}-${i}`)))));
      expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).to.equal(true);
      expect(e.hasSpill).to.equal(true);
      expect(e.pendingInMemory).to.be.at.most(100);
    } finally {
      target.server!.delayMs = 0;
    }
    await e.shutdown();
    expect(await target.client.db(dbName).collection("tasks").countDocuments()).to.equal(1001);
    expect(spillFiles(join(dir, "spill"))).to.deep.equal([]);
  });

  it("exportSync puts records on disk at once; they reach MongoDB afterwards", async () => {
    const dbName = target.freshDb();
    const e = make(dbName);
    e.exportSync([task("sync1"), task("sync2")]);
    const files = spillFiles(join(dir, "spill"));
    expect(files).to.have.length(1);
    expect(readBufferFile(join(dir, "spill", files[0]!)).map((r) => r.task_id)).to.deep.equal(["sync1", "sync2"]);
    await e.shutdown();
    expect(await target.client.db(dbName).collection("tasks").countDocuments()).to.equal(2);
    expect(spillFiles(join(dir, "spill"))).to.deep.equal([]);
  });

  it("stores every record exactly once across an outage in the middle of a 100k-record run", async function () {
    if (!target.server) this.skip();
    const server = target.server!;
    const dbName = target.freshDb();
    const e = make(dbName, { batchSize: 2000, maxQueueRecords: 20_000 });
    const total = 100_000;
    const pending: Promise<ExportResult>[] = [];
    for (let i = 0; i < total; i += 1000) {
      if (i === 30_000) await server.stop();
      if (i === 60_000) {
        expect(e.inOutage || e.hasSpill).to.equal(true);
        await server.start();
      }
      pending.push(send(e, Array.from({ length: 1000 }, (_, j) => task(`o${i + j}`, { status: "FINISHED", used: { n: i + j } }))));
      if (i < 30_000) await pending.at(-1); // acknowledged by MongoDB before the outage
      else expect(e.pendingInMemory).to.be.at.most(20_000);
      if (i === 30_000 || i === 45_000) await new Promise((r) => setTimeout(r, 1000)); // seconds of outage while producing
    }
    const results = await Promise.all(pending);
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).to.equal(true);
    await e.shutdown();
    const c = target.client.db(dbName).collection("tasks");
    expect(await c.countDocuments()).to.equal(total);
    expect((await c.distinct("task_id")).length).to.equal(total);
    expect(spillFiles(join(dir, "spill"))).to.deep.equal([]);
  });

  it("shutdown during an outage leaves a spill file that the next exporter replays", async function () {
    if (!target.server) this.skip();
    const server = target.server!;
    const dbName = target.freshDb();
    await server.stop();
    try {
      const e = make(dbName, { stopMaxTrials: 5, stopTrialsSleepMs: 20 });
      expect((await send(e, [task("down1"), task("down2")])).code).to.equal(ExportResultCode.SUCCESS);
      await e.shutdown();
      const files = spillFiles(join(dir, "spill"));
      expect(files).to.have.length(1);
      expect(readBufferFile(join(dir, "spill", files[0]!)).map((r) => r.task_id)).to.deep.equal(["down1", "down2"]);
    } finally {
      await server.start();
    }
    const next = make(dbName);
    await next.shutdown();
    expect(await target.client.db(dbName).collection("tasks").countDocuments()).to.equal(2);
    expect(spillFiles(join(dir, "spill"))).to.deep.equal([]);
  });

  it("a process that exits while MongoDB is down leaves its spill; replay writes it once", async function () {
    if (!target.server) this.skip();
    const server = target.server!;
    const dbName = target.freshDb();
    const spillDir = join(dir, "spill");
    await server.stop();
    let acked: number;
    try {
      const job = { mode: "exit-during-outage", uri: target.uri, dbName, spillDir, count: 500, prefix: "x", workflowId: "wf-x" };
      const { stdout } = await run(process.execPath, [CHILD], { env: { ...process.env, FLOWCEPT_TEST_JOB: JSON.stringify(job) } });
      acked = (JSON.parse(stdout) as { acked: number }).acked;
    } finally {
      await server.start();
    }
    expect(acked).to.equal(500);
    const left = spillFiles(spillDir);
    expect(left.length).to.be.greaterThan(0);
    const spilled = left.flatMap((f) => readBufferFile(join(spillDir, f), { merge: false }));
    expect(spilled).to.have.length(501);
    const progress: number[] = [];
    const result = await replaySpill({ uri: target.uri, dbName, spillDir, onProgress: (p) => progress.push(p.written) });
    expect(result.written).to.equal(501);
    expect(result.remaining).to.deep.equal([]);
    expect(progress.at(-1)).to.equal(501);
    const c = target.client.db(dbName).collection("tasks");
    expect(await c.countDocuments()).to.equal(501);
    expect(await c.countDocuments({ task_id: "x-last" })).to.equal(1);
    expect(spillFiles(spillDir)).to.deep.equal([]);
    const again = await replaySpill({ uri: target.uri, dbName, spillDir });
    expect(again.written).to.equal(0);
    expect(await c.countDocuments()).to.equal(501);
  });

  it("several processes writing the same workflow at once merge into one workflow record", async () => {
    const dbName = target.freshDb();
    const workflowId = "00000000-0000-4000-8000-00000000cafe";
    const jobs = ["p1", "p2", "p3"].map((prefix) => ({ mode: "produce", uri: target.uri, dbName, spillDir: join(dir, `spill-${prefix}`), count: 400, prefix, workflowId }));
    const outs = await Promise.all(jobs.map((job) => run(process.execPath, [CHILD], { env: { ...process.env, FLOWCEPT_TEST_JOB: JSON.stringify(job) } })));
    expect(outs.map((o) => (JSON.parse(o.stdout) as { acked: number }).acked)).to.deep.equal([400, 400, 400]);
    const db = target.client.db(dbName);
    const wfs = await db.collection("workflows").find({ workflow_id: workflowId }).toArray();
    expect(wfs).to.have.length(1);
    expect(wfs[0]!.custom_metadata).to.deep.equal({ p1: true, p2: true, p3: true });
    expect(await db.collection("tasks").countDocuments({ workflow_id: workflowId })).to.equal(1200);
    expect(await db.collection("tasks").countDocuments({ workflow_id: workflowId, status: "FINISHED" })).to.equal(1200);
    const one = await db.collection("tasks").findOne({ task_id: "p2-7" });
    expect(one!.used).to.deep.equal({ in: 7 });
    expect(one!.generated).to.deep.equal({ out: 7 });
  });
});
