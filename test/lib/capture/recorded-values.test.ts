import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { flowceptWorkflow } from "../../../lib/capture/flowcept-workflow.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import { FlowceptLoop } from "../../../lib/capture/FlowceptLoop.js";
import { FlowceptLightweightLoop } from "../../../lib/capture/FlowceptLightweightLoop.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { TRUNCATED_KEY } from "../../../lib/records/json-safe.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { useTempStore } from "../../support/temp-store.js";

const WRAPPERS = { flowceptTask, lightweightFlowceptTask } as const;

describe("recorded values", () => {
  const store = useTempStore();

  describe("are snapshots taken when the call returned (or endIter / end was called)", () => {
    for (const [name, wrap] of Object.entries(WRAPPERS)) {
      it(`${name}: a state object mutated and returned by every call is recorded with each call's values`, async () => {
        // Only simple values: the case that used to be stored by reference.
        const state = { step: 0, loss: 1, phase: "warmup" };
        const trainStep = wrap(function trainStep(step: number) {
          state.step = step;
          state.loss = 1 / (step + 1);
          state.phase = `epoch ${step}`;
          return state;
        });
        await Flowcept.run({}, () => {
          for (let i = 0; i < 5; i++) trainStep(i);
        });
        const tasks = (await store.tasks()).filter((t) => t.activity_id === "trainStep").sort((a, b) => (a.used!.step as number) - (b.used!.step as number));
        expect(tasks.map((t) => t.generated)).to.deep.equal([0, 1, 2, 3, 4].map((i) => ({ step: i, loss: 1 / (i + 1), phase: `epoch ${i}` })));
      });
    }

    it("FlowceptLoop and FlowceptLightweightLoop: endIter values mutated after endIter keep their endIter values", async () => {
      for (const Loop of [FlowceptLoop, FlowceptLightweightLoop]) {
        const metrics = { loss: 0, per_class: [0, 0] };
        const loop = new Loop(3, { loopName: Loop.name });
        await Flowcept.run({}, () => {
          for (const i of loop) {
            metrics.loss = i;
            metrics.per_class[0] = i;
            loop.endIter({ metrics });
            metrics.loss = -1;
            metrics.per_class[0] = -1;
          }
        });
        const its = (await store.tasks()).filter((t) => t.activity_id === `${Loop.name}_iteration`).sort((a, b) => (a.used!.i as number) - (b.used!.i as number));
        expect(its.map((t) => t.generated), Loop.name).to.deep.equal([0, 1, 2].map((i) => ({ metrics: { loss: i, per_class: [i, 0] } })));
      }
    });

    it("FlowceptTask: custom metadata mutated between the start and end() is recorded as given", async () => {
      const meta = { phase: "start" };
      await Flowcept.run({}, () => {
        const t = new FlowceptTask({ activityId: "custom", customMetadata: meta });
        meta.phase = "changed";
        const out = { rows: 1 };
        t.end({ generated: { out }, customMetadata: { extra: 1 } });
        out.rows = 99;
      });
      const [t] = (await store.tasks()).filter((r) => r.activity_id === "custom");
      expect(t!.custom_metadata).to.deep.equal({ phase: "start", extra: 1 });
      expect(t!.generated).to.deep.equal({ out: { rows: 1 } });
    });
  });

  describe("are capped in size, also when they hold only simple values", () => {
    for (const [name, wrap] of Object.entries(WRAPPERS)) {
      it(`${name}: a 100k-key result and 10k arguments stay under the 64 KiB cap, with a truncation marker`, async () => {
        const big: Record<string, number> = {};
        for (let i = 0; i < 100_000; i++) big[`k${i}`] = i;
        const bigResult = wrap(function bigResult() {
          return big;
        });
        const manyArgs = wrap(function manyArgs(...a: number[]) {
          return a.length;
        });
        await Flowcept.run({}, () => {
          bigResult();
          manyArgs(...Array.from({ length: 10_000 }, (_, i) => i));
        });
        const lines = (await import("node:fs")).readFileSync(store.path, "utf8").split("\n").filter((l) => l.includes('"type":"task"'));
        expect(lines).to.have.length(2);
        for (const l of lines) expect(l.length).to.be.below(70 * 1024);
        const tasks = await store.tasks();
        const g = tasks.find((t) => t.activity_id === "bigResult")!.generated!;
        expect(g[TRUNCATED_KEY]).to.match(/of 100000 keys dropped by the size cap/);
        expect(g.k0).to.equal(0);
        const u = tasks.find((t) => t.activity_id === "manyArgs")!.used!;
        expect(u[TRUNCATED_KEY]).to.match(/of 10000 keys dropped by the size cap/);
      });
    }
  });

  describe("never change what the wrapped function returns", () => {
    /** A query-builder thenable: `then` runs the query; `where` chains. */
    function queryBuilder() {
      const q = {
        executed: 0,
        clauses: [] as string[],
        where(c: string) {
          q.clauses.push(c);
          return q;
        },
        then(resolve: (rows: string[]) => unknown) {
          q.executed++;
          return Promise.resolve([`rows for ${q.clauses.join(" and ")}`]).then(resolve);
        },
      };
      return q;
    }

    for (const [name, wrap] of Object.entries({ ...WRAPPERS, flowceptWorkflow })) {
      it(`${name}: a returned thenable is the same object, not executed; a native promise is the same object with its extra properties`, async () => {
        const built = wrap(function build() {
          return queryBuilder();
        });
        const lazy = wrap(function lazy() {
          // A custom `then` that returns nothing.
          return { then(resolve: (v: number) => void) { resolve(7); } };
        });
        const withExtra = wrap(function withExtra() {
          const p = Promise.resolve(5) as Promise<number> & { cancel?: () => string };
          p.cancel = () => "cancelled";
          return p;
        });
        const run = async () => {
          const q = built();
          expect(q.executed, "not executed eagerly").to.equal(0);
          expect(q.where("a > 1"), "chaining works on the returned object").to.equal(q);
          expect(await q).to.deep.equal(["rows for a > 1"]);
          expect(q.executed).to.equal(1);
          const l = lazy();
          expect(l).to.not.equal(undefined);
          expect(await l).to.equal(7);
          const p = withExtra();
          expect(p.cancel?.()).to.equal("cancelled");
          expect(await p).to.equal(5);
        };
        if (name === "flowceptWorkflow") await run();
        else await Flowcept.run({}, run);
        await new Promise((r) => setTimeout(r, 10));
        const recs = await store.read();
        const of = (a: string) => recs.find((r) => (r.type === "task" ? r.activity_id : r.name) === a)!;
        expect(JSON.stringify(of("build").generated), "recorded as returned").to.include("where");
        expect(of("withExtra").generated).to.deep.equal({ arg_0: 5 });
      });
    }

    it("awaitThenables: true awaits a thenable and records its value", async () => {
      const lazy = flowceptTask({ awaitThenables: true }, function lazyAwaited() {
        return { then(resolve: (v: number) => void) { resolve(7); } };
      });
      let got: unknown;
      await Flowcept.run({}, async () => {
        got = await lazy();
      });
      expect(got).to.equal(7);
      const [t] = (await store.tasks()).filter((r) => r.activity_id === "lazyAwaited");
      expect(t!.generated).to.deep.equal({ arg_0: 7 });
    });

    for (const [name, wrap] of Object.entries(WRAPPERS)) {
      it(`${name}: keeps the record (with a note) for a throwing getter or a revoked Proxy; reads a getter once`, async () => {
        let reads = 0;
        const hostile = wrap(function hostile(kind: string) {
          if (kind === "getter") {
            return {
              ok: 1,
              get bad(): number {
                throw new Error("no access");
              },
            };
          }
          if (kind === "count") {
            return {
              get value() {
                reads++;
                return 42;
              },
            };
          }
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          return proxy;
        });
        await Flowcept.run({}, () => {
          hostile("getter");
          hostile("proxy");
          hostile("count");
        });
        expect(reads, "getter called once").to.equal(1);
        const tasks = (await store.tasks()).filter((t) => t.activity_id === "hostile");
        const by = (k: string) => tasks.find((t) => t.used!.kind === k)!;
        expect(by("getter").generated).to.deep.equal({ ok: 1, bad: "[Thrown: no access]" });
        expect(JSON.stringify(by("proxy").generated)).to.match(/revoked/);
        expect(by("count").generated).to.deep.equal({ value: 42 });
      });

      it(`${name}: takes 50k arguments (a plain wrapper's share of the stack) and keeps a __proto__ key`, async () => {
        const many = wrap(function many(...a: number[]) {
          return a.length;
        });
        const proto = wrap(function proto(o: Record<string, unknown>) {
          return o;
        });
        const args = Array.from({ length: 50_000 }, (_, i) => i);
        await Flowcept.run({}, () => {
          expect(many(...args)).to.equal(50_000);
          proto(JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'));
        });
        const tasks = await store.readRaw();
        const p = tasks.find((t) => t.type === "task" && (t as TaskRecord).activity_id === "proto") as TaskRecord;
        expect(Object.keys(p.generated!)).to.have.members(["__proto__", "x"]);
        expect(Object.getOwnPropertyDescriptor(p.generated!, "__proto__")!.value).to.deep.equal({ polluted: true });
        expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      });
    }
  });
});
