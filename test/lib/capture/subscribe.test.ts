/**
 * `Flowcept.subscribe`: records as the stores get them, filtered in MongoDB's
 * query language; a slow or failing subscriber never slows capture nor
 * costs the stores a record.
 */
import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import { FlowceptQueryError } from "../../../lib/query/query-types.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { RecordPipeline } from "../../../lib/pipeline/RecordPipeline.js";
import { GatedExporter } from "../../support/gated-exporter.js";
import { captureDiag } from "../telemetry/diag-capture.js";
import { flushAll, useTempStore } from "../../support/temp-store.js";

const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("Flowcept.subscribe", () => {
  const store = useTempStore();

  it("delivers the records that match the filter, in order, as the stores get them, until unsubscribed", async () => {
    const tasks: FlowceptRecord[] = [];
    const workflows: FlowceptRecord[] = [];
    const add = flowceptTask({ outputNames: "sum" }, function add(a: number, b: number) {
      return a + b;
    });
    let wfId = "";
    const stopTasks = Flowcept.subscribe({ type: "task", activity_id: "add" }, (r) => void tasks.push(r));
    const stopWorkflows = Flowcept.subscribe({ type: "workflow" }, (r) => void workflows.push(r));
    await Flowcept.run({ workflowName: "live" }, (fc) => {
      wfId = fc.workflowId;
      for (let i = 0; i < 5; i++) add(i, 100);
    });
    await flushAll();
    await settle();
    expect(tasks.map((t) => (t.generated as { sum: number }).sum)).to.deep.equal([100, 101, 102, 103, 104]);
    expect(tasks.every((t) => t.workflow_id === wfId && t.status === "FINISHED")).to.equal(true);
    expect(workflows.map((w) => w.status)).to.deep.equal(["RUNNING", "FINISHED"]);
    expect(stopTasks.delivered).to.equal(5);
    expect(stopTasks.dropped).to.equal(0);
    stopTasks();
    expect(stopTasks.active).to.equal(false);
    await Flowcept.run({ workflowName: "after" }, () => add(1, 1));
    await flushAll();
    await settle();
    expect(tasks).to.have.length(5);
    expect(workflows).to.have.length(4);
    stopWorkflows();
    expect((await store.tasks()).filter((t) => t.activity_id === "add")).to.have.length(6);
  });

  it("filters on what tasks used and generated (tested once the record is plain)", async () => {
    const seen: number[] = [];
    const square = flowceptTask({ outputNames: "y" }, function square(x: number) {
      return x * x;
    });
    const stop = Flowcept.subscribe({ "generated.y": { $gte: 50 }, "used.x": { $lt: 9 } }, (r) => void seen.push((r.used as { x: number }).x));
    await Flowcept.run({}, () => {
      for (let x = 0; x < 12; x++) square(x);
    });
    await flushAll();
    await settle();
    stop();
    expect(seen).to.deep.equal([8]);
  });

  it("never slows capture: a subscriber that does not keep up has records dropped and counted, the store gets them all", async function () {
    this.timeout(60_000);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    let calls = 0;
    const stop = Flowcept.subscribe({ type: "task" }, async () => {
      calls++;
      await blocked;
    }, { maxQueue: 100 });
    const step = lightweightFlowceptTask(function step(i: number) {
      return i;
    });
    const t0 = performance.now();
    const out: number[] = [];
    await Flowcept.run({ workflowName: "burst" }, () => {
      for (let i = 0; i < 5000; i++) out.push(step(i));
    });
    await flushAll();
    const took = performance.now() - t0;
    expect(out).to.deep.equal(Array.from({ length: 5000 }, (_, i) => i));
    expect((await store.tasks()).filter((t) => t.activity_id === "step")).to.have.length(5000);
    await settle();
    expect(calls).to.equal(1); // still waiting on its first record
    expect(stop.pending).to.be.within(99, 100);
    expect(stop.dropped + stop.pending + 1).to.equal(5000);
    release();
    await settle(100);
    expect(stop.pending).to.equal(0);
    expect(stop.delivered).to.equal(5000 - stop.dropped);
    stop();
    expect(took).to.be.lessThan(30_000); // a generous bound: it did not wait for the subscriber
  });

  it("keeps capturing when a subscriber throws, and logs why", async () => {
    const log = captureDiag();
    try {
      const stop = Flowcept.subscribe(undefined, () => {
        throw new Error("subscriber bug");
      });
      const twice = flowceptTask(function twice(x: number) {
        return 2 * x;
      });
      let r = 0;
      await Flowcept.run({}, () => {
        r = twice(21);
      });
      await flushAll();
      await settle();
      stop();
      expect(r).to.equal(42);
      expect(log.warnings.some((w) => w.includes("a record subscriber failed: subscriber bug"))).to.equal(true);
      expect((await store.tasks()).map((t) => t.activity_id)).to.deep.equal(["twice"]);
    } finally {
      log.restore();
    }
  });

  it("gives each subscriber its own copy: changing it changes nothing an exporter still holds", async () => {
    const gate = new GatedExporter();
    const pipeline = new RecordPipeline({ exporters: [gate], scheduledDelayMillis: 1 });
    const stop = Flowcept.subscribe({}, (r) => {
      (r.used as Record<string, unknown>).x = "changed";
      r.status = "ERROR";
    });
    try {
      pipeline.emit({ type: "task", task_id: "t1", status: "FINISHED", used: { x: 1 } });
      await gate.whenHolding(1);
      await settle();
      expect(stop.delivered).to.equal(1);
      gate.release();
      await pipeline.forceFlush();
      expect(gate.records).to.deep.equal([{ type: "task", task_id: "t1", status: "FINISHED", used: { x: 1 } }]);
    } finally {
      stop();
      await pipeline.shutdown();
    }
  });

  it("refuses a filter that is not valid or runs code", () => {
    expect(() => Flowcept.subscribe({ $where: "this.x" }, () => undefined)).to.throw(FlowceptQueryError, /\$where is not allowed/);
    expect(() => Flowcept.subscribe({ "__proto__.x": 1 }, () => undefined)).to.throw(FlowceptQueryError, /__proto__/);
    expect(() => Flowcept.subscribe({ status: { $bogus: 1 } }, () => undefined)).to.throw(FlowceptQueryError);
    expect(() => Flowcept.subscribe({}, "not a function" as never)).to.throw(TypeError);
    expect(() => Flowcept.subscribe({}, () => undefined, { maxQueue: 0 })).to.throw(RangeError);
  });
});
