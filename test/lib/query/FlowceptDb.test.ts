import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { FlowceptQueryError, type QueryBackend } from "../../../lib/query/query-types.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { mongoStoreWith } from "../../support/mongo-store.js";

const W1 = "11111111-1111-4111-8111-111111111111";
const W2 = "22222222-2222-4222-8222-222222222222";
const T = 1700000000;

/** The messages a run writes, in order: start and end messages for workflows, RUNNING then FINISHED for tasks. */
function messages(): FlowceptRecord[] {
  const task = (id: string, wf: string, activity: string, start: number, parent?: string, extra: Record<string, unknown> = {}): FlowceptRecord[] => [
    { type: "task", task_id: id, workflow_id: wf, activity_id: activity, status: "RUNNING", started_at: T + start, used: { x: start }, ...(parent ? { parent_task_id: parent } : {}) },
    { type: "task", task_id: id, workflow_id: wf, status: "FINISHED", ended_at: T + start + 0.5, generated: { y: start * 2 }, ...extra },
  ];
  return [
    { type: "workflow", workflow_id: W1, name: "training", status: "RUNNING", started_at: T, campaign_id: "c1" },
    ...task("r1", W1, "main", 1),
    ...task("c1", W1, "step", 2, "r1"),
    ...task("g1", W1, "inner", 3, "c1", { tags: ["a", "b"] }),
    ...task("c2", W1, "step", 4, "r1"),
    ...task("r2", W1, "report", 5),
    { type: "workflow", workflow_id: W1, status: "FINISHED", ended_at: T + 10 },
    { type: "workflow", workflow_id: W2, name: "eval", status: "RUNNING", started_at: T + 20 },
    ...task("e1", W2, "score", 21),
    { type: "task", task_id: "e2", workflow_id: W2, activity_id: "score", status: "ERROR", started_at: T + 22, stderr: "bad input" },
  ];
}

function sameOn(name: string, setup: () => Promise<{ backend: QueryBackend; cleanup: () => Promise<void> }>): void {
  describe(`FlowceptDb over ${name}`, function () {
    this.timeout(30_000);
    let db: FlowceptDb;
    let current: string | undefined;
    let cleanup: () => Promise<void>;
    let dir: string;

    before(async () => {
      const s = await setup();
      cleanup = s.cleanup;
      db = new FlowceptDb({ backend: s.backend, currentWorkflowId: () => current });
      dir = mkdtempSync(join(tmpdir(), "flowcept-db-"));
    });
    after(async () => {
      await db.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("taskQuery filters merged tasks, with projection, sort and limit", async () => {
      const all = await db.taskQuery({ workflow_id: W1 });
      expect(all.map((t) => t.task_id).sort()).to.deep.equal(["c1", "c2", "g1", "r1", "r2"]);
      expect(all.every((t) => t.status === "FINISHED")).to.equal(true);
      const r1 = all.find((t) => t.task_id === "r1")!;
      expect(r1).to.include({ activity_id: "main", started_at: T + 1, ended_at: T + 1.5 });
      expect(r1.used).to.deep.equal({ x: 1 });
      expect(r1.generated).to.deep.equal({ y: 2 });
      expect(r1).to.not.have.property("_id");
      expect(r1).to.not.have.property("type");
      const latest = await db.taskQuery({ workflow_id: W1 }, { projection: { task_id: 1 }, sort: { started_at: -1 }, limit: 2 });
      expect(latest).to.deep.equal([{ task_id: "r2" }, { task_id: "c2" }]);
      const pairs = await db.taskQuery({ activity_id: "step" }, { projection: ["task_id", "used.x"], sort: [["started_at", 1]] });
      expect(pairs).to.deep.equal([{ task_id: "c1", used: { x: 2 } }, { task_id: "c2", used: { x: 4 } }]);
      const dropped = await db.taskQuery({ task_id: "e2" }, { projection: { stderr: 0, started_at: 0, registered_at: 0 } });
      expect(dropped).to.deep.equal([{ task_id: "e2", workflow_id: W2, activity_id: "score", status: "ERROR" }]);
    });

    it("understands operators, nested fields, arrays and time fields", async () => {
      expect((await db.taskQuery({ "used.x": { $gte: 3 }, workflow_id: W1 }, { sort: { started_at: 1 } })).map((t) => t.task_id)).to.deep.equal(["g1", "c2", "r2"]);
      expect((await db.taskQuery({ status: { $in: ["ERROR"] } })).map((t) => t.task_id)).to.deep.equal(["e2"]);
      expect((await db.taskQuery({ tags: "b" })).map((t) => t.task_id)).to.deep.equal(["g1"]);
      expect((await db.taskQuery({ parent_task_id: { $exists: false }, workflow_id: W1 }, { sort: { started_at: 1 } })).map((t) => t.task_id)).to.deep.equal(["r1", "r2"]);
      expect((await db.taskQuery({ started_at: { $gte: T + 21.5 } })).map((t) => t.task_id)).to.deep.equal(["e2"]);
      expect((await db.taskQuery({ started_at: { $lt: new Date((T + 2) * 1000) } })).map((t) => t.task_id)).to.deep.equal(["r1"]);
      expect((await db.taskQuery({ $or: [{ task_id: "r1" }, { stderr: { $regex: "^bad" } }] }, { sort: { task_id: 1 } })).map((t) => t.task_id)).to.deep.equal(["e2", "r1"]);
    });

    it("workflowQuery, query and getWorkflow see workflows with their start and end messages merged", async () => {
      const wfs = await db.workflowQuery({}, { sort: { started_at: 1 } });
      expect(wfs.map((w) => w.workflow_id)).to.deep.equal([W1, W2]);
      expect(wfs[0]).to.include({ name: "training", status: "FINISHED", started_at: T, ended_at: T + 10, campaign_id: "c1" });
      expect(await db.query({ name: "eval" }, { collection: "workflows", projection: { workflow_id: 1 } })).to.deep.equal([{ workflow_id: W2 }]);
      expect((await db.query({ task_id: "c1" }))[0]!.parent_task_id).to.equal("r1");
      expect((await db.getWorkflow(W1))!.name).to.equal("training");
      expect(await db.getWorkflow("no-such-workflow")).to.equal(undefined);
    });

    it("getTasksFromCurrentWorkflow follows the current-workflow hook", async () => {
      current = undefined;
      expect(await db.getTasksFromCurrentWorkflow()).to.deep.equal([]);
      current = W2;
      expect((await db.getTasksFromCurrentWorkflow({ sort: { started_at: 1 } })).map((t) => t.task_id)).to.deep.equal(["e1", "e2"]);
    });

    it("getTasksRecursive returns the task tree depth-first, with depth and ancestors", async () => {
      const tree = await db.getTasksRecursive(W1);
      expect(tree.map((t) => [t.task_id, t.depth])).to.deep.equal([
        ["r1", 0],
        ["c1", 1],
        ["g1", 2],
        ["c2", 1],
        ["r2", 0],
      ]);
      expect(tree.find((t) => t.task_id === "g1")!.ancestor_ids).to.deep.equal([{ main: "r1" }, { step: "c1" }]);
      expect((await db.getTasksRecursive(W1, { maxDepth: 1 })).map((t) => t.task_id)).to.deep.equal(["r1", "c1", "c2", "r2"]);
    });

    it("exports a query to JSONL and CSV", async () => {
      const jsonl = join(dir, "tasks.jsonl");
      const seen: number[] = [];
      const n = await db.exportQuery({ workflow_id: W1 }, { path: jsonl, sort: { started_at: 1 }, projection: { task_id: 1, used: 1, status: 1 }, onProgress: (w) => seen.push(w) });
      expect(n).to.equal(5);
      expect(seen.at(-1)).to.equal(5);
      const lines = readFileSync(jsonl, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).to.deep.equal({ task_id: "r1", used: { x: 1 }, status: "FINISHED" });
      const csv = join(dir, "tasks.csv");
      await db.exportQuery({ workflow_id: W2 }, { path: csv, format: "csv", sort: { started_at: 1 }, projection: { task_id: 1, used: 1, stderr: 1, status: 1 } });
      expect(readFileSync(csv, "utf8")).to.equal("task_id,used.x,stderr,status\ne1,21,,FINISHED\ne2,,bad input,ERROR\n");
    });

    it("names what is wrong with a bad query", async () => {
      const fails = async (p: Promise<unknown>, pattern: RegExp): Promise<void> => {
        const err = await p.then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(FlowceptQueryError);
        expect((err as Error).message).to.match(pattern);
      };
      await fails(db.taskQuery({ status: { $nope: 1 } }), /\$nope/);
      await fails(db.query({}, { collection: "nothing" as never }), /unknown collection "nothing"/);
      await fails(db.taskQuery({}, { sort: { started_at: 2 as never } }), /sort order of started_at must be 1 or -1/);
      await fails(db.taskQuery({}, { projection: { a: 1, b: 0 } }), /cannot both include and exclude/);
      await fails(db.taskQuery({}, { limit: -1 }), /limit must be a non-negative integer/);
      await fails(db.taskQuery([] as never), /filter must be an object/);
      await fails(db.exportQuery({}, { path: join(dir, "x"), format: "xml" as never }), /unknown export format/);
    });

    it("refuses a __proto__ filter (which matched every record) and operators that run code", async () => {
      const fails = async (filter: unknown, pattern: RegExp): Promise<void> => {
        const err = await db.taskQuery(filter as never).then(() => undefined, (e: unknown) => e);
        expect(err, JSON.stringify(filter)).to.be.instanceOf(FlowceptQueryError);
        expect((err as Error).message).to.match(pattern);
      };
      await fails(JSON.parse('{"__proto__": {"status": "NOPE"}}'), /__proto__/);
      await fails(JSON.parse('{"$or": [{"used.__proto__.x": 1}]}'), /__proto__/);
      await fails({ $where: "this.status == 'ERROR'" }, /\$where is not allowed/);
      await fails({ $expr: { $function: { body: "function () { return true }", args: [], lang: "js" } } }, /\$function is not allowed/);
      expect(await db.taskQuery({ status: "NOPE" })).to.deep.equal([]);
    });
  });
}

sameOn("the local store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-local-"));
  const path = join(dir, "flowcept_buffer.jsonl");
  const msgs = messages();
  // Messages of one run split over the base file and a suffixed sibling, as append_id_to_path writes them.
  writeFileSync(path, msgs.slice(0, 12).map((m) => JSON.stringify(m)).join("\n") + "\n");
  writeFileSync(join(dir, "flowcept_buffer_proc2.jsonl"), msgs.slice(12).map((m) => JSON.stringify(m)).join("\n") + "\n");
  return { backend: new LocalQueryBackend({ path }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

sameOn("MongoDB", () => mongoStoreWith(messages()));

describe("LocalQueryBackend, reading a growing store", () => {
  it("reads only what was appended, merges it with what it had, and leaves a torn last line for later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-grow-"));
    try {
      const path = join(dir, "store.jsonl");
      writeFileSync(path, `${JSON.stringify({ type: "task", task_id: "a", status: "RUNNING", used: { i: 1 } })}\n{"type":"task","task_id":"b"`);
      const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
      expect((await db.taskQuery({})).map((t) => t.task_id)).to.deep.equal(["a"]);
      writeFileSync(path, `${readFileSync(path, "utf8")},"status":"RUNNING"}\n${JSON.stringify({ type: "task", task_id: "a", status: "FINISHED", used: { j: 2 } })}\n`);
      const tasks = await db.taskQuery({}, { sort: { task_id: 1 } });
      expect(tasks).to.deep.equal([
        { task_id: "a", status: "FINISHED", used: { i: 1, j: 2 } },
        { task_id: "b", status: "RUNNING" },
      ]);
      tasks[0]!.status = "changed by the caller";
      expect((await db.taskQuery({ task_id: "a" }))[0]!.status).to.equal("FINISHED");
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
