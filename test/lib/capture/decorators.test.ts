import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { task, workflow } from "../../../lib/capture/decorators.js";
import { useTempStore } from "../../support/temp-store.js";

class Trainer {
  factor = 3;

  @task({ outputNames: "scaled" })
  scale(x: number): number {
    return x * this.factor;
  }

  @task
  async fetch(url: string): Promise<string> {
    await new Promise((r) => setTimeout(r, 1));
    return `got ${url}`;
  }

  @workflow({ workflowName: "training_run" })
  async run(epochs: number): Promise<number> {
    let total = 0;
    for (let e = 0; e < epochs; e++) total += this.scale(e);
    return total;
  }
}

describe("@task / @workflow (standard decorators)", () => {
  const store = useTempStore();

  it("records method calls as tasks inside a workflow, keeping `this`", async () => {
    const t = new Trainer();
    expect(await t.run(3)).to.equal(9);
    await Flowcept.run({}, async () => {
      expect(await t.fetch("x")).to.equal("got x");
    });
    const tasks = await store.tasks();
    const scales = tasks.filter((r) => r.activity_id === "scale");
    expect(scales.map((s) => s.used)).to.deep.equal([{ x: 0 }, { x: 1 }, { x: 2 }]);
    expect(scales.map((s) => s.generated)).to.deep.equal([{ scaled: 0 }, { scaled: 3 }, { scaled: 6 }]);
    const [wf] = (await store.workflows()).filter((w) => w.name === "training_run");
    expect(wf!.used).to.deep.equal({ epochs: 3 });
    expect(scales.every((s) => s.workflow_id === wf!.workflow_id)).to.equal(true);
    expect(tasks.find((r) => r.activity_id === "fetch")!.generated).to.deep.equal({ arg_0: "got x" });
  });
});
