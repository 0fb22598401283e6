import { expect } from "chai";
import { CIRCULAR, MAX_DEPTH, REDACTED, safeStringify, toJsonSafe, TRUNCATED_KEY } from "../../../lib/records/json-safe.js";

describe("json-safe conversion", () => {
  it("keeps JSON values as they are", () => {
    const v = { a: 1, b: "x", c: [true, null, 2.5], d: { e: "f" } };
    expect(toJsonSafe(v)).to.deep.equal(v);
  });

  it("converts values JSON cannot hold, with explicit results", () => {
    const d = new Date("2024-01-02T03:04:05.000Z");
    const out = toJsonSafe({
      date: d,
      small: 12n,
      big: 2n ** 80n,
      nan: NaN,
      inf: -Infinity,
      map: new Map<unknown, unknown>([["k", 1], [2, "two"]]),
      objMap: new Map<unknown, unknown>([[{ id: 1 }, "v"]]),
      set: new Set([1, 2]),
      fn: function named() {},
      sym: Symbol("s"),
      undef: undefined,
      re: /ab+/g,
    }) as Record<string, unknown>;
    expect(out.date).to.equal("2024-01-02T03:04:05.000Z");
    expect(out.small).to.equal(12);
    expect(out.big).to.equal((2n ** 80n).toString());
    expect(out.nan).to.equal("NaN");
    expect(out.inf).to.equal("-Infinity");
    expect(out.map).to.deep.equal({ k: 1, "2": "two" });
    expect(out.objMap).to.deep.equal([[{ id: 1 }, "v"]]);
    expect(out.set).to.deep.equal([1, 2]);
    expect(out.fn).to.equal("[Function named]");
    expect(out.sym).to.equal("Symbol(s)");
    expect(out).to.not.have.property("undef");
    expect(out.re).to.equal("/ab+/g");
  });

  it("records errors with type, message, code and cause", () => {
    const cause = new TypeError("inner");
    const e = Object.assign(new RangeError("outer", { cause }), { code: "E_RANGE" });
    const out = toJsonSafe(e) as Record<string, any>;
    expect(out.type).to.equal("RangeError");
    expect(out.message).to.equal("outer");
    expect(out.code).to.equal("E_RANGE");
    expect(out.cause.type).to.equal("TypeError");
    expect(out.stack).to.be.a("string").that.contains("outer");
  });

  it("records buffers and typed arrays as metadata, not bytes", () => {
    const out = toJsonSafe({ buf: Buffer.alloc(1000), f32: new Float32Array(10), ab: new ArrayBuffer(16) }) as Record<string, any>;
    expect(out.buf).to.deep.equal({ type: "Buffer", byteLength: 1000, length: 1000 });
    expect(out.f32).to.deep.equal({ type: "Float32Array", byteLength: 40, length: 10 });
    expect(out.ab).to.deep.equal({ type: "ArrayBuffer", byteLength: 16 });
  });

  it("names class instances as Flowcept does, unless they convert themselves", () => {
    class Model {
      w = 1;
    }
    class WithDict {
      toDict() {
        return { kind: "dict" };
      }
    }
    class WithFlowcept {
      toFlowceptDict() {
        return { kind: "flowcept" };
      }
      toJSON() {
        return "json";
      }
    }
    class WithJson {
      toJSON() {
        return { kind: "json" };
      }
    }
    const m = new Model();
    const a = toJsonSafe(m);
    expect(a).to.match(/^Model_instance_id_\d+$/);
    expect(toJsonSafe(m)).to.equal(a, "same object, same id");
    expect(toJsonSafe(new Model())).to.not.equal(a);
    expect(toJsonSafe(new WithDict())).to.deep.equal({ kind: "dict" });
    expect(toJsonSafe(new WithFlowcept())).to.deep.equal({ kind: "flowcept" });
    expect(toJsonSafe(new WithJson())).to.deep.equal({ kind: "json" });
  });

  it("marks cycles and excessive depth", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    a.list = [a];
    expect(toJsonSafe(a)).to.deep.equal({ name: "a", self: CIRCULAR, list: [CIRCULAR] });
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.next = {};
    const s = JSON.stringify(toJsonSafe(root, { maxBytes: 1e6, maxStringLength: 100, maxDepth: 5 }));
    expect(s).to.contain(MAX_DEPTH);
    // shared (non-cyclic) references are repeated, not marked
    const shared = { v: 1 };
    expect(toJsonSafe({ x: shared, y: shared })).to.deep.equal({ x: { v: 1 }, y: { v: 1 } });
  });

  it("survives getters and conversions that throw", () => {
    const o = {
      ok: 1,
      get bad(): number {
        throw new Error("boom");
      },
    };
    expect(toJsonSafe(o)).to.deep.equal({ ok: 1, bad: "[Thrown: boom]" });
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    expect(toJsonSafe({ hostile })).to.deep.equal({ hostile: "[Unreadable: no keys]" });
    class Bad {
      toJSON(): never {
        throw new Error("nope");
      }
    }
    expect(toJsonSafe(new Bad())).to.equal("[Thrown: nope]");
  });

  it("caps size with explicit truncation markers", () => {
    const limits = { maxBytes: 1000, maxStringLength: 50, maxDepth: 10 };
    const long = toJsonSafe("x".repeat(500), limits) as string;
    expect(long.startsWith("x".repeat(50))).to.equal(true);
    expect(long).to.contain("truncated 450 of 500 chars");
    const arr = toJsonSafe(Array.from({ length: 10_000 }, (_, i) => i), limits) as unknown[];
    expect(arr.length).to.be.lessThan(10_000);
    expect(String(arr[arr.length - 1])).to.match(/truncated \d+ of 10000 items/);
    const obj = toJsonSafe(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])), limits) as Record<string, unknown>;
    expect(obj[TRUNCATED_KEY]).to.match(/of 5000 keys dropped/);
    expect(JSON.stringify(obj).length).to.be.lessThan(2000);
  });

  it("redacts values under secret-looking keys", () => {
    const out = toJsonSafe({ user: "ann", password: "p", apiKey: "k", api_key: "k", nested: { auth_token: "t", Authorization: "Bearer x" }, tokens_used: 3 }) as Record<string, any>;
    expect(out.user).to.equal("ann");
    expect(out.password).to.equal(REDACTED);
    expect(out.apiKey).to.equal(REDACTED);
    expect(out.api_key).to.equal(REDACTED);
    expect(out.nested.auth_token).to.equal(REDACTED);
    expect(out.nested.Authorization).to.equal(REDACTED);
    expect(out.tokens_used).to.equal(3, "token counts are not secrets");
  });

  it("never throws", () => {
    const evil = new Proxy(function () {}, {
      get() {
        throw new Error("get");
      },
    });
    expect(() => safeStringify(evil)).to.not.throw();
    expect(() => safeStringify({ a: evil, b: [evil] })).to.not.throw();
  });
});
