/** A child program with no Flowcept setup of its own: run with `--import flowcept-otel/register`. */
import { configure, Flowcept, flowceptTask, FlowceptLoop } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });

const square = flowceptTask(function child_square(x: number) {
  return x * x;
});
square(7);
const loop = new FlowceptLoop(3, { loopName: "child_loop" });
for (const i of loop) loop.endIter({ sq: square(i) });
process.stdout.write(`${Flowcept.currentWorkflowId}\n`);
