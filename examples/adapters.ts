/**
 * Data observability adapters: records from what another tool wrote, with
 * no change to that tool. This example writes a small MLflow file store
 * (`mlruns/`, as `mlflow.log_param` / `log_metric` would) and reads it once;
 * with `interceptors` the controller watches it while the workflow runs.
 *
 *   node dist/examples/adapters.js
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configure, Flowcept, type TaskRecord } from "flowcept-otel";

/** One finished MLflow run, as MLflow's file store lays it out. */
function writeMlflowRun(root: string, runId: string, params: Record<string, string>, metrics: Record<string, number[]>): void {
  const exp = join(root, "1");
  const run = join(exp, runId);
  for (const d of ["params", "metrics", "tags"]) mkdirSync(join(run, d), { recursive: true });
  writeFileSync(join(exp, "meta.yaml"), "experiment_id: '1'\nname: demo\nlifecycle_stage: active\n");
  const now = Date.now();
  writeFileSync(join(run, "meta.yaml"), `run_id: ${runId}\nexperiment_id: '1'\nrun_name: ${runId.slice(0, 6)}\nstatus: 3\nstart_time: ${now - 5000}\nend_time: ${now}\nlifecycle_stage: active\n`);
  for (const [k, v] of Object.entries(params)) writeFileSync(join(run, "params", k), v);
  for (const [k, values] of Object.entries(metrics)) writeFileSync(join(run, "metrics", k), values.map((v, step) => `${now} ${v} ${step}\n`).join(""));
}

writeMlflowRun("mlruns", "0123456789abcdef0123456789abcdef", { lr: "0.01", epochs: "3" }, { loss: [0.9, 0.5, 0.3], accuracy: [0.6, 0.8, 0.9] });

// #region adapters
configure({
  adapters: {
    mlflow: { kind: "mlflow", file_path: "mlruns", log_params: ["*"], log_metrics: ["*"], watch_interval_sec: 1 },
  },
});
await Flowcept.run({ workflowName: "observed", interceptors: ["instrumentation", "mlflow"] }, async () => {
  // train(); — MLflow writes as it goes; stopping the workflow makes a last scan
});
// #endregion adapters

const runs = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.adapter_id === "mlflow");
for (const r of runs) console.log(`${r.task_id} ${r.status} used=${JSON.stringify(r.used)} generated=${JSON.stringify(r.generated)}`);
