import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { useTempStore } from "../../support/temp-store.js";

describe("FlowceptTask (custom tasks)", () => {
  const store = useTempStore();

  it("follows the seed's end() vs send() example: four messages", async () => {
    const fc = new Flowcept({ startPersistence: false, saveWorkflow: true, workflowName: "MyFirstWorkflow" });
    await fc.start();
    const agent1 = "agent-1";
    new FlowceptTask({ activityId: "super_func1", used: { x: 1 }, agentId: agent1, tags: ["tag1"] }).send();
    {
      using t2 = new FlowceptTask({ activityId: "super_func2", used: { y: 1 }, agentId: agent1, tags: ["tag2"] });
      await new Promise((r) => setTimeout(r, 20));
      t2.end({ generated: { o: 3 } });
    }
    const t3 = new FlowceptTask({ activityId: "super_func3", used: { z: 1 }, agentId: agent1, tags: ["tag3"] });
    await new Promise((r) => setTimeout(r, 10));
    t3.end({ generated: { w: 1 } });
    await fc.stop();
    const messages = Flowcept.readBufferFile(store.path);
    expect(messages).to.have.length(4);
    const byAct = Object.fromEntries(messages.filter((m) => m.type === "task").map((m) => [m.activity_id, m]));
    const s1 = byAct.super_func1!;
    expect(s1.status).to.equal("FINISHED");
    expect(s1.ended_at).to.equal(s1.started_at);
    expect(s1).to.not.have.property("generated");
    const s2 = byAct.super_func2!;
    expect(s2.generated).to.deep.equal({ o: 3 });
    expect((s2.ended_at as number) - (s2.started_at as number)).to.be.greaterThan(0.015);
    expect(s2.agent_id).to.equal(agent1);
    expect(s2.tags).to.deep.equal(["tag2"]);
    expect(byAct.super_func3!.generated).to.deep.equal({ w: 1 });
    expect(Flowcept.readMessagesFile(store.path)).to.deep.equal(messages);
  });

  it("auto-ends when end-like fields are given, and stderr means ERROR", async () => {
    await Flowcept.run({}, () => {
      const a = new FlowceptTask({ activityId: "auto", used: { a: 1 }, generated: { b: 2 } });
      expect(a.ended).to.equal(true);
      new FlowceptTask({ activityId: "failed" }).end({ stderr: "disk full" });
      new FlowceptTask({ activityId: "explicit", stderr: "warning only", status: "FINISHED" });
      new FlowceptTask({ activityId: "timed", startedAt: 1000, endedAt: 1002.5 });
    });
    const tasks = Object.fromEntries((await store.tasks()).map((t) => [t.activity_id, t]));
    expect(tasks.auto!.generated).to.deep.equal({ b: 2 });
    expect(tasks.auto!.status).to.equal("FINISHED");
    expect(tasks.failed!.status).to.equal("ERROR");
    expect(tasks.failed!.stderr).to.equal("disk full");
    expect(tasks.explicit!.status).to.equal("FINISHED");
    expect(tasks.explicit!.stderr).to.equal("warning only");
    expect(tasks.timed!.started_at).to.equal(1000);
    expect(tasks.timed!.ended_at).to.equal(1002.5);
  });

  it("publishes exactly once: using ends an un-ended task, later calls do nothing", async () => {
    let id: string | undefined;
    await Flowcept.run({}, () => {
      using t = new FlowceptTask({ activityId: "once", taskId: "my-task-1", customMetadata: { a: 1 } });
      id = t.taskId;
      t.end({ generated: { n: 1 }, customMetadata: { b: 2 } });
      t.end({ generated: { n: 2 } });
      t.send();
    });
    expect(id).to.equal("my-task-1");
    const raw = (await store.readRaw()).filter((r) => r.type === "task");
    expect(raw).to.have.length(1);
    expect(raw[0]!.task_id).to.equal("my-task-1");
    expect(raw[0]!.generated).to.deep.equal({ n: 1 });
    expect(raw[0]!.custom_metadata).to.deep.equal({ a: 1, b: 2 });
    let auto: string | undefined;
    await Flowcept.run({}, () => {
      using t = new FlowceptTask({ activityId: "disposed" });
      auto = t.taskId;
    });
    const disposed = (await store.tasks()).find((t) => t.activity_id === "disposed")!;
    expect(disposed.task_id).to.equal(auto);
    expect(disposed.status).to.equal("FINISHED");
  });
});
