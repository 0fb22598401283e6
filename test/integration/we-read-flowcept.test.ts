/**
 * flowcept-otel reads what Python Flowcept 1.0.3 writes: an offline-mode run
 * (`@flowcept_task`, `FlowceptLoop`, `FlowceptTask`, a failing task,
 * telemetry on) read through `Flowcept.readBufferFile`, `Flowcept.db` and the
 * CLI.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { Flowcept, configure } from "../../lib/index.js";
import { resetSettings } from "../../lib/settings/settings-loader.js";
import type { TaskRecord, WorkflowRecord } from "../../lib/records/records.js";
import { DIST } from "../support/paths.js";
import { usePeers } from "./support/peers.js";
import { runPython, writeOfflineSettings } from "./support/python-flowcept.js";
import { outputDir } from "./support/stack.js";

const CLI = join(DIST, "lib", "cli", "main.js");

function cli(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, HOME: cwd, FLOWCEPT_SETTINGS_PATH: "", FLOWCEPT_MONGO_URI: "" } }, (err, stdout, stderr) =>
      err ? reject(new Error(`flowcept-otel ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe("integration: flowcept-otel reads a Python Flowcept run", function () {
  const peers = usePeers("flowcept");
  let dir: string;
  let buffer: string;
  let workflowId: string;

  before(async () => {
    dir = outputDir("we-read-flowcept");
    buffer = join(dir, "flowcept_buffer.jsonl");
    const settings = writeOfflineSettings(dir, buffer);
    workflowId = (await runPython(peers.flowcept, "flowcept_offline_run.py", [], { cwd: dir, env: { FLOWCEPT_SETTINGS_PATH: settings } })).trim();
    expect(workflowId).to.match(/^[0-9a-f-]{36}$/);
  });

  describe("Flowcept.readBufferFile", () => {
    let tasks: TaskRecord[];
    let workflows: WorkflowRecord[];
    before(() => {
      const records = Flowcept.readBufferFile(buffer);
      tasks = records.filter((r): r is TaskRecord => r.type === "task");
      workflows = records.filter((r): r is WorkflowRecord => r.type === "workflow");
    });

    it("reads the workflow once, merged from its start and end messages", () => {
      expect(workflows).to.have.length(1);
      expect(workflows[0]).to.include({ workflow_id: workflowId, name: "python_offline", status: "FINISHED" });
      expect(workflows[0]!.used).to.deep.equal({ n: 3 });
      expect(workflows[0]!.ended_at! - workflows[0]!.started_at!).to.be.within(0, 60);
    });

    it("reads every task, the loop iterations Flowcept writes without a type included", () => {
      expect(tasks.map((t) => t.activity_id)).to.have.members(["inner", "outer", "epochs_iteration", "epochs_iteration", "epochs_iteration", "download", "fails"]);
      for (const t of tasks) expect(t.workflow_id, String(t.activity_id)).to.equal(workflowId);
    });

    it("reads statuses, used and generated", () => {
      const by = (a: string): TaskRecord[] => tasks.filter((t) => t.activity_id === a);
      expect(by("inner")[0]).to.deep.include({ status: "FINISHED", used: { x: 1 }, generated: { y: 2 } });
      expect(by("outer")[0]).to.deep.include({ status: "FINISHED", used: { x: 1, k: 2 }, generated: { z: 4 } });
      expect(by("download")[0]).to.deep.include({ status: "FINISHED", used: { url: "https://example.org/data.csv" }, generated: { rows: 3 } });
      expect(by("fails")[0]).to.deep.include({ status: "ERROR", stderr: "bad x: 1" });
      const iterations = by("epochs_iteration").sort((a, b) => a.started_at! - b.started_at!);
      expect(iterations.map((t) => t.used)).to.deep.equal([{ i: 0, epoch: 0 }, { i: 1, epoch: 1 }, { i: 2, epoch: 2 }]);
      expect(iterations.map((t) => t.generated)).to.deep.equal([{ loss: 1 }, { loss: 0.5 }, { loss: 1 / 3 }]);
      expect(new Set(iterations.map((t) => t.group_id)).size).to.equal(1);
    });

    it("reads times as float seconds and the telemetry snapshots, with a summary for tasks that have both", () => {
      const wfStart = workflows[0]!.started_at!;
      for (const t of tasks) {
        expect(t.started_at, String(t.activity_id)).to.be.a("number").within(wfStart - 1, wfStart + 60);
        if (t.ended_at !== undefined) expect(t.ended_at).to.be.at.least(t.started_at!);
      }
      const outer = tasks.find((t) => t.activity_id === "outer")!;
      const start = outer.telemetry_at_start as { cpu: { percent_all: number }; memory: { virtual: { total: number } }; process: { pid: number } };
      expect(start.cpu.percent_all).to.be.a("number");
      expect(start.memory.virtual.total).to.be.greaterThan(0);
      expect(start.process.pid).to.be.a("number");
      expect(outer.telemetry_summary).to.be.an("object");
      expect(tasks.filter((t) => t.activity_id === "epochs_iteration").every((t) => t.telemetry_at_end !== undefined)).to.equal(true);
    });
  });

  describe("Flowcept.db", () => {
    before(() => configure({ project: { dump_buffer: { path: buffer } } }));
    after(() => resetSettings());

    it("answers task and workflow queries over the file", async () => {
      expect(await Flowcept.db.taskQuery({ workflow_id: workflowId })).to.have.length(7);
      expect(await Flowcept.db.taskQuery({ workflow_id: workflowId, status: "ERROR" }, { projection: ["activity_id"] })).to.deep.equal([{ activity_id: "fails" }]);
      const iterations = await Flowcept.db.taskQuery({ activity_id: "epochs_iteration" }, { sort: { started_at: 1 }, projection: ["generated"] });
      expect(iterations.map((t) => t.generated)).to.deep.equal([{ loss: 1 }, { loss: 0.5 }, { loss: 1 / 3 }]);
      expect(await Flowcept.db.taskQuery({ "used.x": 1 })).to.have.length(3);
      const [wf] = await Flowcept.db.workflowQuery({ workflow_id: workflowId });
      expect(wf).to.include({ name: "python_offline", status: "FINISHED" });
    });
  });

  describe("the command line", () => {
    it("lists the workflow with its task counts (workflows)", async () => {
      const [wf] = JSON.parse(await cli(["--json", "--buffer-path", buffer, "workflows"], dir)) as Record<string, unknown>[];
      expect(wf).to.include({ workflow_id: workflowId, name: "python_offline", status: "FINISHED", tasks: 7, finished: 6, errors: 1 });
      expect(await cli(["--buffer-path", buffer, "workflows"], dir)).to.match(new RegExp(`${workflowId}\\s+python_offline\\s+FINISHED\\s+7\\s+6\\s+1`));
    });

    it("lists its tasks (tasks)", async () => {
      const tasks = JSON.parse(await cli(["--json", "--buffer-path", buffer, "tasks", "--workflow-id", workflowId], dir)) as Record<string, unknown>[];
      expect(tasks.map((t) => t.activity_id)).to.have.members(["inner", "outer", "epochs_iteration", "epochs_iteration", "epochs_iteration", "download", "fails"]);
    });

    it("summarises it per activity, with the error (show)", async () => {
      const text = await cli(["--buffer-path", buffer, "show", workflowId], dir);
      expect(text).to.include('Workflow "python_offline"').and.include("tasks:     7 (ERROR 1, FINISHED 6)");
      expect(text).to.match(/epochs_iteration\s+3\s/);
      expect(text).to.include("fails: bad x: 1");
    });
  });
});
