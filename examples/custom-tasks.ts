/**
 * Tasks built by hand, for work that is not one function call: ended at the
 * end of a block, ended explicitly, or sent as they are.
 *
 *   node dist/examples/custom-tasks.js
 */
import { Flowcept, FlowceptTask, type TaskRecord } from "flowcept-otel";

// #region custom
function fetchSomething(): string {
  return "a,b,c\n1,2,3\n"; // stands for a download
}

await Flowcept.run({ workflowName: "custom_tasks" }, () => {
  {
    using t = new FlowceptTask({ activityId: "download", used: { url: "https://example.org/data.csv" } });
    const data = fetchSomething();
    t.end({ generated: { bytes: data.length } });
  }
  const task = new FlowceptTask({ activityId: "parse", used: { bytes: 12 } });
  task.end({ generated: { records: 2 } }); // publishes
  new FlowceptTask({ activityId: "notify", used: { to: "ops" } }).send();
});
// #endregion custom

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
console.log(tasks.map((t) => `${t.activity_id} ${t.status} ${JSON.stringify(t.generated ?? {})}`).join("\n"));
