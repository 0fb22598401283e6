/**
 * The UI server following a store as it grows: appended records reach the
 * model and the record streams; a write in progress is read when whole; a
 * rewritten file is read again; MongoDB is followed by polling where change
 * streams are not supported.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { MongoQueryBackend } from "../../../lib/query/MongoQueryBackend.js";
import { MongoRecordExporter } from "../../../exporters/mongo/MongoRecordExporter.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import type { TaskPage, WorkflowList } from "../../../lib/ui/api-types.js";
import { MongoStoreFollower } from "../../../lib/ui/MongoStoreFollower.js";
import { UiServer } from "../../../lib/ui/UiServer.js";
import { startMongoTarget } from "../../support/mongo-target.js";
import { httpGet, openSse, type SseStream } from "../../support/sse-client.js";
import { fixtureRecords, jsonl, startUiFixture, W1, W2, type UiFixture } from "./ui-fixture.js";

const W3 = "33333333-3333-4333-8333-333333333333";

async function getJson<T>(base: string, path: string): Promise<T> {
  const r = await httpGet(`${base}/api/v1/${path}`);
  expect(r.status, r.body).to.equal(200);
  return JSON.parse(r.body) as T;
}

async function eventually(check: () => Promise<boolean>, timeoutMillis = 10_000): Promise<void> {
  const end = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("UI server: following the local store", () => {
  let ui: UiFixture;
  const streams: SseStream[] = [];
  beforeEach(async () => {
    ui = await startUiFixture();
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await ui.close();
  });

  it("reads what is appended — tasks appear, statuses change — and streams it", async () => {
    const tasks = await openSse(`${ui.base}/api/v1/stream/tasks?workflow_id=${W2}`);
    const workflows = await openSse(`${ui.base}/api/v1/stream/workflows`);
    streams.push(tasks, workflows);
    const before = ui.server.model.version;
    ui.append([
      { type: "task", task_id: "u-2", workflow_id: W2, activity_id: "compute", status: "RUNNING", started_at: 1_800_000_102 },
      { type: "task", task_id: "other", workflow_id: W1, activity_id: "late", status: "FINISHED", started_at: 1_800_000_009, ended_at: 1_800_000_010 },
    ]);
    await tasks.waitFor(1);
    expect(tasks.records().map((r) => r.task_id)).to.deep.equal(["u-2"]);
    let page = await getJson<TaskPage>(ui.base, `workflows/${W2}/tasks`);
    expect(page.rows.map((r) => [r.task_id, r.status])).to.deep.equal([
      ["u-1", "FINISHED"],
      ["u-2", "RUNNING"],
    ]);
    ui.append([
      { type: "task", task_id: "u-2", workflow_id: W2, status: "FINISHED", ended_at: 1_800_000_103, generated: { out: 1 } },
      { type: "workflow", workflow_id: W2, status: "FINISHED", ended_at: 1_800_000_104 },
    ]);
    await tasks.waitFor(2);
    await workflows.waitFor(1);
    page = await getJson<TaskPage>(ui.base, `workflows/${W2}/tasks`);
    expect(page.rows.map((r) => [r.task_id, r.status, r.started_at])).to.deep.equal([
      ["u-1", "FINISHED", 1_800_000_100],
      ["u-2", "FINISHED", 1_800_000_102],
    ]);
    const list = await getJson<WorkflowList>(ui.base, "workflows");
    expect(list.workflows.find((w) => w.workflow_id === W2)).to.deep.include({ status: "FINISHED", tasks: { FINISHED: 2 }, n_tasks: 2 });
    expect(workflows.records()).to.deep.equal([{ type: "workflow", workflow_id: W2, status: "FINISHED", ended_at: 1_800_000_104 }]);
    expect(ui.server.model.version).to.be.greaterThan(before);
  });

  it("reads a line being written only once it is whole", async () => {
    const tasks = await openSse(`${ui.base}/api/v1/stream/tasks`);
    streams.push(tasks);
    const line = JSON.stringify({ type: "task", task_id: "slow-writer", workflow_id: W3, activity_id: "a", status: "FINISHED" });
    ui.append(line.slice(0, 30));
    await new Promise((r) => setTimeout(r, 300));
    expect(tasks.records()).to.deep.equal([]);
    ui.append(`${line.slice(30)}\n`);
    await tasks.waitFor(1);
    expect(tasks.records()[0]!.task_id).to.equal("slow-writer");
    expect((await getJson<TaskPage>(ui.base, `workflows/${W3}/tasks`)).total).to.equal(1);
  });

  it("skips a corrupt line and goes on", async () => {
    const tasks = await openSse(`${ui.base}/api/v1/stream/tasks`);
    streams.push(tasks);
    ui.append(`{"type":"task","task_id": oops}\n${jsonl([{ type: "task", task_id: "after", workflow_id: W3, status: "FINISHED" }])}`);
    await tasks.waitFor(1);
    expect(tasks.records().map((r) => r.task_id)).to.deep.equal(["after"]);
  });

  it("reads a store that was rewritten from its start", async () => {
    truncateSync(ui.store, 0);
    writeFileSync(ui.store, jsonl([{ type: "workflow", workflow_id: W3, name: "fresh", status: "RUNNING", started_at: 1_900_000_000 }]));
    await eventually(async () => (await getJson<WorkflowList>(ui.base, "workflows")).workflows.some((w) => w.name === "fresh"));
  });
});

describe("UI server: following MongoDB", function () {
  this.timeout(60_000);

  it("reads the collections, then polls a server without change streams", async () => {
    const target = await startMongoTarget();
    const dbName = target.freshDb();
    const spill = mkdtempSync(join(tmpdir(), "flowcept-ui-spill-"));
    const exporter = new MongoRecordExporter({ uri: target.uri, dbName, spillDir: spill });
    const write = (records: Record<string, unknown>[]): Promise<unknown> => new Promise((r) => exporter.export(records as FlowceptRecord[], r));
    const now = Date.now() / 1000;
    // Times near now: polling finds records by their recent times.
    const recs = fixtureRecords().map((r) => ({ ...r, ...(typeof r.started_at === "number" ? { started_at: now - 50 + (r.started_at - 1_800_000_000) / 10 } : {}), ...(typeof r.ended_at === "number" ? { ended_at: now - 50 + (r.ended_at - 1_800_000_000) / 10 } : {}) }));
    await write(recs);
    const follower = new MongoStoreFollower({ uri: target.uri, dbName, pollMillis: 100 });
    const server = new UiServer({ db: new FlowceptDb({ backend: new MongoQueryBackend({ uri: target.uri, dbName }) }), follower, port: 0 });
    try {
      await server.start();
      await server.whenLoaded();
      expect(follower.mode).to.equal(target.server ? "MongoDB polling" : "MongoDB change streams");
      const list = await getJson<WorkflowList>(server.url, "workflows");
      expect(list.workflows.map((w) => w.name).sort()).to.deep.equal(["other run", "pipeline"]);
      expect(list.workflows.find((w) => w.name === "pipeline")!.tasks).to.deep.equal({ FINISHED: 6, ERROR: 1 });
      const stream = await openSse(`${server.url}/api/v1/stream/tasks?workflow_id=${W2}`);
      await write([{ type: "task", task_id: "u-9", workflow_id: W2, activity_id: "late", status: "FINISHED", started_at: Date.now() / 1000, ended_at: Date.now() / 1000 }]);
      await stream.waitFor(1);
      expect(stream.records().map((r) => r.task_id)).to.include("u-9");
      await eventually(async () => (await getJson<TaskPage>(server.url, `workflows/${W2}/tasks`)).total === 2);
      const task = await getJson<{ task: Record<string, unknown> }>(server.url, "tasks/t-train");
      expect(task.task.generated).to.deep.equal({ model: "model-v1-weights.bin", loss: 0.125 });
      stream.close();
    } finally {
      await server.close();
      await exporter.shutdown();
      await target.close();
      rmSync(spill, { recursive: true, force: true });
    }
  });
});
