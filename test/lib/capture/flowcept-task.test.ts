import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask, telemetryFlowceptTask } from "../../../lib/capture/flowcept-task.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { configure } from "../../../lib/settings/settings-loader.js";
import { useTempStore } from "../../support/temp-store.js";

function byActivity(tasks: TaskRecord[], name: string): TaskRecord[] {
  return tasks.filter((t) => t.activity_id === name);
}

describe("flowceptTask", () => {
  const store = useTempStore();

  it("binds arguments to parameter names and maps outputs (the seed's examples)", async () => {
    const multTwo = flowceptTask({ outputNames: "y" }, function multTwo(x: number) {
      return 2 * x;
    });
    const compute = flowceptTask({ outputNames: ["y", "z"], tags: ["math", "demo"], customMetadata: { owner: "devX" } }, function compute(x: number) {
      return [x * 2, x * 3];
    });
    const plain = flowceptTask(function plain(x: number) {
      return x + 1;
    });
    const dict = flowceptTask(function dict(a: number, b = 3) {
      return { sum: a + b };
    });
    await Flowcept.run({ workflowName: "demo" }, () => {
      expect(multTwo(21)).to.equal(42);
      expect(compute(5)).to.deep.equal([10, 15]);
      expect(plain(1)).to.equal(2);
      expect(dict(1)).to.deep.equal({ sum: 4 });
    });
    const tasks = await store.tasks();
    const [m] = byActivity(tasks, "multTwo");
    expect(m!.used).to.deep.equal({ x: 21 });
    expect(m!.generated).to.deep.equal({ y: 42 });
    expect(m!.status).to.equal("FINISHED");
    const [c] = byActivity(tasks, "compute");
    expect(c!.generated).to.deep.equal({ y: 10, z: 15 });
    expect(c!.tags).to.deep.equal(["math", "demo"]);
    expect(c!.custom_metadata).to.deep.equal({ owner: "devX" });
    expect(byActivity(tasks, "plain")[0]!.generated).to.deep.equal({ arg_0: 2 });
    expect(byActivity(tasks, "dict")[0]!.generated).to.deep.equal({ sum: 4 });
    expect(byActivity(tasks, "dict")[0]!.used).to.deep.equal({ a: 1, b: 3 });
    for (const t of tasks) {
      expect(t.task_id).to.match(/^[0-9a-f]{32}-[0-9a-f]{16}$/);
      expect(t.started_at).to.be.a("number");
      expect(t.ended_at).to.be.at.least(t.started_at!);
      expect(t.hostname).to.be.a("string");
      expect(Object.values(t)).to.not.include(null);
    }
  });

  it("records parameters left out with their default, as Flowcept's apply_defaults does", async () => {
    const divmod = flowceptTask(function divmod(a: number, b = 3) {
      return [Math.floor(a / b), a % b];
    });
    const literals = flowceptTask(function literals(n = -1.5, s = "x", t = `y`, f = false, z = null, arr = [1, "a", [true]], obj = { k: { v: 2 }, "q r": [null] }) {
      return [n, s, t, f, z, arr, obj].length;
    });
    const computed = flowceptTask(function computed(a: number, now = Date.now(), list = [a, 2], re = /x/g) {
      return [a, now, list, re].length;
    });
    const arrow = lightweightFlowceptTask({ activityId: "arrow" }, (x: number, scale = 10) => x * scale);
    await Flowcept.run({ workflowName: "defaults" }, () => {
      divmod(10);
      divmod(10, 4);
      divmod(10, undefined);
      literals();
      computed(1);
      computed(1, 5, [7], /y/);
      arrow(2);
    });
    const tasks = await store.tasks();
    expect(byActivity(tasks, "divmod").map((t) => t.used)).to.deep.equal([{ a: 10, b: 3 }, { a: 10, b: 4 }, { a: 10, b: 3 }]);
    expect(byActivity(tasks, "literals")[0]!.used).to.deep.equal({ n: -1.5, s: "x", t: "y", f: false, z: null, arr: [1, "a", [true]], obj: { k: { v: 2 }, "q r": [null] } });
    const [c1, c2] = byActivity(tasks, "computed");
    expect(c1!.used).to.deep.equal({
      a: 1,
      now: "[default not evaluated: Date.now()]",
      list: "[default not evaluated: [a, 2]]",
      re: "[default not evaluated: /x/g]",
    });
    expect(c2!.used).to.deep.include({ a: 1, now: 5, list: [7] });
    expect(byActivity(tasks, "arrow")[0]!.used).to.deep.equal({ x: 2, scale: 10 });
  });

  it("handles rest, destructured, unnamed and overridden parameters", async () => {
    const rest = flowceptTask(function rest(a: number, ...more: number[]) {
      return more.length + a;
    });
    const destructured = flowceptTask({ activityId: "destructured" }, ({ lr, epochs }: { lr: number; epochs: number }) => lr * epochs);
    const named = flowceptTask({ inputNames: ["left", "right"], activityId: "named" }, (a: number, b: number) => a - b);
    const handler = flowceptTask(
      {
        activityId: "handled",
        outputNames: "result",
        argsHandler: (v) => {
          const { very_big_list: _drop, super_large_matrix: _drop2, ...keep } = v;
          return keep;
        },
      },
      (x: number, very_big_list: number[], _m: number[]) => ({ result: x * 2, super_large_matrix: very_big_list }),
    );
    await Flowcept.run({}, () => {
      rest(1, 2, 3);
      destructured({ lr: 0.1, epochs: 10 });
      named(5, 3);
      handler(4, [1, 2, 3], [9]);
    });
    const tasks = await store.tasks();
    expect(byActivity(tasks, "rest")[0]!.used).to.deep.equal({ a: 1, arg_1: 2, arg_2: 3 });
    expect(byActivity(tasks, "destructured")[0]!.used).to.deep.equal({ lr: 0.1, epochs: 10 });
    expect(byActivity(tasks, "named")[0]!.used).to.deep.equal({ left: 5, right: 3 });
    const h = byActivity(tasks, "handled")[0]!;
    expect(h.used).to.deep.equal({ x: 4, _m: [9] });
    expect(h.generated).to.deep.equal({ result: 8 });
  });

  it("keeps sync sync, async async, this, return values and errors", async () => {
    class Counter {
      n = 10;
      inc = flowceptTask(function inc(this: Counter, by: number) {
        this.n += by;
        return this.n;
      });
    }
    const sync = flowceptTask(function sync(x: number) {
      return x;
    });
    const asyncFn = flowceptTask(async (x: number) => x);
    const result = { same: true };
    const identity = flowceptTask(() => result);
    const err = new TypeError("bad input");
    const throws = flowceptTask(function throws() {
      throw err;
    });
    const rejects = flowceptTask(async function rejects() {
      throw err;
    });
    await Flowcept.run({}, async () => {
      expect(sync(1)).to.equal(1);
      const p = asyncFn(2);
      expect(p).to.be.instanceOf(Promise);
      expect(await p).to.equal(2);
      const c = new Counter();
      expect(c.inc(5)).to.equal(15);
      expect(identity()).to.equal(result);
      let caught: unknown;
      try {
        throws();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(err);
      caught = undefined;
      await rejects().catch((e: unknown) => (caught = e));
      expect(caught).to.equal(err);
    });
    expect(sync.name).to.equal("sync");
    const tasks = await store.tasks();
    for (const name of ["throws", "rejects"]) {
      const t = byActivity(tasks, name)[0]!;
      expect(t.status).to.equal("ERROR");
      expect(t.stderr).to.equal("bad input");
      expect(t).to.not.have.property("generated");
    }
  });

  it("nests: a task called inside another gets parent_task_id, across await", async () => {
    const inner = flowceptTask(async function inner(x: number) {
      await new Promise((r) => setTimeout(r, 2));
      return x;
    });
    const outer = flowceptTask(async function outer() {
      const a = await inner(1);
      const b = await Promise.all([inner(2), inner(3)]);
      return a + b.length;
    });
    await Flowcept.run({}, () => outer());
    const tasks = await store.tasks();
    const o = byActivity(tasks, "outer")[0]!;
    expect(o).to.not.have.property("parent_task_id");
    const inners = byActivity(tasks, "inner");
    expect(inners).to.have.length(3);
    for (const i of inners) expect(i.parent_task_id).to.equal(o.task_id);
  });

  it("records hard values without failing the call", async () => {
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    class Thing {}
    const hard = flowceptTask(function hard(a: unknown, b: unknown, c: unknown, d: unknown) {
      return new Map([["k", 1n]]);
    });
    await Flowcept.run({}, () => {
      hard(circular, new Thing(), Buffer.from("abc"), { get x(): never { throw new Error("getter"); } });
    });
    const t = (await store.tasks())[0]!;
    expect(t.used!.a).to.deep.equal({ me: "[Circular]" });
    expect(t.used!.b).to.match(/^Thing_instance_id_\d+$/);
    expect(t.used!.c).to.deep.equal({ type: "Buffer", byteLength: 3, length: 3 });
    expect(t.used!.d).to.deep.equal({ x: "[Thrown: getter]" });
    expect(t.generated).to.deep.equal({ arg_0: { k: 1 } });
  });

  it("honours workflowId / campaignId overrides", async () => {
    const t = flowceptTask({ workflowId: "wf-x", campaignId: "camp-x" }, function overridden() {
      return 1;
    });
    await Flowcept.run({}, () => t());
    const rec = (await store.tasks())[0]!;
    expect(rec.workflow_id).to.equal("wf-x");
    expect(rec.campaign_id).to.equal("camp-x");
  });

  it("is a pass-through when instrumentation is disabled", async () => {
    configure({ instrumentation: { enabled: false } });
    const t = flowceptTask((x: number) => x * 3);
    const l = lightweightFlowceptTask((x: number) => x * 3);
    await Flowcept.run({}, () => {
      expect(t(2)).to.equal(6);
      expect(l(2)).to.equal(6);
    });
    expect(await store.tasks()).to.have.length(0);
  });

  it("telemetryFlowceptTask behaves as flowceptTask", async () => {
    const t = telemetryFlowceptTask({ outputNames: "loss" }, function trainStep(batch: number) {
      return batch / 10;
    });
    await Flowcept.run({}, () => t(3));
    const rec = (await store.tasks())[0]!;
    expect(rec.generated).to.deep.equal({ loss: 0.3 });
  });
});

describe("lightweightFlowceptTask", () => {
  const store = useTempStore();

  it("records the same fields as flowceptTask, without a span per call", async () => {
    const fast = lightweightFlowceptTask({ outputNames: "y", tags: "hot" }, function fastOp(x: number) {
      return x + 1;
    });
    const failing = lightweightFlowceptTask(function failing() {
      throw new Error("nope");
    });
    const outer = flowceptTask(function outer() {
      return fast(1);
    });
    let wf = "";
    await Flowcept.run({}, async (fc) => {
      wf = fc.workflowId;
      for (let i = 0; i < 100; i++) fast(i);
      outer();
      expect(() => failing()).to.throw("nope");
      expect(await lightweightFlowceptTask(async (x: number) => x)(7)).to.equal(7);
    });
    const tasks = await store.tasks();
    const fastRecs = byActivity(tasks, "fastOp");
    expect(fastRecs).to.have.length(101);
    expect(fastRecs[5]!.used).to.deep.equal({ x: 5 });
    expect(fastRecs[5]!.generated).to.deep.equal({ y: 6 });
    expect(fastRecs[5]!.tags).to.deep.equal(["hot"]);
    expect(fastRecs[5]!.workflow_id).to.equal(wf);
    expect(fastRecs[5]!.status).to.equal("FINISHED");
    expect(fastRecs[5]).to.not.have.property("parent_task_id");
    const o = byActivity(tasks, "outer")[0]!;
    expect(fastRecs.filter((r) => r.parent_task_id === o.task_id)).to.have.length(1);
    const f = byActivity(tasks, "failing")[0]!;
    expect(f.status).to.equal("ERROR");
    expect(f.stderr).to.equal("nope");
    expect(new Set(tasks.map((t) => t.task_id)).size).to.equal(tasks.length);
  });
});
