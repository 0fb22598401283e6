import { expect } from "chai";
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { flowceptWorkflow } from "../../../lib/capture/flowcept-workflow.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import { FlowceptLoop } from "../../../lib/capture/FlowceptLoop.js";
import { FlowceptLightweightLoop } from "../../../lib/capture/FlowceptLightweightLoop.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { task } from "../../../lib/capture/decorators.js";
import { flushAllSinks } from "../../../lib/pipeline/record-sink.js";
import { useTempStore } from "../../support/temp-store.js";

/** A value to feed to capture, and the secret parts that must never reach a record. */
interface Hostile {
  value: unknown;
  secrets: string[];
}

const pw = fc.stringMatching(/^[A-Za-z0-9]{14,20}$/).map((p) => `${p}7`);
const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{8,16}$/);

/** Secret-shaped strings (whole, or inside text): `[text, the part that must not appear]`. */
const secretText: fc.Arbitrary<[string, string]> = fc
  .tuple(
    fc.oneof(
      pw.map((p): [string, string] => [`ghp_${p.padEnd(36, "x")}`, p]),
      fc.tuple(b64url, b64url, b64url).map(([a, b, c]): [string, string] => [`eyJ${a}.eyJ${b}.${c}`, `${a}.eyJ${b}`]),
      pw.map((p): [string, string] => [`Bearer ${p}`, p]),
      pw.map((p): [string, string] => [`postgres://app:${p}@db:5432/prod`, p]),
      pw.map((p): [string, string] => [`Server=db;User Id=sa;Password=${p};`, p]),
      pw.map((p): [string, string] => [`https://api.example.com/v1?access_token=${p}&page=2`, p]),
    ),
    fc.constantFrom("", "connecting with ", "error: "),
  )
  .map(([[text, secret], prefix]): [string, string] => [`${prefix}${text}`, secret]);

const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "toJSON", "a.b", "$x", "pwd", "sessionId", "note"));

class Opaque {
  constructor(readonly inside: unknown) {}
}

/** Hostile values: cycles, throwing getters, proxies, huge strings, BigInt, symbols, thenables, secrets under random keys. */
const hostile: fc.Arbitrary<Hostile> = fc.letrec<{ node: Hostile }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.anything({ maxDepth: 2 }).map((value) => ({ value, secrets: [] })),
    secretText.map(([text, s]) => ({ value: text, secrets: [s] })),
    fc.bigInt().map((value) => ({ value, secrets: [] })),
    fc.constantFrom(Symbol("s"), Symbol.iterator, NaN, -Infinity, undefined, null, () => 1).map((value) => ({ value, secrets: [] })),
    fc.integer({ min: 20_000, max: 200_000 }).chain((n) => secretText.map(([t, s]) => ({ value: `${"x".repeat(n)} ${t} ${"y".repeat(n)}`, secrets: [s] }))),
    fc.array(fc.tuple(key, tie("node")), { maxLength: 5 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v.value, enumerable: true, writable: true, configurable: true });
      return { value: o, secrets: entries.flatMap(([, v]) => v.secrets) };
    }),
    fc.array(tie("node"), { maxLength: 4 }).map((items) => ({ value: items.map((i) => i.value), secrets: items.flatMap((i) => i.secrets) })),
    tie("node").map((n) => ({ value: new Map([["k", n.value]]), secrets: n.secrets })),
    tie("node").map((n) => ({ value: new Set([n.value]), secrets: n.secrets })),
    tie("node").map((n) => ({ value: new Opaque(n.value), secrets: n.secrets })),
    secretText.map(([t, s]) => {
      const o: Record<string, unknown> = { note: t };
      o.self = o;
      return { value: o, secrets: [s] };
    }),
    secretText.map(([t, s]) => {
      const err = new Error(t);
      const o = {};
      Object.defineProperty(o, "bad", {
        enumerable: true,
        get() {
          throw err;
        },
      });
      return { value: o, secrets: [s] };
    }),
    secretText.map(([t, s]) => ({ value: new Error(`failed: ${t}`), secrets: [s] })),
    secretText.map(([t, s]) => ({ value: Symbol(t), secrets: [s] })),
    fc.constant(null).map(() => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return { value: proxy, secrets: [] };
    }),
    fc.constant(null).map(() => {
      const boom = new Error("trap");
      const trap = () => {
        throw boom;
      };
      return { value: new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap }), secrets: [] };
    }),
    secretText.map(([t, s]) => ({
      value: {
        then(resolve: (v: unknown) => void) {
          resolve(t);
        },
      },
      secrets: [s],
    })),
  ),
})).node.map(described);

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function outcomeOf(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function asyncOutcomeOf(f: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Same value, or same error — an error the engine makes anew each time (a revoked Proxy's TypeError) counts by kind and message. */
function same(a: Outcome, b: Outcome): boolean {
  if (a.ok !== b.ok) return false;
  if (a.ok) return Object.is(a.value, (b as { value: unknown }).value);
  const x = a.error;
  const y = (b as { error: unknown }).error;
  if (Object.is(x, y)) return true;
  return x instanceof TypeError && y instanceof TypeError && x.message === y.message;
}

/** fast-check prints counterexamples; a revoked Proxy cannot be printed, so each value says what it is. */
function described(h: Hostile): Hostile {
  return Object.assign(h, {
    [fc.toStringMethod]: () => {
      try {
        const text = fc.stringify(h.value);
        return `hostile(${text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text}; secrets ${JSON.stringify(h.secrets)})`;
      } catch {
        return `hostile(unprintable; secrets ${JSON.stringify(h.secrets)})`;
      }
    },
  });
}

let runs = 0;

/** Iterates over the value with a loop and records it with endIter; the body sees the item as given. */
function loopPath(Loop: typeof FlowceptLoop | typeof FlowceptLightweightLoop, id: string, h: Hostile): [Outcome, Outcome] {
  const seen: unknown[] = [];
  const loop = new Loop([h.value], { loopName: id });
  for (const item of loop) {
    seen.push(item);
    loop.endIter({ out: h.value });
  }
  return [{ ok: true, value: seen[0] }, { ok: true, value: h.value }];
}

describe("capture of hostile values (property-based)", function () {
  this.timeout(120_000);
  const store = useTempStore();

  /** The JSONL lines recorded for `id` (as activity or workflow name), each parsed. */
  async function recordsOf(id: string): Promise<{ lines: string[]; parsed: Record<string, unknown>[] }> {
    await flushAllSinks();
    const text = existsSync(store.path) ? readFileSync(store.path, "utf8") : "";
    const lines = text.split("\n").filter((l) => l.includes(`"${id}"`));
    return { lines, parsed: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  function check(lines: string[], secrets: string[]): void {
    expect(lines, "a record is written").to.not.be.empty;
    for (const l of lines) for (const s of secrets) expect(l, "no secret in the record").to.not.include(s);
  }

  /** A capture path: runs `h.value` through it as user code would, and returns the outcome with the plain function's. */
  type Path = (id: string, h: Hostile) => Promise<[Outcome, Outcome]>;

  const paths: Record<string, Path> = {
    "flowceptTask (sync, argument and result)": async (id, h) => {
      const f = (x: unknown) => x;
      return [outcomeOf(() => flowceptTask({ activityId: id }, f)(h.value)), outcomeOf(() => f(h.value))];
    },
    "flowceptTask (sync, thrown value)": async (id, h) => {
      const f = (x: unknown) => {
        throw x;
      };
      return [outcomeOf(() => flowceptTask({ activityId: id }, f)(h.value)), outcomeOf(() => f(h.value))];
    },
    "flowceptTask (async)": async (id, h) => {
      const f = async (x: unknown) => x;
      return [await asyncOutcomeOf(() => flowceptTask({ activityId: id }, f)(h.value)), await asyncOutcomeOf(() => f(h.value))];
    },
    lightweightFlowceptTask: async (id, h) => {
      const f = (x: unknown) => x;
      return [outcomeOf(() => lightweightFlowceptTask({ activityId: id }, f)(h.value)), outcomeOf(() => f(h.value))];
    },
    "lightweightFlowceptTask (async, rejected)": async (id, h) => {
      const f = async (x: unknown) => {
        throw x;
      };
      return [await asyncOutcomeOf(() => lightweightFlowceptTask({ activityId: id }, f)(h.value)), await asyncOutcomeOf(() => f(h.value))];
    },
    FlowceptLoop: async (id, h) => loopPath(FlowceptLoop, id, h),
    FlowceptLightweightLoop: async (id, h) => loopPath(FlowceptLightweightLoop, id, h),
    FlowceptTask: async (id, h) => {
      const out = outcomeOf(() => {
        const t = new FlowceptTask({ activityId: id, used: { input: h.value }, customMetadata: { meta: h.value } });
        t.end({ generated: { output: h.value }, stdout: { log: h.value }, data: h.value });
        return 1;
      });
      return [out, { ok: true, value: 1 }];
    },
    flowceptWorkflow: async (id, h) => {
      const f = (x: unknown) => x;
      return [outcomeOf(() => flowceptWorkflow({ workflowName: id }, f)(h.value)), outcomeOf(() => f(h.value))];
    },
    "@task decorator": async (id, h) => {
      class Model {
        @task({ activityId: id })
        step(x: unknown): unknown {
          return x;
        }
      }
      return [outcomeOf(() => new Model().step(h.value)), outcomeOf(() => h.value)];
    },
  };

  let fc0: Flowcept | undefined;
  beforeEach(async () => {
    fc0 = await new Flowcept({ workflowName: "hostile" }).start();
  });
  afterEach(async () => {
    await fc0?.stop();
  });

  for (const [name, path] of Object.entries(paths)) {
    it(`${name}: user code sees what it would see, a record is written and parses, no secret in it`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile, async (h) => {
          const id = `hostile_${++runs}`;
          const [wrapped, plain] = await path(id, h);
          expect(same(wrapped, plain), "same value or error as without capture").to.equal(true);
          const { lines, parsed } = await recordsOf(id);
          check(lines, h.secrets);
          expect(parsed.length).to.be.at.least(1);
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 25) },
      );
    });
  }
});
