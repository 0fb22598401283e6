import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { SpillFile } from "../../../lib/records/SpillFile.js";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";

const HOST = hostname().replace(/[^A-Za-z0-9_.]/g, "_");

describe("SpillFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-spillfile-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends records readable with readBufferFile and reads them back in chunks", () => {
    const f = SpillFile.create(dir);
    f.append(Array.from({ length: 25 }, (_, i) => ({ type: "task", task_id: `t${i}`, used: { s: "é".repeat(i) } })));
    expect(readBufferFile(f.path).map((r) => r.task_id)).to.have.length(25);
    const a = f.readNext(10);
    expect(a.records.map((r) => r.task_id)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `t${i}`));
    f.advance(a.end);
    const b = f.readNext(100);
    expect(b.records).to.have.length(15);
    expect(b.records[14]!.used).to.deep.equal({ s: "é".repeat(24) });
    f.advance(b.end);
    expect(f.pending).to.equal(false);
    f.close();
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("releases a file with unwritten records, keeping only those, for another process to claim", () => {
    const f = SpillFile.create(dir);
    f.append([{ type: "task", task_id: "done" }, { type: "task", task_id: "left" }]);
    f.advance(f.readNext(1).end);
    f.close();
    const [name] = readdirSync(dir);
    expect(name).to.match(new RegExp(`^spill-${HOST}-0-\\d+-[0-9a-f]+\\.jsonl$`));
    expect(readBufferFile(join(dir, name!)).map((r) => r.task_id)).to.deep.equal(["left"]);
    const [claimed] = SpillFile.claimOrphans(dir);
    expect(claimed!.path).to.contain(`-${process.pid}-`);
    expect(claimed!.readNext(10, false).records.map((r) => r.task_id)).to.deep.equal(["left"]);
    claimed!.close();
  });

  it("claims files of dead processes but not of live ones, and skips a torn last line", () => {
    writeFileSync(join(dir, `spill-${HOST}-${process.pid}-1-aa.jsonl`), '{"type":"task","task_id":"mine"}\n');
    const dead = join(dir, `spill-${HOST}-999999999-2-bb.jsonl`);
    writeFileSync(dead, '{"type":"task","task_id":"orphan"}\nnot json\n');
    appendFileSync(dead, '{"type":"task","task_id":"to');
    const claimed = SpillFile.claimOrphans(dir);
    expect(claimed).to.have.length(1);
    const chunk = claimed[0]!.readNext(10, false);
    expect(chunk.records.map((r) => r.task_id)).to.deep.equal(["orphan"]);
    claimed[0]!.advance(chunk.end);
    expect(claimed[0]!.pending).to.equal(false);
    claimed[0]!.close();
    expect(readdirSync(dir)).to.deep.equal([`spill-${HOST}-${process.pid}-1-aa.jsonl`]);
  });
});
