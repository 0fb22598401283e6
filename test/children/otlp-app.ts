/** An application run with `--import flowcept-otel/register`: no registration code of its own. */
import { configure, Flowcept, flowceptTask, FlowceptLightweightLoop } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });

const inner = flowceptTask(function inner(x: number) {
  return x + 1;
});
const outer = flowceptTask({ outputNames: "y" }, async function outer(x: number) {
  return inner(x) * 2;
});

const id = await Flowcept.run({ workflowName: "otlp_demo" }, async (fc) => {
  await outer(1);
  const loop = new FlowceptLightweightLoop(Number(process.env.LOOP_N ?? "10"), { loopName: "many" });
  for (const i of loop) loop.endIter({ v: i });
  return fc.workflowId;
});
process.stdout.write(`${id}\n`);
