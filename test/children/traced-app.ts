/**
 * A program traced by Flowcept's own provider, set up from OTel's
 * environment: WORKFLOWS workflows of TASKS tasks each, then it ends by
 * itself (printing "done" first), so that the time its end takes can be
 * measured. MASK=throw installs a mask that fails on every record.
 */
import { configure, Flowcept, flowceptTask, registerFlowcept } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } }, ...(process.env.EXIT_TIMEOUT_MS ? { otel: { exit_timeout_ms: Number(process.env.EXIT_TIMEOUT_MS) } } : {}) });
if (process.env.MASK === "throw") {
  registerFlowcept({
    processor: {
      mask: () => {
        throw new Error("mask bug");
      },
    },
  });
}
const step = flowceptTask(function step(i: number) {
  return i * 2;
});
const workflows = Number(process.env.WORKFLOWS ?? "1");
const tasks = Number(process.env.TASKS ?? "3");
for (let w = 0; w < workflows; w++) {
  await Flowcept.run({ workflowName: `wf-${w}` }, () => {
    for (let i = 0; i < tasks; i++) step(i);
  });
}
process.stdout.write("done\n");
