/**
 * Records as they are captured, in the same process: a subscriber that
 * prints the tasks that failed, while the run goes on and the store gets
 * every record.
 *
 *   node dist/examples/subscribe.js
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Flowcept, flowceptTask } from "flowcept-otel";

const parse = flowceptTask({ outputNames: "value" }, function parse(text: string) {
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`not a number: ${text}`);
  return n;
});

// #region subscribe
const stop = Flowcept.subscribe({ type: "task", status: "ERROR" }, (task) => {
  console.log(`failed: ${String(task.activity_id)} ${String(task.stderr ?? "")}`);
});
// …
// #endregion subscribe

await Flowcept.run({ workflowName: "subscribed" }, () => {
  for (const text of ["1", "two", "3"]) {
    try {
      parse(text);
    } catch {
      // recorded as an ERROR task
    }
  }
});
await sleep(50); // records reach subscribers on later turns of the event loop

// #region unsubscribe
stop();
console.log(`${stop.delivered} delivered, ${stop.dropped} dropped`);
// #endregion unsubscribe
