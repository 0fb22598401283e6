import { expect } from "chai";
import fc from "fast-check";
import { formatTime, quote, recordToJson } from "../../../exporters/jsonl/record-line.js";
import { RawJson } from "../../../lib/records/RawJson.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";

const TIMES = ["started_at", "ended_at", "submitted_at", "registered_at", "utc_timestamp"];

/** What JSON.stringify writes, with times at the microsecond precision of the store. */
function expected(rec: Record<string, unknown>): unknown {
  const plain = JSON.parse(JSON.stringify(rec)) as Record<string, unknown>;
  for (const k of TIMES) {
    const t = plain[k];
    if (typeof t !== "number") continue;
    const r = Math.round(t * 1e6) / 1e6;
    plain[k] = Number.isFinite(r) ? r + 0 : t;
  }
  return plain;
}

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: "grapheme" }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined))),
  fc.json().map((t) => JSON.parse(t) as unknown),
  fc.date({ noInvalidDate: true }),
);

describe("recordToJson (the store's line writer)", () => {
  it("writes the JSON of any record: the same value as JSON.stringify, times to the microsecond", () => {
    const key = fc.oneof(fc.constantFrom("type", "task_id", "workflow_id", "activity_id", "status", "hostname", "used", "generated", "parent_task_id", ...TIMES), fc.string());
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, value), { minLength: 1, maxLength: 4 }), (recs) => {
        // Several records in a row: the values cached from one record must not leak into the next.
        for (const rec of recs) expect(JSON.parse(recordToJson(rec as FlowceptRecord))).to.deep.equal(expected(rec));
      }),
      { numRuns: 400 },
    );
  });

  it("reuses nothing of a record in the next one of the same shape", () => {
    const a = { type: "task", task_id: "a", workflow_id: "w1", used: { x: 1 }, started_at: 1.5, ended_at: 2.25, status: "FINISHED", utc_timestamp: 2.25 };
    const b = { type: "task", task_id: "b", workflow_id: "w2", used: { x: "two" }, started_at: 3, ended_at: 4.000001, status: "ERROR", utc_timestamp: 4.000002 };
    for (const rec of [a, b, a, a, b]) expect(JSON.parse(recordToJson(rec))).to.deep.equal(rec);
  });

  it("splices pre-serialised values, leaves out what JSON leaves out, escapes what JSON escapes", () => {
    const rec = { type: "task", task_id: 't"1\\', used: new RawJson('{"a":[1,2]}'), generated: { s: "line\nbreak\u2028", u: undefined, f: () => 1, n: NaN }, stdout: "é\ud800", custom_metadata: Object.assign(Object.create(null) as object, { k: 1 }), ended_at: Infinity } as unknown as FlowceptRecord;
    expect(recordToJson(rec)).to.equal(JSON.stringify(rec).replace('"used":{"a":[1,2]}', '"used":{"a":[1,2]}'));
    expect(JSON.parse(recordToJson(rec))).to.deep.equal(JSON.parse(JSON.stringify(rec)));
  });

  it("throws on a BigInt, as JSON.stringify does", () => {
    expect(() => recordToJson({ type: "task", task_id: "t", used: { n: 1n } } as unknown as FlowceptRecord)).to.throw(TypeError);
    expect(() => recordToJson({ type: "task", task_id: "t", n: 1n } as unknown as FlowceptRecord)).to.throw(TypeError);
  });

  it("formats times at microsecond precision and strings as JSON literals", () => {
    expect(formatTime(1796076515.817093)).to.equal("1796076515.817093");
    expect(formatTime(1796076515.817093)).to.equal("1796076515.817093");
    expect(formatTime(1796076515)).to.equal("1796076515");
    expect(formatTime(NaN)).to.equal("null");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(quote(s)).to.equal(JSON.stringify(s));
      }),
    );
  });
});
