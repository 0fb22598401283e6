/**
 * Python Flowcept 1.0.3 reads what flowcept-otel writes: our local store
 * through `Flowcept.read_buffer_file`, every task through
 * `TaskObject.from_dict`, and the workflow card of `Flowcept.generate_report`.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";
import type { TaskRecord } from "../../lib/records/records.js";
import { startApp } from "./support/app.js";
import { usePeers } from "./support/peers.js";
import { runPython } from "./support/python-flowcept.js";
import { outputDir } from "./support/stack.js";

interface FlowceptView {
  messages: number;
  workflow_messages: number;
  workflows: { workflow_id: string; name: string; status: string }[];
  tasks: { task_id: string; activity_id: string; status: string; parent_task_id: string | null; used: unknown; generated: unknown; dropped: string[] }[];
  report: Record<string, unknown>;
}

describe("integration: Python Flowcept reads flowcept-otel's local store", function () {
  const peers = usePeers("flowcept");
  let dir: string;
  let store: string;
  let workflowId: string;
  let view: FlowceptView;
  let card: string;

  before(async () => {
    dir = outputDir("flowcept-reads-ours");
    const app = startApp(dir, undefined);
    workflowId = await app.workflowId();
    await app.finished();
    store = app.store;
    const reportPath = join(dir, "workflow_card.md");
    view = JSON.parse(await runPython(peers.flowcept, "flowcept_reads_ours.py", [store, workflowId, reportPath], { cwd: dir })) as FlowceptView;
    card = readFileSync(reportPath, "utf8");
  });

  it("reads every line of the store with Flowcept.read_buffer_file", () => {
    const lines = readFileSync(store, "utf8").split("\n").filter((l) => l !== "").length;
    expect(view.messages).to.equal(lines);
    expect(view.workflow_messages).to.equal(lines);
  });

  it("turns every task into a TaskObject with our ids, activities, statuses, parents, used and generated", () => {
    const ours = readBufferFile(store, { merge: false }).filter((r): r is TaskRecord => r.type === "task");
    expect(view.tasks).to.have.length(ours.length);
    for (const [i, t] of view.tasks.entries()) {
      const mine = ours[i]!;
      expect(t.task_id).to.equal(mine.task_id);
      expect(t.activity_id).to.equal(mine.activity_id);
      expect(t.status).to.equal(mine.status);
      expect(t.parent_task_id ?? undefined).to.equal(mine.parent_task_id);
      expect(t.used).to.deep.equal(mine.used ?? null);
      expect(t.generated).to.deep.equal(mine.generated ?? null);
    }
    expect(view.tasks.filter((t) => t.status === "ERROR").map((t) => t.activity_id)).to.include("validate");
  });

  it("keeps every field of our tasks in the TaskObject (none dropped as unknown)", () => {
    const dropped = new Set(view.tasks.flatMap((t) => t.dropped));
    expect([...dropped]).to.deep.equal([]);
  });

  it("reads the workflow as a WorkflowObject", () => {
    expect(view.workflows.map((w) => w.workflow_id)).to.include(workflowId);
    expect(view.workflows.map((w) => w.name)).to.include("integration_pipeline");
    expect(view.workflows.at(-1)!.status).to.equal("FINISHED");
  });

  it("writes a workflow card (generate_report) that names our workflow and activities", () => {
    expect(card).to.include("integration_pipeline").and.include(workflowId);
    for (const activity of ["download", "preprocess", "normalize", "train_step", "validate", "epochs"]) expect(card, activity).to.include(activity);
  });
});
