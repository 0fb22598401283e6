import { expect } from "chai";
import { readFileSync } from "node:fs";
import { maskedCrc32c, scanTfRecords } from "../../../../instrumentations/file-observers/tensorboard/tfrecord-reader.js";
import { fixture, frameRecords, recordOffsets } from "../adapter-test-helpers.js";

const TB = "tensorboard";
/** Every event file of the fixtures with its record count from the fixture README. */
const EVENT_FILES: Array<[string, number]> = [
  [`${TB}/torch-scalars-3runs/run_1/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.3`, 331],
  [`${TB}/torch-scalars-3runs/run_2/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.4`, 361],
  [`${TB}/torch-scalars-3runs/run_3/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.5`, 391],
  [`${TB}/torch-scalars-duplicate-steps/run_1/events.out.tfevents.1622966509.janoshs-mbp.lan.86059.0`, 421],
  [`${TB}/tf2-tensor-scalars/train/events.out.tfevents.1637681485.2d662933d616.19.0.v2`, 21],
  [`${TB}/tf2-tensor-scalars/test/events.out.tfevents.1637681485.2d662933d616.19.1.v2`, 21],
  [`${TB}/lightning-hparams-scalars/lightning_logs/version_0/events.out.tfevents.1713773043.carls-gaming-linux.286970.0`, 15681],
  [`${TB}/lightning-hparams-scalars-partial/lightning_logs/version_0/events.out.tfevents.1713773043.carls-gaming-linux.286970.0`, 71],
  [`${TB}/tf1-keras-graph/events.out.tfevents.1585769947.cvp`, 105],
];

function scan(buf: Uint8Array) {
  const seen: Array<[number, number]> = [];
  const res = scanTfRecords(buf, (start, length) => seen.push([start, length]));
  return { ...res, seen };
}

describe("TFRecord framing", () => {
  it("computes TensorFlow's masked CRC32C", () => {
    // CRC32C("123456789") is 0xE3069283 (RFC 3720); masked = rotr15 + 0xa282ead8.
    const crc = 0xe3069283;
    const masked = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
    expect(maskedCrc32c(Buffer.from("123456789"))).to.equal(masked);
    expect(maskedCrc32c(new Uint8Array(0))).to.equal(0xa282ead8);
  });

  for (const [rel, count] of EVENT_FILES) {
    it(`reads every record of ${rel.split("/").slice(1, 2)}/…${rel.slice(-12)} with both checksums holding`, () => {
      const buf = readFileSync(fixture(rel));
      const res = scan(buf);
      expect(res.records).to.equal(count);
      expect(res.damage).to.deep.equal([]);
      expect(res.consumed).to.equal(buf.length);
      expect(res.pendingRecordBytes).to.equal(undefined);
    });
  }

  it("stops before a torn last record at every cut point and reports how much it needs", () => {
    const buf = readFileSync(fixture(EVENT_FILES[4]![0]));
    const offsets = recordOffsets(buf);
    const last = offsets[offsets.length - 1]!;
    for (let cut = last + 1; cut < buf.length; cut++) {
      const res = scan(buf.subarray(0, cut));
      expect(res.records, `cut at ${cut}`).to.equal(offsets.length - 1);
      expect(res.consumed).to.equal(last);
      expect(res.damage).to.deep.equal([]);
      expect(res.pendingRecordBytes).to.equal(cut - last >= 12 ? buf.length - last : undefined);
    }
  });

  it("skips a record whose payload checksum fails and keeps the rest", () => {
    const buf = Buffer.from(readFileSync(fixture(EVENT_FILES[4]![0])));
    const offsets = recordOffsets(buf);
    buf[offsets[5]! + 12 + 3]! ^= 0x40;
    const res = scan(buf);
    expect(res.records).to.equal(20);
    expect(res.damage).to.have.length(1);
    expect(res.damage[0]).to.include({ offset: offsets[5], kind: "payload", skipped: offsets[6]! - offsets[5]! });
    expect(res.consumed).to.equal(buf.length);
    expect(res.seen.map(([s]) => s - 12)).to.not.include(offsets[5]);
  });

  it("moves on to the next intact header when a length is damaged", () => {
    const buf = Buffer.from(readFileSync(fixture(EVENT_FILES[4]![0])));
    const offsets = recordOffsets(buf);
    buf[offsets[7]! + 1]! ^= 0x01;
    const res = scan(buf);
    expect(res.records).to.equal(20);
    expect(res.damage).to.deep.equal([{ offset: offsets[7], kind: "length", skipped: offsets[8]! - offsets[7]! }]);
    expect(res.consumed).to.equal(buf.length);
  });

  it("leaves the unchecked tail of damaged bytes for the next read", () => {
    const good = frameRecords([Buffer.from("abc")]);
    const buf = Buffer.concat([good, Buffer.alloc(40, 0xff)]);
    const res = scan(buf);
    expect(res.records).to.equal(1);
    expect(res.damage).to.have.length(1);
    // Offsets in the last 11 bytes cannot hold a checked header yet.
    expect(res.consumed).to.equal(buf.length - 11);
  });

  it("frames what it reads back to the same payloads", () => {
    const payloads = [Buffer.from(""), Buffer.from("x"), Buffer.alloc(70_000, 7)];
    const buf = frameRecords(payloads);
    const res = scan(buf);
    expect(res.seen.map(([s, l]) => Buffer.from(buf.subarray(s, s + l)))).to.deep.equal(payloads);
  });
});
