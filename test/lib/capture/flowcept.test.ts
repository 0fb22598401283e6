import { context, trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { FlowceptSpanProcessor } from "../../../lib/pipeline/FlowceptSpanProcessor.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { flowceptWorkflow } from "../../../lib/capture/flowcept-workflow.js";
import { FlowceptLoop } from "../../../lib/capture/FlowceptLoop.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import { workflowTraceId } from "../../../lib/records/ids.js";
import type { RecordExporter } from "../../../lib/records/record-exporter.js";
import type { FlowceptRecord, WorkflowRecord } from "../../../lib/records/records.js";
import { useTempStore } from "../../support/temp-store.js";
import { flushAllSinks } from "../../../lib/pipeline/record-sink.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("Flowcept controller", () => {
  const store = useTempStore();

  it("records a workflow with the schema's fields, started and ended", async () => {
    let ids: [string, string] = ["", ""];
    await Flowcept.run(
      { workflowName: "training", workflowSubtype: "ml_workflow", workflowArgs: { epochs_list: [10, 100], learning_rates: [0.1, 0.01] }, customMetadata: { team: "a" } },
      (fc) => {
        ids = [fc.workflowId, fc.campaignId];
        expect(Flowcept.currentWorkflowId).to.equal(fc.workflowId);
        expect(Flowcept.currentCampaignId).to.equal(fc.campaignId);
      },
    );
    expect(ids[0]).to.match(UUID);
    expect(ids[1]).to.match(UUID);
    const [wf] = await store.workflows();
    expect(wf!.workflow_id).to.equal(ids[0]);
    expect(wf!.campaign_id).to.equal(ids[1]);
    expect(wf!.name).to.equal("training");
    expect(wf!.subtype).to.equal("ml_workflow");
    expect(wf!.used).to.deep.equal({ epochs_list: [10, 100], learning_rates: [0.1, 0.01] });
    expect(wf!.custom_metadata).to.deep.equal({ team: "a" });
    expect(wf!.status).to.equal("FINISHED");
    expect(wf!.ended_at).to.be.at.least(wf!.started_at!);
    for (const k of ["flowcept_version", "user", "hostname", "node_name", "sys_name", "machine_info", "conf", "flowcept_settings", "interceptor_ids", "utc_timestamp"]) {
      expect(wf, k).to.have.property(k);
    }
    // start and end messages are both in the file and merge to one workflow
    const raw = (await store.readRaw()).filter((r) => r.type === "workflow");
    expect(raw).to.have.length(2);
    expect(raw[0]!.status).to.equal("RUNNING");
  });

  it("takes an empty workflowId or campaignId (an unset environment variable) as none given: new UUIDs", async () => {
    const ids = await Flowcept.run({ workflowName: "empty_ids", workflowId: "", campaignId: "" }, (fc) => [fc.workflowId, fc.campaignId]);
    expect(ids[0]).to.match(UUID);
    expect(ids[1]).to.match(UUID);
    const [wf] = await store.workflows();
    expect(wf!.workflow_id).to.equal(ids[0]);
  });

  it("takes an empty workflowId or campaignId of a task or loop as none given: the tasks join the run's workflow", async () => {
    const empty = { workflowId: "", campaignId: "" };
    const full = flowceptTask(empty, function full() {
      return 1;
    });
    const light = lightweightFlowceptTask(empty, function light() {
      return 2;
    });
    const ids = await Flowcept.run({ workflowName: "empty_task_ids" }, (fc) => {
      full();
      light();
      new FlowceptTask({ activityId: "custom", ...empty }).end();
      for (const i of new FlowceptLoop([1], { loopName: "loop", ...empty })) void i;
      return [fc.workflowId, fc.campaignId];
    });
    const tasks = await store.tasks();
    expect(tasks.map((t) => t.activity_id).sort()).to.deep.equal(["custom", "full", "light", "loop", "loop_iteration"]);
    for (const t of tasks) {
      expect(t.workflow_id, t.activity_id).to.equal(ids[0]);
      expect(t.campaign_id, t.activity_id).to.equal(ids[1]);
    }
  });

  it("is one trace whose id is the workflow id", async () => {
    const t = flowceptTask(function step() {
      return trace.getSpan(context.active())!.spanContext().traceId;
    });
    let traceId = "";
    let wfId = "";
    await Flowcept.run({}, (fc) => {
      wfId = fc.workflowId;
      traceId = t();
    });
    expect(traceId).to.equal(wfId.replace(/-/g, ""));
    expect((await store.tasks())[0]!.task_id.startsWith(traceId)).to.equal(true);
  });

  it("ends with ERROR when the body throws, and rethrows", async () => {
    const err = new Error("body failed");
    let id = "";
    let caught: unknown;
    await Flowcept.run({}, (fc) => {
      id = fc.workflowId;
      throw err;
    }).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(err);
    const wf = (await store.workflows()).find((w) => w.workflow_id === id)!;
    expect(wf.status).to.equal("ERROR");
    expect(wf.stderr).to.equal("body failed");
  });

  it("start/stop and `await using` make the workflow ambient", async () => {
    const double = flowceptTask(function double(x: number) {
      return 2 * x;
    });
    const fc = new Flowcept({ workflowName: "manual_example" });
    await fc.start();
    expect(Flowcept.currentWorkflowId).to.equal(fc.workflowId);
    double(21);
    await fc.stop();
    expect(Flowcept.currentWorkflowId).to.equal(undefined);
    let second = "";
    {
      await using fc2 = await new Flowcept({ workflowName: "using" }).start();
      second = fc2.workflowId;
      double(1);
    }
    const tasks = await store.tasks();
    expect(tasks.map((t) => t.workflow_id)).to.deep.equal([fc.workflowId, second]);
    const wfs = await store.workflows();
    expect(wfs.map((w) => w.status)).to.deep.equal(["FINISHED", "FINISHED"]);
  });

  it("keeps concurrent workflows apart through the async context", async () => {
    const step = flowceptTask(async function step(i: number) {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      return Flowcept.currentWorkflowId;
    });
    const seen = new Map<string, (string | undefined)[]>();
    await Promise.all(
      [0, 1, 2, 3].map((n) =>
        Flowcept.run({ workflowName: `wf${n}` }, async (fc) => {
          const out: (string | undefined)[] = [];
          for (let i = 0; i < 5; i++) out.push(await step(i));
          seen.set(fc.workflowId, out);
        }),
      ),
    );
    expect(seen.size).to.equal(4);
    for (const [id, out] of seen) expect(out).to.deep.equal(Array(5).fill(id));
    const tasks = await store.tasks();
    expect(tasks).to.have.length(20);
    for (const [id] of seen) expect(tasks.filter((t) => t.workflow_id === id)).to.have.length(5);
  });

  it("nested workflows record their parent workflow", async () => {
    let outer = "";
    let inner = "";
    await Flowcept.run({ workflowName: "outer" }, async (o) => {
      outer = o.workflowId;
      await Flowcept.run({ workflowName: "inner" }, (i) => {
        inner = i.workflowId;
      });
    });
    const wfs = await store.workflows();
    expect(wfs.find((w) => w.workflow_id === inner)!.parent_workflow_id).to.equal(outer);
    expect(wfs.find((w) => w.workflow_id === outer)).to.not.have.property("parent_workflow_id");
  });

  it("explicit ids and saveWorkflow:false add tasks to an existing workflow", async () => {
    const wfId = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736";
    const t = flowceptTask(function producer(x: number) {
      return x;
    });
    await Flowcept.run({ workflowId: wfId, campaignId: "camp", saveWorkflow: false, startPersistence: false, checkSafeStops: false }, () => t(1));
    await Flowcept.run({ workflowId: wfId, campaignId: "camp", saveWorkflow: false }, () => t(2));
    const recs = await store.read();
    expect(recs.filter((r) => r.type === "workflow")).to.have.length(0);
    const tasks = recs.filter((r) => r.type === "task");
    expect(tasks.map((r) => [r.workflow_id, r.campaign_id])).to.deep.equal([
      [wfId, "camp"],
      [wfId, "camp"],
    ]);
    expect(tasks.every((r) => !("parent_task_id" in r))).to.equal(true);
    expect(String(tasks[0]!.task_id).startsWith(workflowTraceId(wfId))).to.equal(true);
  });

  it("startPersistence:false keeps records out of database exporters only", async () => {
    const dbRecords: FlowceptRecord[] = [];
    class MemoryDatabaseExporter implements RecordExporter {
      readonly kind = "database" as const;
      export(records: FlowceptRecord[], cb: (r: ExportResult) => void): void {
        dbRecords.push(...records);
        cb({ code: ExportResultCode.SUCCESS });
      }
      async forceFlush(): Promise<void> {}
      async shutdown(): Promise<void> {}
    }
    const proc = new FlowceptSpanProcessor({ exporters: [new MemoryDatabaseExporter()] });
    try {
      let offline = "";
      let online = "";
      await Flowcept.run({ startPersistence: false }, (fc) => {
        offline = fc.workflowId;
        proc.emit({ type: "task", task_id: "x", workflow_id: offline });
      });
      await Flowcept.run({}, (fc) => {
        online = fc.workflowId;
        proc.emit({ type: "task", task_id: "y", workflow_id: online });
      });
      await proc.forceFlush();
      expect(dbRecords.filter((r) => r.type === "task").map((r) => r.task_id)).to.deep.equal(["y"]);
      expect(dbRecords.some((r) => r.workflow_id === offline)).to.equal(false);
      const local = await store.workflows();
      expect(local.map((w) => w.workflow_id)).to.include.members([offline, online]);
    } finally {
      await proc.shutdown();
    }
  });

  it("Flowcept.db queries the local store, and getTasksFromCurrentWorkflow follows the active workflow", async () => {
    const step = flowceptTask(function step(x: number) {
      return x * 10;
    });
    await Flowcept.run({ workflowName: "other" }, () => step(0));
    let mine: Record<string, unknown>[] = [];
    let errors: Record<string, unknown>[] = [];
    let id = "";
    await Flowcept.run({ workflowName: "queried" }, async (fc) => {
      id = fc.workflowId;
      step(1);
      step(2);
      await flushAllSinks();
      mine = await Flowcept.db.getTasksFromCurrentWorkflow();
      errors = await Flowcept.db.taskQuery({ status: "ERROR" });
    });
    expect(mine.map((t) => t.used)).to.deep.equal([{ x: 1 }, { x: 2 }]);
    expect(errors).to.have.length(0);
    expect((await Flowcept.db.getWorkflow(id))!.status).to.equal("FINISHED");
    expect(await Flowcept.db.taskQuery({ "generated.arg_0": { $gte: 10 } }, { projection: { task_id: 1, generated: 1 }, sort: { "generated.arg_0": -1 } })).to.have.length(2);
  });

  it("flowceptWorkflow wraps a main function: sync stays sync, async stays async", async () => {
    const main = flowceptWorkflow({ workflowName: "main", outputNames: "answer" }, function main(n: number) {
      return n * 2;
    });
    const amain = flowceptWorkflow(async function amain(n: number) {
      return { n };
    });
    const failing = flowceptWorkflow(function failing() {
      throw new Error("main failed");
    });
    expect(main(21)).to.equal(42);
    expect(await amain(1)).to.deep.equal({ n: 1 });
    expect(() => failing()).to.throw("main failed");
    const wfs = (await store.workflows()) as WorkflowRecord[];
    const byName = (n: string) => wfs.find((w) => w.name === n)!;
    expect(byName("main").used).to.deep.equal({ n: 21 });
    expect(byName("main").generated).to.deep.equal({ answer: 42 });
    expect(byName("amain").generated).to.deep.equal({ n: 1 });
    expect(byName("failing").status).to.equal("ERROR");
  });
});
