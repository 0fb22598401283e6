/**
 * A workflow whose task starts a child Node process with `flowceptEnv()` in
 * its environment. Prints the workflow and campaign ids.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { configure, Flowcept, flowceptEnv, flowceptTask } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
const run = promisify(execFile);

const spawnChild = flowceptTask(async function spawn_child(script: string) {
  const { stdout } = await run(process.execPath, ["--import", "flowcept-otel/register", script], {
    env: { ...process.env, ...flowceptEnv(), BUFFER_PATH: process.env.CHILD_BUFFER_PATH },
  });
  return stdout.trim();
});

const out = await Flowcept.run({ workflowName: "parent_and_child" }, async (fc) => {
  const childSaw = await spawnChild(process.env.CHILD_SCRIPT!);
  return { workflowId: fc.workflowId, campaignId: fc.campaignId, childSaw };
});
process.stdout.write(`${JSON.stringify(out)}\n`);
