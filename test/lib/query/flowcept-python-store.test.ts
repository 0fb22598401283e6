import { expect } from "chai";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { recordTypeOf } from "../../../lib/records/record-type.js";
import { FIXTURES } from "../../support/paths.js";

/** Written by Python Flowcept 1.0.3 in offline mode (test/integration/python/flowcept_offline_run.py). */
const STORE = join(FIXTURES, "flowcept", "flowcept-1.0.3-offline.jsonl");
const WORKFLOW = "112b6030-1884-4028-ae72-09d47d6120c0";

describe("a local store written by Python Flowcept", () => {
  it("infers the type Flowcept leaves out of its loop iterations, as Flowcept's inserter does", () => {
    expect(recordTypeOf({ task_id: "1", activity_id: "epochs_iteration" })).to.equal("task");
    expect(recordTypeOf({ activity_id: "a" })).to.equal("task");
    expect(recordTypeOf({ agent_id: "a" })).to.equal("agent");
    expect(recordTypeOf({ name: "wf", workflow_id: "w" })).to.equal("workflow");
    expect(recordTypeOf({ environment_id: "e" })).to.equal("workflow");
    expect(recordTypeOf({ workflow_id: "w" })).to.equal(undefined);
    expect(recordTypeOf({ type: "task" })).to.equal("task");
    expect(recordTypeOf({ type: "flowcept_control", task_id: "1" })).to.equal(undefined);
    expect(recordTypeOf({ type: { $ne: 1 }, task_id: "1" })).to.equal(undefined);
  });

  it("reads every task, the loop iterations included, through readBufferFile", () => {
    const records = readBufferFile(STORE);
    const tasks = records.filter((r) => r.type === "task");
    expect(tasks.map((t) => t.activity_id)).to.deep.equal(["inner", "outer", "epochs_iteration", "epochs_iteration", "epochs_iteration", "download", "fails"]);
    const workflows = records.filter((r) => r.type === "workflow");
    expect(workflows).to.have.length(1);
    expect(workflows[0]).to.include({ workflow_id: WORKFLOW, name: "python_offline", status: "FINISHED" });
  });

  it("counts the loop iterations in Flowcept.db queries", async () => {
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path: STORE }) });
    expect(await db.taskQuery({ workflow_id: WORKFLOW })).to.have.length(7);
    const iterations = await db.taskQuery({ activity_id: "epochs_iteration" }, { sort: { started_at: 1 } });
    expect(iterations.map((t) => (t.used as { epoch: number }).epoch)).to.deep.equal([0, 1, 2]);
    expect(iterations.map((t) => (t.generated as { loss: number }).loss)).to.deep.equal([1, 0.5, 1 / 3]);
    expect(await db.taskQuery({ status: "ERROR" })).to.have.length(1);
  });
});
