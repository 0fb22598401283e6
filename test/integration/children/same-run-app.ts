/**
 * The small workflow of the same-run comparison, captured by flowcept-otel
 * into BUFFER_PATH (telemetry as settings say); `python/flowcept_offline_run.py
 * same_run 2` is the same workflow for Python Flowcept. Prints the workflow id.
 */
import { configure, Flowcept, FlowceptLoop, FlowceptTask, flowceptTask } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });

const inner = flowceptTask({ outputNames: "y" }, function inner(x: number) {
  return x + 1;
});

const outer = flowceptTask({ outputNames: "z" }, function outer(x: number, k = 2) {
  return inner(x) * k;
});

const fails = flowceptTask(function fails(x: number) {
  throw new Error(`bad x: ${x}`);
});

const id = await Flowcept.run({ workflowName: "same_run", workflowArgs: { n: 2 } }, async (fc) => {
  outer(1);
  const loop = new FlowceptLoop(2, { loopName: "epochs", itemName: "epoch" });
  for (const epoch of loop) loop.endIter({ loss: 1 / (epoch + 1) });
  const download = new FlowceptTask({ activityId: "download", used: { url: "https://example.org/data.csv" } });
  download.end({ generated: { rows: 3 } });
  try {
    fails(1);
  } catch {
    // an ERROR task
  }
  return fc.workflowId;
});
process.stdout.write(`${id}\n`);
