/**
 * Function wrappers: tasks with their inputs and outputs, parameters left
 * out recorded with their default, an argsHandler, a workflow function, and
 * the lightweight wrapper for tight loops.
 *
 *   node dist/examples/wrappers.js
 */
import { Flowcept, flowceptTask, flowceptWorkflow, lightweightFlowceptTask, type TaskRecord } from "flowcept-otel";

// #region task
const multTwo = flowceptTask({ outputNames: "y" }, function multTwo(x: number) {
  return 2 * x;
});

await Flowcept.run({ workflowName: "demo" }, () => multTwo(21));
// used: { x: 21 }, generated: { y: 42 }  — without outputNames: { arg_0: 42 }
// #endregion task

// #region defaults
const divmod = flowceptTask({ outputNames: ["quotient", "remainder"] }, function divmod(a: number, b = 3) {
  return [Math.floor(a / b), a % b];
});
// argsHandler: drop a big argument and record its size instead (applied to outputs too)
const load = flowceptTask({ outputNames: "count", argsHandler: ({ data, ...rest }) => (Array.isArray(data) ? { ...rest, rows: data.length } : rest) }, function load(data: number[], source: string) {
  return data.filter((x) => x > 1).length;
});
await Flowcept.run({ workflowName: "defaults" }, () => {
  divmod(10); // used: { a: 10, b: 3 }, generated: { quotient: 3, remainder: 1 }
  load([1, 2, 3], "sensor"); // used: { source: "sensor", rows: 3 }, generated: { count: 2 }
});
// #endregion defaults

// #region workflow
const main = flowceptWorkflow({ workflowName: "training" }, async function main(epochs: number) {
  let loss = 1;
  for (let e = 0; e < epochs; e++) loss = await step(loss);
  return loss;
});
const step = flowceptTask({ outputNames: "loss" }, async function step(loss: number) {
  return loss * 0.9;
});
await main(10); // the workflow records used = { epochs: 10 }
// #endregion workflow

// #region lightweight
const score = lightweightFlowceptTask({ outputNames: "score" }, function score(prediction: number, label: number) {
  return prediction === label ? 1 : 0;
});
await Flowcept.run({ workflowName: "scoring" }, () => {
  for (let i = 0; i < 10_000; i++) score(i % 3, i % 2);
});
// #endregion lightweight

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
for (const name of ["multTwo", "divmod", "load"]) {
  const t = tasks.find((r) => r.activity_id === name)!;
  console.log(`${name} used=${JSON.stringify(t.used)} generated=${JSON.stringify(t.generated)}`);
}
console.log(`step tasks: ${tasks.filter((t) => t.activity_id === "step").length}`);
console.log(`score tasks: ${tasks.filter((t) => t.activity_id === "score").length}`);
