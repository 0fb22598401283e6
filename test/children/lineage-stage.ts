/**
 * One stage of a pipeline run as a process of its own: a task named after
 * the stage uses the artifact the previous stage made (argument 4, `-` for
 * none) and generates the next one (argument 5), in the workflow and
 * campaign given. Settings (store, MongoDB) come from FLOWCEPT_SETTINGS_PATH.
 */
import { Flowcept, flowceptTask } from "../../lib/index.js";

const [workflowId, campaignId, stage, input, output] = process.argv.slice(2) as [string, string, string, string, string];
const step = flowceptTask({ activityId: stage, outputNames: "artifact" }, function step(artifact: string | undefined) {
  return output;
});
await Flowcept.run({ workflowId, campaignId, workflowName: "multi_process_lineage", saveWorkflow: stage === "ingest", customMetadata: { pid: process.pid } }, () => step(input === "-" ? undefined : input));
