/**
 * A program with no workflow of its own, run with
 * `--import flowcept-otel/register`: its tasks belong to the process's
 * implicit workflow; a `Flowcept.run` inside it is a child workflow. Ends
 * with exit code EXIT_CODE.
 */
import { configure, Flowcept, flowceptTask, lightweightFlowceptTask } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
const prepare = flowceptTask(function prepare(x: number) {
  return x + 1;
});
const count = lightweightFlowceptTask(function count(x: number) {
  return x * 2;
});
prepare(1);
count(2);
await Flowcept.run({ workflowName: "training" }, () => prepare(5));
process.exitCode = Number(process.env.EXIT_CODE ?? "0");
