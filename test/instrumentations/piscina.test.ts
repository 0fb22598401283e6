import { expect } from "chai";
import { Piscina } from "piscina";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Flowcept } from "../../lib/capture/Flowcept.js";
import type { TaskRecord } from "../../lib/records/records.js";
import { instrumentPiscina, PiscinaInstrumentation } from "../../instrumentations/piscina/index.js";
import { runInWorker } from "../../instrumentations/workers/index.js";
import { useTempStore } from "../support/temp-store.js";
import { CHILDREN } from "../support/paths.js";

const workerFile = join(CHILDREN, "pool-worker.js");
const plainWorkerFile = join(CHILDREN, "plain-worker.js");

const INPUTS = [{ n: 1 }, { n: 2 }, { n: 3, fail: true }, { n: 4 }, { n: 5 }, { n: 6 }];

/** Runs the inputs concurrently; what each call resolved with or rejected with. */
async function runAll(run: (input: { n: number; fail?: boolean }) => Promise<unknown>): Promise<{ ok: boolean; value: unknown }[]> {
  const settled = await Promise.allSettled(INPUTS.map(run));
  return settled.map((s) => (s.status === "fulfilled" ? { ok: true, value: s.value } : { ok: false, value: outcome(s.reason) }));
}

function outcome(err: unknown): unknown {
  return err instanceof Error ? { class: err.constructor.name, name: err.name, message: err.message } : err;
}

function poolTasks(tasks: TaskRecord[], activity = "pool-worker"): TaskRecord[] {
  return tasks.filter((t) => t.activity_id === activity);
}

describe("worker pool instrumentation", () => {
  const store = useTempStore();
  const pools: Piscina[] = [];
  const newPool = (opts: Record<string, unknown> = {}) => {
    const p = new Piscina({ filename: workerFile, minThreads: 3, maxThreads: 3, ...opts });
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.destroy()));
  });

  it("instrumentPiscina records each task with RUNNING and final messages; results and errors unchanged", async () => {
    const expected = await runAll((input) => newPool().run(input));
    const pool = instrumentPiscina(newPool(), { poolName: "squares" });
    let workflowId = "";
    let seen: unknown[] = [];
    await Flowcept.run({ workflowName: "pool" }, async (fc) => {
      workflowId = fc.workflowId;
      seen = await runAll((input) => pool.run(input));
    });
    expect(seen).to.deep.equal(expected);
    expect(seen[2]).to.deep.equal({ ok: false, value: { class: "RangeError", name: "RangeError", message: "bad input 3" } });

    const raw = poolTasks((await store.readRaw()).filter((r): r is TaskRecord => r.type === "task"));
    const byId = new Map<string, TaskRecord[]>();
    for (const r of raw) byId.set(r.task_id, [...(byId.get(r.task_id) ?? []), r]);
    expect(byId.size).to.equal(INPUTS.length);
    for (const msgs of byId.values()) expect(msgs.map((m) => m.status)).to.deep.equal(["RUNNING", msgs[1]!.status]);

    const tasks = await store.tasks();
    const recorded = poolTasks(tasks);
    expect(recorded).to.have.length(INPUTS.length);
    const threads = new Set<string>();
    for (const t of recorded) {
      const input = t.used as { n: number; fail?: boolean };
      expect(t.workflow_id).to.equal(workflowId);
      expect(t.address).to.match(/^squares#\d+$/);
      threads.add(t.address!);
      expect(t.started_at).to.be.at.least(t.submitted_at as number);
      expect(t.ended_at).to.be.at.least(t.started_at!);
      if (input.fail) {
        expect(t.status).to.equal("ERROR");
        expect(t.stderr).to.equal("bad input 3");
      } else {
        expect(t.status).to.equal("FINISHED");
        expect(t.generated).to.deep.equal({ n: input.n, sq: input.n * input.n });
        // The worker's own task lands in the same workflow, under the pool task.
        const inner = tasks.find((x) => x.activity_id === "square" && x.parent_task_id === t.task_id);
        expect(inner, `square under pool task ${input.n}`).to.exist;
        expect(inner!.workflow_id).to.equal(workflowId);
        expect(inner!.used).to.deep.equal({ x: input.n });
      }
    }
    expect(threads.size).to.be.greaterThan(1);
  });

  it("keeps per-task exports, transfers and piscina's own errors", async () => {
    const pool = instrumentPiscina(newPool());
    await Flowcept.run({ workflowName: "pool-options" }, async () => {
      expect(await pool.run(41, { name: "increment" })).to.equal(42);
      const buf = new ArrayBuffer(16);
      expect(await pool.run(Piscina.move(buf), { name: "bytes" })).to.equal(16);
      expect(buf.byteLength).to.equal(0);
      const err = await pool.run(1, { name: "missing" }).catch((e: unknown) => e);
      expect(outcome(err)).to.deep.equal({ class: "Error", name: "Error", message: `No handler function exported from ${workerFile}` });
      const bad = await pool.run(1, { name: 5 as never }).catch((e: unknown) => e);
      expect(outcome(bad)).to.deep.equal({ class: "TypeError", name: "TypeError", message: "name argument must be a string" });
    });
    const tasks = await store.tasks();
    expect(tasks.find((t) => t.activity_id === "increment")).to.include({ status: "FINISHED" });
    expect(tasks.find((t) => t.activity_id === "increment")!.generated).to.deep.equal({ arg_0: 42 });
    expect(tasks.find((t) => t.activity_id === "missing")).to.include({ status: "ERROR" });
  });

  it("the auto-instrumentation records tasks of every pool", async () => {
    const instr = new PiscinaInstrumentation({ poolName: "auto" });
    try {
      const pool = newPool();
      await Flowcept.run({ workflowName: "auto-pool" }, async () => {
        expect(await pool.run({ n: 7 })).to.deep.equal({ n: 7, sq: 49 });
      });
      const [t] = poolTasks(await store.tasks());
      expect(t).to.include({ status: "FINISHED" });
      expect(t!.address).to.match(/^auto#\d+$/);
    } finally {
      instr.disable();
    }
    expect((Piscina.prototype.run as { __wrapped?: boolean }).__wrapped).to.not.equal(true);
  });

  it("runInWorker / serveWorkerTasks record tasks on plain worker threads", async () => {
    const worker = new Worker(plainWorkerFile);
    try {
      let workflowId = "";
      const seen = await Flowcept.run({ workflowName: "plain-workers" }, async (fc) => {
        workflowId = fc.workflowId;
        return runAll((input) => runInWorker(worker, input, { activityId: "work", poolName: "plain" }));
      });
      expect(seen.filter((s) => s.ok)).to.have.length(5);
      expect(seen[2]).to.deep.equal({ ok: false, value: { class: "RangeError", name: "RangeError", message: "bad input 3" } });
      const tasks = await store.tasks();
      const work = poolTasks(tasks, "work");
      expect(work).to.have.length(6);
      expect(work.filter((t) => t.status === "ERROR")).to.have.length(1);
      for (const t of work) expect(t.address).to.equal(`plain#${worker.threadId}`);
      const ok = work.find((t) => (t.used as { n: number }).n === 4)!;
      const inner = tasks.find((x) => x.activity_id === "square" && x.parent_task_id === ok.task_id)!;
      expect(inner.workflow_id).to.equal(workflowId);
    } finally {
      await worker.terminate();
    }
  });
});
