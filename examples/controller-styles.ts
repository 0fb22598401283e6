/**
 * The `Flowcept` controller three ways: as a scope, started and stopped by
 * hand, and with `await using`. Records go to ./flowcept_buffer.jsonl.
 *
 *   node dist/examples/controller-styles.js
 */
// #region scope
import { Flowcept, flowceptTask } from "flowcept-otel";

const addOne = flowceptTask({ outputNames: "z" }, function addOne(x: number) {
  return x + 1;
});

await Flowcept.run({ workflowName: "my_workflow" }, () => {
  const z = addOne(7); // all code inside belongs to the workflow
  console.log(z);
});
// #endregion scope

// #region manual
const double = flowceptTask(function double(x: number) {
  return 2 * x;
});

const flowcept = new Flowcept({ workflowName: "manual_example" });
await flowcept.start();
const y = double(21);
await flowcept.stop();
// #endregion manual
console.log(y);

// #region using
{
  await using fc = await new Flowcept({ workflowName: "using_example" }).start();
  double(fc.workflowId.length); // the workflow stops at the end of the block
}
// #endregion using

// #region read
const records = Flowcept.readBufferFile(); // the default store, messages merged by id
const same = Flowcept.readMessagesFile("flowcept_buffer.jsonl"); // Flowcept's name for it
const raw = Flowcept.readBufferFile("flowcept_buffer.jsonl", { merge: false }); // as written (start + end messages)
// #endregion read

const names = records.filter((r) => r.type === "workflow").map((r) => `${String((r as { name?: unknown }).name)} ${String(r.status)}`);
console.log(names.join("\n"));
console.log(`${same.length} records, ${raw.length} messages`);
