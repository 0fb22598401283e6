/**
 * Telemetry: blocks turned on in settings for every task, and a task that
 * asks for it itself; each task gets a summary of what changed.
 *
 *   node dist/examples/telemetry.js
 */
import { configure, Flowcept, flowceptTask, telemetryFlowceptTask, type TaskRecord } from "flowcept-otel";

// #region telemetry
configure({ telemetry_capture: { cpu: true, mem: true } }); // or in settings.yaml

const busy = telemetryFlowceptTask(function busy(ms: number) {
  const start = process.cpuUsage();
  let x = 0;
  while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < ms) x += Math.sqrt(x + 1);
  return x > 0;
});
const idle = flowceptTask(async function idle(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
});

await Flowcept.run({ workflowName: "telemetry" }, async () => {
  busy(17); // telemetry_summary.process: this process's CPU time over the task
  await idle(20); // cpu and memory blocks from the background sampler
});
// #endregion telemetry

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
const busyTask = tasks.find((t) => t.activity_id === "busy")!;
const summary = busyTask.telemetry_summary as { duration_sec: number; process: { user_time_diff: number; system_time_diff: number; cpu_percent: number } };
console.log(`busy: ${Math.round((summary.process.user_time_diff + summary.process.system_time_diff) * 1000)} ms of CPU in ${Math.round(summary.duration_sec * 1000)} ms`);
console.log(`idle blocks: ${Object.keys(tasks.find((t) => t.activity_id === "idle")!.telemetry_at_end ?? {}).join(", ")}`);
