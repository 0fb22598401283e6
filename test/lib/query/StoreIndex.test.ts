import { expect } from "chai";
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Query } from "mingo";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { mergeRecord } from "../../../lib/records/merge-records.js";
import { enrichRecord } from "../../../lib/records/enrich-record.js";
import { recordTypeOf } from "../../../lib/records/record-type.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { captureDiag as startDiagCapture } from "../telemetry/diag-capture.js";

/** Runs `fn` with what it logs through `diag` captured; resolves to the warnings. */
async function captureDiag(fn: () => Promise<unknown>): Promise<string[]> {
  const capture = startDiagCapture();
  try {
    await fn();
    return capture.warnings;
  } finally {
    capture.restore();
  }
}

type Row = Record<string, unknown>;
const ID_FIELD: Record<string, string> = { task: "task_id", workflow: "workflow_id", agent: "agent_id", object: "object_id" };
const COLLECTION_TYPE: Record<string, string> = { tasks: "task", workflows: "workflow" };

/** A small deterministic generator (so a failure can be replayed from its seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const WORKFLOWS = ["wf-a", "wf-b", "wf-c", "wf/../d"];
const ACTIVITIES = ["train", "eval", "load data", "é-unicode"];
const STATUSES = ["FINISHED", "ERROR", "RUNNING", "SUBMITTED"];

/** Lines of a store shaped to trouble the byte look-ups: repeated ids, fields split over messages, keys nested again, escapes, corrupt lines. */
function randomLines(rand: () => number, n: number, taskIds: number): string[] {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.05) {
      const wf = pick(WORKFLOWS);
      out.push(JSON.stringify(rand() < 0.5 ? { type: "workflow", workflow_id: wf, name: `run ${wf}`, started_at: i, status: "RUNNING" } : { type: "workflow", workflow_id: wf, ended_at: i + 1, status: pick(STATUSES) }));
      continue;
    }
    if (r < 0.07) {
      out.push(rand() < 0.5 ? `{"type":"task","task_id":"broken-${i}", "status":` : "not json at all");
      continue;
    }
    const task: Row = { type: "task", task_id: `t${Math.floor(rand() * taskIds)}` };
    if (rand() < 0.8) task.workflow_id = pick(WORKFLOWS);
    if (rand() < 0.8) task.activity_id = pick(ACTIVITIES);
    if (rand() < 0.9) task.status = pick(STATUSES);
    if (rand() < 0.1) task.used = { status: pick(STATUSES), workflow_id: pick(WORKFLOWS) };
    if (rand() < 0.05) task.status = [pick(STATUSES)];
    if (rand() < 0.05) task.activity_id = `quote"${pick(ACTIVITIES)}`;
    task.started_at = i;
    let text = JSON.stringify(task);
    if (rand() < 0.05) text = text.replace(/"task_id":"t/, '"task_id":"\\u0074'); // an escaped id: found by parsing
    if (rand() < 0.05) text = text.replace('"type":"task",', ""); // no type: Flowcept's inference
    if (rand() < 0.05) text = text.replace('"type":"task",', "").replace(/}$/, ',"generated":{"type":"workflow","workflow_id":"wf-a"}}'); // a type only nested
    out.push(text);
  }
  return out;
}

/** The records a full scan gives: every line parsed, merged by type and id in store order, tested by mingo. */
function fullScan(paths: string[], collection: string, filter: Row): Row[] {
  const type = COLLECTION_TYPE[collection]!;
  const records = new Map<string, { seq: number; record: FlowceptRecord }>();
  let seq = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    for (const line of text.split("\n")) {
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch {
        continue;
      }
      if (!r || typeof r !== "object" || Array.isArray(r)) continue;
      const rec = r as FlowceptRecord & Row;
      if (recordTypeOf(rec) !== type) continue;
      const id = rec[ID_FIELD[type]!];
      if (typeof id !== "string") continue;
      const held = records.get(id);
      if (held) held.record = mergeRecord(held.record, rec);
      else records.set(id, { seq: seq++, record: rec });
    }
  }
  const query = new Query(filter);
  return [...records.values()]
    .sort((a, b) => a.seq - b.seq)
    .map(({ record }) => enrichRecord(record) as Row)
    .filter((r) => query.test(r))
    .map((r) => {
      const copy = { ...r };
      delete copy.type;
      return copy;
    });
}

function filters(rand: () => number): [string, Row][] {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  return [
    ["tasks", {}],
    ["tasks", { workflow_id: pick(WORKFLOWS) }],
    ["tasks", { activity_id: pick(ACTIVITIES) }],
    ["tasks", { status: pick(STATUSES) }],
    ["tasks", { task_id: `t${Math.floor(rand() * 40)}` }],
    ["tasks", { task_id: { $in: ["t1", "t2", "t3"] } }],
    ["tasks", { workflow_id: { $in: [pick(WORKFLOWS), pick(WORKFLOWS)] }, status: pick(STATUSES) }],
    ["tasks", { $and: [{ activity_id: pick(ACTIVITIES) }, { started_at: { $gte: 10 } }] }],
    ["tasks", { status: { $ne: "FINISHED" } }],
    ["workflows", {}],
    ["workflows", { workflow_id: pick(WORKFLOWS) }],
    ["workflows", { status: "RUNNING" }],
  ];
}

/** Task counts by workflow and status as the `workflows` command shows them, from a full scan. */
function fullScanCounts(paths: string[], ids: string[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const t of fullScan(paths, "tasks", { workflow_id: { $in: ids } })) {
    const key = String(t.workflow_id);
    const c = (out.get(key) ?? { total: 0 }) as Record<string, number>;
    c.total!++;
    const s = String(t.status ?? "UNKNOWN");
    c[s] = (c[s] ?? 0) + 1;
    out.set(key, c);
  }
  return out;
}

/** Counts as a plain object (a Map's order is not what is compared). */
function countsOf(m: Map<string, Row>): Row {
  return Object.fromEntries(m);
}

describe("the local store's query index", function () {
  this.timeout(120_000);
  let dir: string;
  let path: string;
  let other: string;
  let paths: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-store-index-"));
    path = join(dir, "flowcept_buffer.jsonl");
    other = join(dir, "flowcept_buffer_host-2.jsonl");
    paths = [path, other];
  });
  afterEach(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectSameAsFullScan(db: FlowceptDb, rand: () => number, where: string): Promise<void> {
    for (const [collection, filter] of filters(rand)) {
      const got = await db.query(filter, { collection: collection as "tasks" | "workflows" });
      expect(got, `${where}: ${collection} ${JSON.stringify(filter)}`).to.deep.equal(fullScan(paths, collection, filter));
      const limited = await db.query(filter, { collection: collection as "tasks" | "workflows", limit: 3 });
      expect(limited, `${where}: ${collection} ${JSON.stringify(filter)} limit 3`).to.deep.equal(fullScan(paths, collection, filter).slice(0, 3));
    }
    expect(countsOf(await db.taskCounts(WORKFLOWS)), `${where}: task counts`).to.deep.equal(countsOf(fullScanCounts(paths, WORKFLOWS)));
  }

  it("returns what a full scan returns on random stores: built, read back, appended to, torn, replaced", async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rand = rng(seed);
      const where = `seed ${seed}`;
      writeFileSync(path, `${randomLines(rand, 150, 40).join("\n")}\n`);
      writeFileSync(other, `${randomLines(rand, 60, 40).join("\n")}\n`);
      rmSync(`${path}.query-index`, { force: true });
      const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, built`));
      expect(existsSync(`${path}.query-index`), "the index is kept beside the store").to.equal(true);

      // Another process (a new backend) reads the index kept beside the store.
      const fresh = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
      await captureDiag(() => expectSameAsFullScan(fresh, rand, `${where}, read back`));

      // Lines appended to the last file after the index was built; then a torn last line, then its end.
      appendFileSync(other, `${randomLines(rand, 40, 40).join("\n")}\n`);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, appended`));
      const torn = JSON.stringify({ type: "task", task_id: "t1", workflow_id: "wf-a", status: "ERROR", started_at: 1000 });
      appendFileSync(other, torn.slice(0, 30));
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, torn`));
      appendFileSync(other, `${torn.slice(30)}\n`);
      await captureDiag(() => expectSameAsFullScan(fresh, rand, `${where}, torn line completed`));

      // The last file rewritten in place (same inode) with more bytes than were indexed.
      writeFileSync(other, `${randomLines(rand, 120, 40).join("\n")}\n`);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, last file rewritten`));

      // Lines appended to the first file, before the second in store order.
      appendFileSync(path, `${randomLines(rand, 20, 40).join("\n")}\n`);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, first file appended`));

      // The file rewritten in place (same inode), longer than before; then replaced by a new file; then shrunk.
      writeFileSync(path, `${randomLines(rand, 200, 40).join("\n")}\n`);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, rewritten`));
      writeFileSync(`${path}.new`, `${randomLines(rand, 120, 40).join("\n")}\n`);
      renameSync(`${path}.new`, path);
      await captureDiag(() => expectSameAsFullScan(fresh, rand, `${where}, replaced`));
      writeFileSync(path, `${randomLines(rand, 10, 40).join("\n")}\n`);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, shrunk`));
      rmSync(other);
      await captureDiag(() => expectSameAsFullScan(db, rand, `${where}, a file removed`));
      await db.close();
      await fresh.close();
    }
  });

  it("returns what a full scan returns while other processes append to the store", async () => {
    const rand = rng(99);
    writeFileSync(path, `${randomLines(rand, 300, 60).join("\n")}\n`);
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    await captureDiag(() => db.taskQuery({ workflow_id: "wf-a" }));
    const script = `
      const { appendFileSync } = require("node:fs");
      const [path, who] = process.argv.slice(1);
      for (let i = 0; i < 400; i++) {
        const wf = ["wf-a", "wf-b"][i % 2];
        appendFileSync(path, JSON.stringify({ type: "task", task_id: "c" + who + "-" + (i % 150), workflow_id: wf, activity_id: "train", status: i % 3 ? "FINISHED" : "RUNNING", started_at: i }) + "\\n");
      }`;
    const writers = [1, 2].map(
      (who) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ["-e", script, path, String(who)], { stdio: "ignore" });
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
        }),
    );
    let running = true;
    const done = Promise.all(writers).finally(() => (running = false));
    let queries = 0;
    await captureDiag(async () => {
      while (running) {
        const rows = await db.taskQuery({ workflow_id: "wf-a" });
        for (const r of rows) expect(r.workflow_id).to.equal("wf-a");
        queries++;
      }
    });
    await done;
    expect(queries).to.be.greaterThan(0);
    await captureDiag(() => expectSameAsFullScan(db, rand, "after concurrent appends"));
    const fresh = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    await captureDiag(() => expectSameAsFullScan(fresh, rand, "after concurrent appends, read back"));
  });

  it("keeps the index in memory when it cannot be written beside the store, with one warning", async () => {
    const rand = rng(7);
    writeFileSync(path, `${randomLines(rand, 100, 30).join("\n")}\n`);
    mkdirSync(`${path}.query-index`); // a directory where the file should go
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const logs = await captureDiag(() => expectSameAsFullScan(db, rand, "unwritable"));
    appendFileSync(path, `${randomLines(rand, 30, 30).join("\n")}\n`);
    logs.push(...(await captureDiag(() => expectSameAsFullScan(db, rand, "unwritable, appended"))));
    expect(statSync(`${path}.query-index`).isDirectory()).to.equal(true);
    expect(logs.filter((l) => l.includes("cannot keep the query index"))).to.have.length(1);
  });

  it("keeps the index in memory when the store's folder is read-only", async function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    const rand = rng(8);
    writeFileSync(path, `${randomLines(rand, 100, 30).join("\n")}\n`);
    chmodSync(dir, 0o555);
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const logs = await captureDiag(() => expectSameAsFullScan(db, rand, "read-only"));
    expect(existsSync(`${path}.query-index`)).to.equal(false);
    expect(logs.filter((l) => l.includes("cannot keep the query index"))).to.have.length(1);
  });

  it("reads each byte at most once per query once indexed, and only the lines that may match on an indexed field", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ type: "task", task_id: `t${i}`, workflow_id: `wf-${Math.floor(i / 100)}`, activity_id: "train", status: i % 10 ? "FINISHED" : "ERROR", used: { pad: "p".repeat(200) } }));
    writeFileSync(path, `${lines.join("\n")}\n`);
    const size = statSync(path).size;
    let read = 0;
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path, onProgress: (done) => (read = Math.max(read, done)) }) });
    await db.taskQuery({ task_id: "t1" }); // builds the index: one pass
    expect(read).to.be.at.most(size + 2000);
    read = 0;
    expect(await db.taskQuery({ "used.pad": { $exists: true } }, { projection: ["task_id"] })).to.have.length(2000);
    expect(read, "a filter on no indexed field: one pass").to.be.at.most(size + 2000);
    read = 0;
    expect(await db.taskQuery({ workflow_id: "wf-3" })).to.have.length(100);
    expect(read, "an indexed field: only its lines").to.be.at.most(size / 10);
    read = 0;
    expect(await db.taskCounts(["wf-3"])).to.deep.equal(new Map([["wf-3", { total: 100, FINISHED: 90, ERROR: 10 }]]));
    expect(read, "task counts: from the index alone").to.equal(0);
  });

  it("builds the index again when the one beside the store is damaged or is not a file", async () => {
    const rand = rng(5);
    writeFileSync(path, `${randomLines(rand, 100, 30).join("\n")}\n`);
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    await captureDiag(() => db.taskQuery({}));
    const index = `${path}.query-index`;
    const size = statSync(index).size;
    writeFileSync(index, readFileSync(index).subarray(0, size - 100));
    await captureDiag(() => expectSameAsFullScan(new FlowceptDb({ backend: new LocalQueryBackend({ path }) }), rand, "truncated index"));
    expect(statSync(index).size).to.equal(size);
    // One byte changed among the columns (the workflow of some line): found by the checksum.
    const damaged = readFileSync(index);
    const at = damaged.length - 4 * 100 * 3 + 7;
    damaged[at] = damaged[at]! ^ 0x01;
    writeFileSync(index, damaged);
    await captureDiag(() => expectSameAsFullScan(new FlowceptDb({ backend: new LocalQueryBackend({ path }) }), rand, "a byte of the index changed"));
    expect(readFileSync(index).equals(damaged)).to.equal(false);
    writeFileSync(index, "FCPTCOL1 garbage");
    await captureDiag(() => expectSameAsFullScan(new FlowceptDb({ backend: new LocalQueryBackend({ path }) }), rand, "garbage index"));
  });
});
