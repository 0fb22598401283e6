/**
 * Worker threads: each task a worker runs is recorded (RUNNING when the
 * worker takes it, FINISHED or ERROR at its end), and tasks inside the
 * worker belong to the same workflow, as children of the pool task. The
 * same works for piscina pools with `instrumentPiscina(pool)`.
 *
 *   node dist/examples/workers.js
 */
import { isMainThread, Worker } from "node:worker_threads";
import { Flowcept, flowceptTask, type TaskRecord } from "flowcept-otel";
import { runInWorker, serveWorkerTasks } from "flowcept-otel/instrumentations";

const simulate = flowceptTask({ outputNames: "energy" }, function simulate(n: number) {
  let e = 0;
  for (let i = 1; i <= n * 1000; i++) e += 1 / i;
  return e;
});

if (isMainThread) {
  // #region workers
  const worker = new Worker(new URL(import.meta.url));
  const energies = await Flowcept.run({ workflowName: "sweep" }, () =>
    Promise.all([1, 2, 4].map((n) => runInWorker<number>(worker, { n }, { activityId: "simulate_in_worker", poolName: "sim" }))),
  );
  await worker.terminate();
  // #endregion workers
  console.log(`energies ${energies.map((e) => e.toFixed(3)).join(", ")}`);
  const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
  const pool = tasks.filter((t) => t.activity_id === "simulate_in_worker");
  const inner = tasks.filter((t) => t.activity_id === "simulate");
  console.log(`${pool.length} pool tasks (${pool.map((t) => t.status).join(", ")}), ${inner.length} worker tasks, each a child of a pool task: ${inner.every((t) => pool.some((p) => p.task_id === t.parent_task_id))}`);
} else {
  // #region worker-side
  serveWorkerTasks((data: { n: number }) => simulate(data.n));
  // #endregion worker-side
}
