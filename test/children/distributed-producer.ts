/**
 * One process of a distributed workflow (the seed's persistence starter and
 * producers): adds `count` tasks to the workflow given on the command line.
 * Settings (store, MongoDB) come from FLOWCEPT_SETTINGS_PATH.
 */
import { Flowcept, flowceptTask } from "../../lib/index.js";

const [workflowId, campaignId, role, count = "50"] = process.argv.slice(2);
const double = flowceptTask({ outputNames: "y" }, function double(x: number) {
  return 2 * x;
});

const fc = new Flowcept({
  workflowId,
  campaignId,
  workflowName: "distributed_process_example",
  saveWorkflow: role === "starter",
  customMetadata: { role, pid: process.pid },
});
await fc.start();
for (let i = 0; i < Number(count); i++) {
  double(i);
  if (i % 10 === 0) await new Promise((r) => setImmediate(r));
}
await fc.stop();
