import { expect } from "chai";
import { escapeKey, escapeKeys, unescapeKey, unescapeKeys } from "../../../exporters/mongo/mongo-keys.js";

describe("mongo-keys", () => {
  it("escapes what MongoDB refuses and nothing else, reversibly", () => {
    const cases: [string, string][] = [
      ["plain", "plain"],
      ["$set", "%24set"],
      ["a$b", "a$b"],
      ["a.b.c", "a%2Eb%2Ec"],
      ["nul\0", "nul%00"],
      ["100%", "100%25"],
      ["%2E", "%252E"],
      ["$.%", "%24%2E%25"],
    ];
    for (const [raw, escaped] of cases) {
      expect(escapeKey(raw)).to.equal(escaped);
      expect(unescapeKey(escaped)).to.equal(raw);
    }
  });

  it("walks nested objects and arrays, copying only what changes", () => {
    const clean = { a: { b: [1, { c: 2 }] } };
    expect(escapeKeys(clean)).to.equal(clean);
    const date = new Date(0);
    const dirty = { keep: clean.a, list: [{ "x.y": 1 }, 2], when: date, deep: { $in: { "k.k": [{ $or: 1 }] } } };
    const escaped = escapeKeys(dirty);
    expect(escaped).to.deep.equal({ keep: clean.a, list: [{ "x%2Ey": 1 }, 2], when: date, deep: { "%24in": { "k%2Ek": [{ "%24or": 1 }] } } });
    expect(escaped.keep).to.equal(clean.a);
    expect(escaped.when).to.equal(date);
    expect(unescapeKeys(escaped)).to.deep.equal(dirty);
    expect(Object.keys(dirty.deep)).to.deep.equal(["$in"]);
  });
});
