import { createHash } from "node:crypto";
import { expect } from "chai";
import { DEFAULT_LINEAGE_RULE, LineageRuleError, canonicalJson, isNonTrivial, keyMatches, lineageRule, taskValues, valueId } from "../../../lib/query/lineage-rule.js";

describe("the lineage rule", () => {
  it("writes canonical JSON (RFC 8785): sorted keys, no white space, ECMAScript numbers", () => {
    expect(canonicalJson({ b: [1, { d: 1e21, c: -0 }], a: "é\n", "": null })).to.equal('{"":null,"a":"é\\n","b":[1,{"c":0,"d":1e+21}]}');
    // RFC 8785 §3.2.3: keys sorted by UTF-16 code units.
    expect(canonicalJson({ "\u20ac": 1, "\r": 2, "\ud83d\ude00": 3, "\u0080": 4, "1": 5 })).to.equal('{"\\r":2,"1":5,"\u0080":4,"\u20ac":1,"\ud83d\ude00":3}');
    expect(canonicalJson({ x: undefined, y: [undefined] })).to.equal('{"y":[null]}');
  });

  it("identifies a value by the SHA-256 of its canonical JSON, whatever its key order", () => {
    expect(valueId({ b: 2, a: 1 })).to.equal(createHash("sha256").update('{"a":1,"b":2}').digest("hex"));
    expect(valueId({ a: 1, b: 2 })).to.equal(valueId({ b: 2, a: 1 }));
    expect(valueId("1")).to.not.equal(valueId(1));
  });

  it("takes null, booleans, short strings, small integers and empty containers as trivial", () => {
    for (const v of [null, true, false, "", "a", "ab", 0, 1, -1, 42, 999, -999, {}, [], [0, 1, true], { a: 1 }, NaN, Infinity, undefined]) expect(isNonTrivial(v), JSON.stringify(v)).to.equal(false);
    for (const v of ["abc", "/data/x", 1000, -1000, 0.5, 1e-9, [0, "abc"], { nested: { v: 0.25 } }]) expect(isNonTrivial(v), JSON.stringify(v)).to.equal(true);
    const loose = lineageRule({ minStringLength: 1, minIntegerMagnitude: 0 });
    expect(isNonTrivial("a", loose)).to.equal(true);
    expect(isNonTrivial(0, loose)).to.equal(true);
    expect(isNonTrivial(true, loose)).to.equal(false);
  });

  it("lists a task's values with their keys, down to the depth and array length of the rule", () => {
    const task = { used: { path: "/in.csv", cfg: { lr: 0.01, layers: [128, 4096, "relu6"] }, flag: true }, generated: { out: "/out.csv" } };
    expect(taskValues(task).map((v) => `${v.role}.${v.key}`)).to.deep.equal(["used.path", "used.cfg", "used.cfg.lr", "used.cfg.layers", "used.cfg.layers.1", "used.cfg.layers.2", "generated.out"]);
    expect(taskValues(task, lineageRule({ maxDepth: 1 })).map((v) => v.key)).to.deep.equal(["path", "cfg", "out"]);
    expect(taskValues(task, lineageRule({ maxArrayItems: 1 })).map((v) => v.key)).to.not.include("used.cfg.layers.1");
    expect(taskValues({ used: "not an object", generated: null })).to.deep.equal([]);
    expect(taskValues(task)[0]).to.deep.equal({ role: "used", key: "path", value: "/in.csv", id: valueId("/in.csv") });
  });

  it("matches keys by whole path or by last key name", () => {
    expect(keyMatches("cfg.lr", "lr")).to.equal(true);
    expect(keyMatches("cfg.lr", "cfg.lr")).to.equal(true);
    expect(keyMatches("files.0", "files")).to.equal(true);
    expect(keyMatches("cfg.lr", "cfg")).to.equal(false);
  });

  it("fills defaults and refuses values out of range", () => {
    expect(lineageRule()).to.deep.equal(DEFAULT_LINEAGE_RULE);
    expect(lineageRule({ scope: "workflow", minStringLength: undefined }).scope).to.equal("workflow");
    expect(() => lineageRule({ maxDepth: 0 })).to.throw(LineageRuleError, /maxDepth must be an integer ≥ 1/);
    expect(() => lineageRule({ scope: "galaxy" as never })).to.throw(LineageRuleError, /scope must be "workflow" or "campaign"/);
    expect(() => lineageRule({ sameKey: "yes" as never })).to.throw(LineageRuleError, /sameKey must be true or false/);
  });
});
