/**
 * Several processes add tasks to one workflow. Run with no argument, this
 * file is the process that owns the workflow: it starts it, runs three
 * producer processes (this same file, given the workflow id), and stops it.
 *
 *   node dist/examples/distributed-processes.js
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Flowcept, flowceptTask, type TaskRecord } from "flowcept-otel";

// #region task
const square = flowceptTask({ outputNames: "y" }, function square(x: number) {
  return x * x;
});
// #endregion task

const workflowId: string | undefined = process.argv[2];
if (workflowId === undefined) {
  // #region starter
  const flowcept = new Flowcept({ workflowName: "distributed_process_example", checkSafeStops: false });
  await flowcept.start();
  // hand flowcept.workflowId to the producers: a file, a job argument, an environment variable…
  // #endregion starter
  const run = promisify(execFile);
  await Promise.all([1, 2, 3].map((i) => run(process.execPath, [fileURLToPath(import.meta.url), flowcept.workflowId, String(i)])));
  await flowcept.stop();
  const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.workflow_id === flowcept.workflowId);
  const ys = tasks.map((t) => (t.generated as { y: number }).y).sort((a, b) => a - b);
  console.log(`workflow ${flowcept.workflowId}: ${tasks.length} tasks from the producers, y = ${ys.join(", ")}`);
} else {
  // #region producer
  const flowcept = new Flowcept({ workflowId: process.argv[2], campaignId: process.env.CAMPAIGN_ID, saveWorkflow: false, checkSafeStops: false });
  await flowcept.start();
  square(Number(process.argv[3] ?? 2));
  await flowcept.stop();
  // #endregion producer
}
