/**
 * A program that captures provenance and then ends in the way named by its
 * first argument; the exit tests check that every record reached the store.
 */
import { configure, Flowcept, flowceptTask, lightweightFlowceptTask } from "../../lib/index.js";

const [scenario = "end", count = "1000"] = process.argv.slice(2);
configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });

const step = flowceptTask(function step(i: number) {
  return i * 2;
});
const fast = lightweightFlowceptTask(function fast(i: number) {
  return i + 1;
});

const fc = new Flowcept({ workflowName: scenario });
await fc.start();
const n = Number(count);
for (let i = 0; i < n; i++) {
  step(i);
  fast(i);
}

switch (scenario) {
  case "end":
    // start() and simply end: no stop()
    break;
  case "exit":
    process.exit(3);
    break;
  case "uncaught":
    setTimeout(() => {
      throw new Error("crash after work");
    }, 1);
    break;
  case "signal":
    process.stdout.write("ready\n");
    setInterval(() => fast(-1), 1000);
    break;
  case "app-sigterm":
    // The application's own handler records tasks, then exits: they belong to the workflow, which ends after.
    process.on("SIGTERM", () => {
      for (let i = 1; i <= 100; i++) step(-i);
      process.exit(0);
    });
    process.stdout.write("ready\n");
    setInterval(() => undefined, 1000);
    break;
  case "pending-task": {
    const slow = flowceptTask(async function slow() {
      await new Promise((r) => setTimeout(r, 60_000));
    });
    void slow();
    process.stdout.write("ready\n");
    break;
  }
}
