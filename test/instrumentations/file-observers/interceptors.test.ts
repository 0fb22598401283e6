import { expect } from "chai";
import { join } from "node:path";
// The package entry provides the named interceptors (the file observers).
import { Flowcept } from "../../../lib/index.js";
import { FlowceptSettingsError } from "../../../lib/settings/settings.js";
import { configure } from "../../../lib/settings/settings-loader.js";
import { copyFixture, removeTemps, tempDir } from "./adapter-test-helpers.js";
import { useTempStore } from "../../support/temp-store.js";

describe("Flowcept interceptors (data observability adapters)", function () {
  this.timeout(20_000);
  const store = useTempStore();
  afterEach(() => removeTemps());

  it("starts the adapters named in `interceptors` and records what they read in the workflow", async () => {
    const logdir = copyFixture("tensorboard/torch-scalars-3runs");
    const mlruns = copyFixture("mlflow/filestore-mlflow1.23");
    const state = tempDir();
    configure({
      adapters: {
        tb: { kind: "tensorboard", file_path: logdir, watch_interval_sec: 0.05, state_file: join(state, "tb.json") },
        mlflow: { kind: "mlflow", file_path: join(mlruns, "mlruns"), watch_interval_sec: 0.05, state_file: join(state, "ml.json") },
      },
    });
    let wf = "";
    await Flowcept.run({ interceptors: ["instrumentation", "tb", "mlflow"], workflowName: "observed" }, async (fc) => {
      wf = fc.workflowId;
      await new Promise((r) => setTimeout(r, 200));
    });
    const tasks = await store.tasks();
    const tb = tasks.filter((t) => t.adapter_id === "tensorboard");
    const ml = tasks.filter((t) => t.adapter_id === "mlflow");
    expect(tb).to.have.length(3);
    expect(ml).to.have.length(1);
    expect(ml[0]!.task_id).to.equal("d01fc81e11e842f5b9556ae04136c0d3");
    for (const t of [...tb, ...ml]) {
      expect(t.workflow_id).to.equal(wf);
      expect(t.campaign_id).to.be.a("string");
    }
    const [w] = await store.workflows();
    expect(w!.interceptor_ids!.map((i) => i.split("_").pop())).to.deep.equal(["instrumentation", "tb", "mlflow"]);
  });

  it("rejects an unknown interceptor with a clear error", async () => {
    let err: unknown;
    await Flowcept.run({ interceptors: ["dask"] }, () => undefined).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(FlowceptSettingsError);
    expect((err as Error).message).to.contain('unknown interceptor "dask"');
  });
});
