/**
 * TC39 decorators in TypeScript (no `experimentalDecorators`): a method as
 * a task, another as a workflow.
 *
 *   node dist/examples/decorators.js
 */
import { Flowcept, task, workflow, type TaskRecord } from "flowcept-otel";

// #region decorators
class Trainer {
  constructor(private readonly lr: number) {}

  @task({ outputNames: "loss" })
  step(batch: number[]): number {
    return batch.reduce((a, b) => a + b, 0) * this.lr;
  }

  @workflow({ workflowName: "training_run" })
  async run(epochs: number): Promise<number> {
    let loss = 0;
    for (let e = 0; e < epochs; e++) loss = this.step([e, e + 1]);
    return loss;
  }
}

await new Trainer(0.01).run(3); // one workflow, three `step` tasks with `this` kept
// #endregion decorators

const steps = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.activity_id === "step");
console.log(steps.map((t) => `step used=${JSON.stringify(t.used)} generated=${JSON.stringify(t.generated)}`).join("\n"));
