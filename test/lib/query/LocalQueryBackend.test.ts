import { expect } from "chai";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { captureDiag } from "../telemetry/diag-capture.js";

const line = (r: Record<string, unknown>): string => `${JSON.stringify(r)}\n`;

/** About `bytes` of one-message tasks of workflow `wf`, numbered from `from`. */
function filler(wf: string, from: number, bytes: number): string {
  let out = "";
  for (let i = from; out.length < bytes; i++) out += line({ type: "task", task_id: `f${i}`, workflow_id: wf, activity_id: "fill", status: "FINISHED", used: { pad: "p".repeat(900) } });
  return out;
}

describe("LocalQueryBackend, streaming the store", function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  let db: FlowceptDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-local-query-"));
    path = join(dir, "flowcept_buffer.jsonl");
    db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("merges a record whose messages are megabytes and files apart", async () => {
    writeFileSync(path, line({ type: "workflow", workflow_id: "wf", name: "far", status: "RUNNING", started_at: 10 }) + filler("wf", 0, 9_000_000));
    writeFileSync(join(dir, "flowcept_buffer_other-1.jsonl"), filler("wf", 100_000, 5_000_000) + line({ type: "workflow", workflow_id: "wf", status: "FINISHED", ended_at: 20 }));
    const [wf] = await db.workflowQuery({ workflow_id: "wf" });
    expect(wf).to.deep.include({ workflow_id: "wf", name: "far", status: "FINISHED", started_at: 10, ended_at: 20 });
    expect(await db.workflowQuery({})).to.have.length(1);
  });

  it("matches a record that only its merged messages match", async () => {
    writeFileSync(path, line({ type: "task", task_id: "t", activity_id: "train", status: "RUNNING" }) + filler("wf", 0, 100_000) + line({ type: "task", task_id: "t", status: "FINISHED", generated: { loss: 1 } }));
    const found = await db.taskQuery({ activity_id: "train", status: "FINISHED" });
    expect(found).to.deep.equal([{ task_id: "t", activity_id: "train", status: "FINISHED", generated: { loss: 1 } }]);
    expect(await db.taskQuery({ status: "RUNNING" })).to.deep.equal([]);
  });

  it("keeps store order without a sort, and a sort with a limit gives the head of the full sort", async () => {
    let text = "";
    for (let i = 0; i < 3000; i++) text += line({ type: "task", task_id: `t${i}`, started_at: (i * 7919) % 3001, workflow_id: "wf" });
    writeFileSync(path, text);
    expect((await db.taskQuery({}, { limit: 5 })).map((t) => t.task_id)).to.deep.equal(["t0", "t1", "t2", "t3", "t4"]);
    const all = await db.taskQuery({}, { sort: { started_at: -1 } });
    const head = await db.taskQuery({}, { sort: { started_at: -1 }, limit: 25, projection: { task_id: 1 } });
    expect(head).to.deep.equal(all.slice(0, 25).map((t) => ({ task_id: t.task_id })));
  });

  it("queries run together on a fresh backend count each message once", async () => {
    writeFileSync(path, line({ type: "workflow", workflow_id: "wf", status: "RUNNING" }) + filler("wf", 0, 300_000) + line({ type: "workflow", workflow_id: "wf", status: "FINISHED" }));
    const [wfs, tasks, again] = await Promise.all([db.workflowQuery({}), db.taskQuery({}, { projection: { task_id: 1 } }), db.workflowQuery({ status: "FINISHED" })]);
    expect(wfs).to.deep.equal([{ workflow_id: "wf", status: "FINISHED" }]);
    expect(again).to.deep.equal(wfs);
    expect(new Set(tasks.map((t) => t.task_id)).size).to.equal(tasks.length);
  });

  it("iterate streams the same records as a query, with the projection", async () => {
    writeFileSync(path, filler("wf-a", 0, 200_000) + filler("wf-b", 10_000, 200_000));
    const streamed: Record<string, unknown>[] = [];
    for await (const t of db.iterate({ workflow_id: "wf-b" }, { projection: { task_id: 1, workflow_id: 1 } })) streamed.push(t);
    const queried = await db.taskQuery({ workflow_id: "wf-b" }, { projection: { task_id: 1, workflow_id: 1 } });
    expect(streamed).to.have.length(queried.length).and.to.be.greaterThan(100);
    expect(streamed).to.have.deep.members(queried);
    expect(Object.keys(streamed[0]!).sort()).to.deep.equal(["task_id", "workflow_id"]);
  });

  it("reports a corrupt line once, with its file and line, and leaves a torn last line for the next query", async () => {
    const diag = captureDiag();
    try {
      writeFileSync(path, `${line({ type: "task", task_id: "a" })}not json\n${line({ type: "task", task_id: "b" })}{"type":"task","task_id":"c"`);
      expect((await db.taskQuery({})).map((t) => t.task_id)).to.deep.equal(["a", "b"]);
      appendFileSync(path, ',"status":"FINISHED"}\n');
      expect((await db.taskQuery({})).map((t) => t.task_id)).to.deep.equal(["a", "b", "c"]);
      expect(diag.warnings.filter((m) => m.includes("corrupt line"))).to.deep.equal([`flowcept: ${path}:2: corrupt line skipped`]);
      // Another process reads the index kept beside the store: it hears of the line once too.
      diag.warnings.length = 0;
      const other = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
      expect((await other.taskQuery({})).map((t) => t.task_id)).to.deep.equal(["a", "b", "c"]);
      expect((await other.taskQuery({ task_id: "a" })).map((t) => t.task_id)).to.deep.equal(["a"]);
      expect(diag.warnings.filter((m) => m.includes("corrupt line"))).to.deep.equal([`flowcept: ${path}:2: corrupt line skipped`]);
    } finally {
      diag.restore();
    }
  });
});
