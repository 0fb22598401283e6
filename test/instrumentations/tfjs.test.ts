import { expect } from "chai";
import * as tf from "@tensorflow/tfjs";
import { Flowcept } from "../../lib/capture/Flowcept.js";
import type { TaskRecord, WorkflowRecord } from "../../lib/records/records.js";
import { flowceptModel, TfjsInstrumentation } from "../../instrumentations/tfjs/index.js";
import { useTempStore } from "../support/temp-store.js";

/** A tiny regression model; with the same seed, two calls give identical models. */
function tinyModel(seed = 1): tf.Sequential {
  const init = tf.initializers.glorotUniform({ seed });
  const m = tf.sequential({
    layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: "relu", kernelInitializer: init }), tf.layers.dense({ units: 1, kernelInitializer: init })],
  });
  m.compile({ optimizer: tf.train.sgd(0.05), loss: "meanSquaredError", metrics: ["mse"] });
  return m;
}

/** Synthetic data: y = x·w + noise-free bias. */
function data(n = 24): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = tf.tensor2d(Array.from({ length: n * 3 }, (_, i) => ((i * 7919) % 97) / 97 - 0.5), [n, 3]);
  const y = x.matMul(tf.tensor2d([[0.5], [-1], [2]])).add(0.1) as tf.Tensor2D;
  return { x, y };
}

const byActivity = (tasks: TaskRecord[], a: string) => tasks.filter((t) => t.activity_id === a);

describe("TF.js model instrumentation", () => {
  const store = useTempStore();
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("predict is a parent_forward task with tensor metadata in the model's own workflow", async () => {
    const plain = tinyModel();
    const model = flowceptModel(tinyModel(), { name: "regressor" });
    const input = tf.tensor2d([[1, 2, 3], [0, -1, 0.5]]);
    let wf = "";
    let out: number[][] = [];
    await Flowcept.run({ workflowName: "ml" }, (fc) => {
      wf = fc.workflowId;
      out = (model.predict(input) as tf.Tensor).arraySync() as number[][];
    });
    expect(out).to.deep.equal((plain.predict(input) as tf.Tensor).arraySync());
    const records = await store.read();
    const modelWf = records.find((r): r is WorkflowRecord => r.type === "workflow" && r.name === "regressor")!;
    expect(modelWf.parent_workflow_id).to.equal(wf);
    const profile = (modelWf.custom_metadata as { model_profile: Record<string, unknown> }).model_profile;
    expect(profile).to.include({ params: 21, n_layers: 2, model_class: "Sequential" });
    expect((profile.layers as { class_name: string; params: number }[]).map((l) => [l.class_name, l.params])).to.deep.equal([
      ["Dense", 16],
      ["Dense", 5],
    ]);
    const [t] = byActivity(records.filter((r): r is TaskRecord => r.type === "task"), "regressor");
    expect(t).to.include({ subtype: "parent_forward", status: "FINISHED", workflow_id: modelWf.workflow_id });
    expect(t!.used).to.deep.equal({ tensor: { shape: [2, 3], dtype: "float32", size: 6, backend: "cpu" } });
    expect(t!.generated).to.deep.equal({ tensor: { shape: [2, 1], dtype: "float32", size: 2, backend: "cpu" } });
  });

  it("fit records an epochs_loop whose iterations carry the epoch logs; training is unchanged", async () => {
    const { x, y } = data();
    const plain = tinyModel();
    const expected = await plain.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const model = flowceptModel(tinyModel(), { batchLoop: "lightweight" });
    const history = await Flowcept.run({ workflowName: "train" }, () => model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 }));
    expect(history.history).to.deep.equal(expected.history);
    const tasks = await store.tasks();
    const [loop] = byActivity(tasks, "epochs_loop");
    expect(loop).to.include({ subtype: "loop", status: "FINISHED" });
    const epochs = byActivity(tasks, "epochs_loop_iteration").sort((a, b) => (a.used!.epoch as number) - (b.used!.epoch as number));
    expect(epochs.map((e) => e.used!.epoch)).to.deep.equal([0, 1, 2]);
    epochs.forEach((e, i) => {
      expect(e.generated).to.deep.equal({ loss: expected.history.loss![i], mse: expected.history.mse![i] });
      expect(e.parent_task_id).to.equal(loop!.task_id);
    });
    const batches = byActivity(tasks, "train_batch_iteration");
    expect(batches).to.have.length(9);
    expect(batches.filter((b) => b.parent_task_id === epochs[1]!.task_id).map((b) => b.used!.batch)).to.deep.equal([0, 1, 2]);
    expect(batches[0]!.generated).to.have.property("loss").that.is.a("number");
  });

  it("capture_epochs_at_every skips epochs; children record one child_forward per layer", async () => {
    const { x, y } = data(8);
    const model = flowceptModel(tinyModel(), { captureEpochsAtEvery: 2, what: "parent_and_children", childrenMode: "tensor_inspection" });
    await Flowcept.run({ workflowName: "every" }, async () => {
      await model.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0 });
      model.predict(tf.ones([1, 3]));
    });
    const tasks = await store.tasks();
    expect(byActivity(tasks, "epochs_loop_iteration").map((e) => e.used!.epoch).sort()).to.deep.equal([0, 2]);
    const parent = tasks.find((t) => t.subtype === "parent_forward")!;
    const children = tasks.filter((t) => t.subtype === "child_forward");
    expect(children.map((c) => c.activity_id)).to.deep.equal(["Dense", "Dense"]);
    for (const c of children) expect(c.parent_task_id).to.equal(parent.task_id);
    expect(children[0]!.used).to.deep.include({ tensor: { shape: [1, 3], dtype: "float32", size: 3, backend: "cpu" } });
    expect(children[1]!.generated).to.deep.equal({ tensor: { shape: [1, 1], dtype: "float32", size: 1, backend: "cpu" } });
  });

  it("a failing predict throws the same error and is recorded as ERROR; values only when asked", async () => {
    const model = flowceptModel(tinyModel(), { name: "strict", tensorValues: 2 });
    const caught = (f: () => unknown): Error => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a throw");
    };
    // Layer names carry a process-wide counter; the rest of the message is TF.js's own.
    const generic = (msg: string) => msg.replace(/dense_Dense\d+/g, "dense");
    const plainErr = caught(() => tinyModel().predict(tf.ones([1, 5])));
    let err: Error | undefined;
    await Flowcept.run({ workflowName: "errors" }, () => {
      err = caught(() => model.predict(tf.ones([1, 5])));
      model.predict(tf.tensor2d([[1, 2, 3]]));
    });
    expect(err!.constructor).to.equal(plainErr.constructor);
    expect(generic(err!.message)).to.equal(generic(plainErr.message));
    const tasks = byActivity(await store.tasks(), "strict");
    expect(tasks.find((t) => t.status === "ERROR")!.stderr).to.equal(err!.message);
    const ok = tasks.find((t) => t.status === "FINISHED")!;
    expect(ok.used).to.deep.equal({ tensor: { shape: [1, 3], dtype: "float32", size: 3, backend: "cpu", values: [1, 2], values_truncated: true } });
  });

  it("the auto-instrumentation captures every LayersModel", async () => {
    const instr = new TfjsInstrumentation({ registerWorkflow: false });
    try {
      const model = tinyModel();
      let wf = "";
      await Flowcept.run({ workflowName: "auto-tf" }, (fc) => {
        wf = fc.workflowId;
        model.predict(tf.ones([2, 3]));
      });
      const [t] = (await store.tasks()).filter((x) => x.subtype === "parent_forward");
      expect(t).to.include({ activity_id: model.name, workflow_id: wf });
    } finally {
      instr.disable();
    }
    expect((tf.LayersModel.prototype.predict as { __wrapped?: boolean }).__wrapped).to.not.equal(true);
  });
});
