/** A workflow that runs for a few seconds, a task every few hundred ms: for watching a running workflow live. */
import { setTimeout as sleep } from "node:timers/promises";
import { Flowcept, flowceptTask } from "../../lib/index.js";

const n = Number(process.env.STEPS ?? 12);
const pause = Number(process.env.PAUSE_MS ?? 400);
const step = flowceptTask({ outputNames: "y" }, async function step(i: number) {
  await sleep(20);
  return i * 2;
});

await Flowcept.run({ workflowName: process.env.NAME ?? "live_run" }, async () => {
  for (let i = 0; i < n; i++) {
    await step(i);
    await sleep(pause);
  }
});
