/**
 * Loops: each iteration a task, over integers, arrays and async iterables;
 * the lightweight loop for long ones.
 *
 *   node dist/examples/loops.js
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Flowcept, FlowceptLightweightLoop, FlowceptLoop, type TaskRecord } from "flowcept-otel";

// #region loop
await Flowcept.run({ workflowName: "loops" }, async () => {
  const loop = new FlowceptLoop(5, { loopName: "train_loop", itemName: "epoch" });
  for (const epoch of loop) {
    const loss = 0.1 * (5 - epoch);
    loop.endIter({ loss }); // optional: values generated inside the iteration
  }
});
// #endregion loop

// #region async
async function* batches() {
  for (const size of [32, 32, 16]) {
    await sleep(1);
    yield { size };
  }
}
await Flowcept.run({ workflowName: "streaming" }, async () => {
  const loop = new FlowceptLoop(batches(), { loopName: "batches", itemName: "batch" });
  for await (const batch of loop) loop.endIter({ seen: batch.size });

  const long = new FlowceptLightweightLoop(100_000, { loopName: "long" });
  let sum = 0;
  for (const i of long) sum += i; // one record per iteration, published in batches
  console.log(`sum ${sum}`);
});
// #endregion async

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
const count = (a: string): number => tasks.filter((t) => t.activity_id === a).length;
console.log(`train_loop_iteration ${count("train_loop_iteration")}, batches_iteration ${count("batches_iteration")}, long_iteration ${count("long_iteration")}`);
console.log(`last epoch: ${JSON.stringify(tasks.filter((t) => t.activity_id === "train_loop_iteration").at(-1)?.generated)}`);
