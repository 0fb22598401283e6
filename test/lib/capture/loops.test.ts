import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { FlowceptLightweightLoop } from "../../../lib/capture/FlowceptLightweightLoop.js";
import { FlowceptLoop } from "../../../lib/capture/FlowceptLoop.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { useTempStore } from "../../support/temp-store.js";

const LOOPS = [
  ["FlowceptLoop", FlowceptLoop],
  ["FlowceptLightweightLoop", FlowceptLightweightLoop],
] as const;

function iterations(tasks: TaskRecord[], name = "loop"): TaskRecord[] {
  return tasks.filter((t) => t.activity_id === `${name}_iteration`).sort((a, b) => (a.used!.i as number) - (b.used!.i as number));
}

for (const [label, Loop] of LOOPS) {
  describe(label, () => {
    const store = useTempStore();

    it("iterates an array, recording used, generated and group_id per iteration", async () => {
      const seen: number[] = [];
      await Flowcept.run({}, () => {
        const loop = new Loop([10, 20, 30], { loopName: "train_loop", itemName: "epoch" });
        expect(loop.length).to.equal(3);
        for (const epoch of loop) {
          seen.push(epoch);
          loop.endIter({ loss: epoch / 100 });
        }
      });
      expect(seen).to.deep.equal([10, 20, 30]);
      const tasks = await store.tasks();
      const its = iterations(tasks, "train_loop");
      expect(its.map((t) => t.used)).to.deep.equal([
        { i: 0, epoch: 10 },
        { i: 1, epoch: 20 },
        { i: 2, epoch: 30 },
      ]);
      expect(its.map((t) => t.generated)).to.deep.equal([{ loss: 0.1 }, { loss: 0.2 }, { loss: 0.3 }]);
      const loopTask = tasks.find((t) => t.activity_id === "train_loop")!;
      expect(loopTask.subtype).to.equal("loop");
      expect(loopTask.generated).to.deep.equal({ iterations: 3, completed: true });
      for (const it of its) {
        expect(it.group_id).to.equal(loopTask.task_id);
        expect(it.parent_task_id).to.equal(loopTask.task_id);
        expect(it.status).to.equal("FINISHED");
        expect(it.ended_at).to.be.at.least(it.started_at!);
      }
      expect(new Set(its.map((t) => t.task_id)).size).to.equal(3);
    });

    it("iterates integers, iterators with itemsLength, generators and async iterables", async () => {
      async function* agen() {
        yield "a";
        yield "b";
      }
      function* gen() {
        yield 1;
        yield 2;
      }
      const collected: unknown[] = [];
      await Flowcept.run({}, async () => {
        for (const i of new Loop(4, { loopName: "ints" })) collected.push(i);
        for (const x of new Loop(gen(), { loopName: "gen", itemsLength: 2 })) collected.push(x);
        for (const x of new Loop([5, 6][Symbol.iterator](), { loopName: "iter" })) collected.push(x);
        for await (const x of new Loop(agen(), { loopName: "agen" })) collected.push(x);
        for await (const x of new Loop([7], { loopName: "sync_in_async" })) collected.push(x);
        for (const _ of new Loop([], { loopName: "empty" })) collected.push("never");
      });
      expect(collected).to.deep.equal([0, 1, 2, 3, 1, 2, 5, 6, "a", "b", 7]);
      const tasks = await store.tasks();
      expect(iterations(tasks, "ints").map((t) => t.used)).to.deep.equal([0, 1, 2, 3].map((i) => ({ i, item: i })));
      expect(iterations(tasks, "gen")).to.have.length(2);
      expect(iterations(tasks, "iter")).to.have.length(2);
      expect(iterations(tasks, "agen").map((t) => t.used!.item)).to.deep.equal(["a", "b"]);
      expect(iterations(tasks, "sync_in_async")).to.have.length(1);
      expect(iterations(tasks, "empty")).to.have.length(0);
      expect(tasks.find((t) => t.activity_id === "empty")!.generated).to.deep.equal({ iterations: 0, completed: true });
    });

    it("keeps the iterations that ran, including the current one, on break or throw", async () => {
      await Flowcept.run({}, () => {
        const loop = new Loop(10, { loopName: "brk" });
        for (const i of loop) {
          loop.endIter({ at: i });
          if (i === 3) break;
        }
        const loop2 = new Loop(10, { loopName: "thr" });
        try {
          for (const i of loop2) {
            if (i === 2) throw new Error("body failed");
          }
        } catch {
          // expected
        }
      });
      const tasks = await store.tasks();
      const brk = iterations(tasks, "brk");
      expect(brk.map((t) => t.used!.i)).to.deep.equal([0, 1, 2, 3]);
      expect(brk[3]!.generated).to.deep.equal({ at: 3 });
      expect(tasks.find((t) => t.activity_id === "brk")!.generated).to.deep.equal({ iterations: 4, completed: false });
      expect(iterations(tasks, "thr").map((t) => t.used!.i)).to.deep.equal([0, 1, 2]);
    });

    it("uses parentTaskId when given, and is a plain loop when capture is off", async () => {
      const parent = flowceptTask(function parent() {
        const out: number[] = [];
        for (const i of new Loop(2, { loopName: "child" })) out.push(i);
        for (const i of new Loop(2, { loopName: "explicit", parentTaskId: "given-parent" })) out.push(i);
        for (const i of new Loop(2, { loopName: "off", captureEnabled: false })) out.push(i);
        return out.length;
      });
      await Flowcept.run({}, () => parent());
      const tasks = await store.tasks();
      const p = tasks.find((t) => t.activity_id === "parent")!;
      expect(tasks.find((t) => t.activity_id === "child")!.parent_task_id).to.equal(p.task_id);
      expect(iterations(tasks, "explicit").every((t) => t.parent_task_id === "given-parent")).to.equal(true);
      expect(iterations(tasks, "off")).to.have.length(0);
    });
  });
}

describe("FlowceptLightweightLoop at volume", () => {
  const store = useTempStore();
  it("records every iteration of a long loop, publishing in bounded batches", async () => {
    let n = 0;
    await Flowcept.run({}, () => {
      const loop = new FlowceptLightweightLoop(50_000, { loopName: "big" });
      for (const i of loop) {
        n += i;
        loop.endIter({ v: i });
      }
    });
    const its = iterations(await store.tasks(), "big");
    expect(its).to.have.length(50_000);
    expect(its[49_999]!.generated).to.deep.equal({ v: 49_999 });
    expect(n).to.equal((49_999 * 50_000) / 2);
  });
});
