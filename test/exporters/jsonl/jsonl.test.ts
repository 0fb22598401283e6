import { expect } from "chai";
import { execFile } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { JsonlRecordExporter } from "../../../exporters/jsonl/JsonlRecordExporter.js";
import { closeFile } from "../../../exporters/jsonl/file-appender.js";
import { iterateBufferFile, readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { configure, resetSettings } from "../../../lib/settings/settings-loader.js";

const run = promisify(execFile);

function records(prefix: string, n: number): FlowceptRecord[] {
  return Array.from({ length: n }, (_, i) => ({ type: "task", task_id: `${prefix}${i}`, workflow_id: prefix, used: { i, text: "x".repeat(i % 50) } }));
}

describe("JsonlRecordExporter (local store)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-jsonl-"));
  });
  afterEach(() => {
    closeFile();
    resetSettings();
  });

  it("round-trips records through the buffer file", async () => {
    const path = join(dir, "buf.jsonl");
    const exp = new JsonlRecordExporter({ path });
    exp.exportSync!(records("a", 3));
    await new Promise<void>((resolve) => exp.export(records("b", 2), () => resolve()));
    const back = readBufferFile(path);
    expect(back.map((r) => r.task_id)).to.deep.equal(["a0", "a1", "a2", "b0", "b1"]);
    expect(back[2]!.used).to.deep.equal({ i: 2, text: "xx" });
    const streamed: FlowceptRecord[] = [];
    for await (const r of iterateBufferFile(path)) streamed.push(r);
    expect(streamed).to.deep.equal(back);
  });

  it("keeps lines whole with concurrent writers in one process and across processes", async () => {
    const path = join(dir, "shared.jsonl");
    const writers = [new JsonlRecordExporter({ path }), new JsonlRecordExporter({ path })];
    const script = `
      import { JsonlRecordExporter } from ${JSON.stringify(new URL("../../../exporters/jsonl/JsonlRecordExporter.js", import.meta.url).href)};
      const e = new JsonlRecordExporter({ path: process.argv[1] });
      for (let b = 0; b < 50; b++) e.exportSync(Array.from({ length: 40 }, (_, i) => ({ type: "task", task_id: process.argv[2] + "-" + b + "-" + i, used: { pad: "y".repeat(200) } })));
    `;
    const children = [0, 1, 2].map((c) => run(process.execPath, ["--input-type=module", "-e", script, path, `child${c}`]));
    for (let b = 0; b < 50; b++) for (const [w, e] of writers.entries()) e.exportSync!(records(`w${w}-${b}-`, 40));
    await Promise.all(children);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).to.have.length(5 * 50 * 40);
    for (const l of lines) expect(() => JSON.parse(l)).to.not.throw();
  });

  it("tolerates a torn last line and skips corrupt lines", () => {
    const path = join(dir, "torn.jsonl");
    writeFileSync(path, `${JSON.stringify({ type: "task", task_id: "1" })}\nnot json\n${JSON.stringify({ type: "task", task_id: "2" })}\n{"type":"task","task_`);
    expect(readBufferFile(path).map((r) => r.task_id)).to.deep.equal(["1", "2"]);
    appendFileSync(path, 'id":"3"}\n');
    expect(readBufferFile(path).map((r) => r.task_id)).to.deep.equal(["1", "2", "3"]);
  });

  it("starts on a new line when the file ends with a torn line, so the next record is not lost", () => {
    const path = join(dir, "torn-then-next.jsonl");
    writeFileSync(path, `${JSON.stringify({ type: "task", task_id: "whole" })}\n{"type":"task","task_id":"cut-sh`);
    new JsonlRecordExporter({ path }).exportSync!(records("next-", 2));
    expect(readBufferFile(path).map((r) => r.task_id)).to.deep.equal(["whole", "next-0", "next-1"]);
    expect(readFileSync(path, "utf8").split("\n")[1]).to.equal('{"type":"task","task_id":"cut-sh');
  });

  it("follows dump_buffer settings: path suffixes and delete_previous_file", () => {
    const base = join(dir, "flowcept_buffer.jsonl");
    configure({ project: { dump_buffer: { path: base, append_workflow_id_to_path: true, append_id_to_path: true } } });
    const exp = new JsonlRecordExporter();
    exp.exportSync!([...records("wfA", 2), ...records("wfB", 3)]);
    const files = readdirSync(dir)
      .filter((f) => !f.startsWith("."))
      .sort();
    expect(files).to.have.length(2);
    expect(files[0]).to.match(/^flowcept_buffer_wfA_.+-\d+\.jsonl$/);
    expect(readBufferFile(join(dir, files[1]!))).to.have.length(3);
    expect(existsSync(base)).to.equal(false);

    resetSettings();
    const fresh = join(dir, "fresh.jsonl");
    writeFileSync(fresh, `${JSON.stringify({ type: "task", task_id: "old" })}\n`);
    configure({ project: { dump_buffer: { path: fresh, delete_previous_file: true } } });
    const e2 = new JsonlRecordExporter();
    // The process that records a workflow empties the file when it first writes it.
    e2.exportSync!([{ type: "workflow", workflow_id: "wf-new" }, ...records("n", 1)]);
    e2.exportSync!(records("m", 1));
    expect(readBufferFile(fresh).map((r) => r.task_id ?? r.workflow_id)).to.deep.equal(["wf-new", "n0", "m0"]);
  });

  it("writes where the settings say at each write: a changed path, or a relative path after the working folder changed", () => {
    const exp = new JsonlRecordExporter();
    configure({ project: { dump_buffer: { path: join(dir, "first.jsonl") } } });
    exp.exportSync!(records("f", 2));
    configure({ project: { dump_buffer: { path: join(dir, "second.jsonl") } } });
    exp.exportSync!(records("s", 1));
    expect(readBufferFile(join(dir, "first.jsonl")).map((r) => r.task_id)).to.deep.equal(["f0", "f1"]);
    expect(readBufferFile(join(dir, "second.jsonl")).map((r) => r.task_id)).to.deep.equal(["s0"]);
    const script = `
      import { JsonlRecordExporter } from ${JSON.stringify(new URL("../../../exporters/jsonl/JsonlRecordExporter.js", import.meta.url).href)};
      import { configure } from ${JSON.stringify(new URL("../../../lib/settings/settings-loader.js", import.meta.url).href)};
      import { mkdirSync } from "node:fs";
      configure({ project: { dump_buffer: { path: "rel.jsonl" } } });
      const e = new JsonlRecordExporter();
      process.chdir(process.argv[1]);
      e.exportSync([{ type: "task", task_id: "one" }]);
      mkdirSync("sub");
      process.chdir("sub");
      e.exportSync([{ type: "task", task_id: "two" }]);
    `;
    return run(process.execPath, ["--input-type=module", "-e", script, dir]).then(() => {
      expect(readBufferFile(join(dir, "rel.jsonl")).map((r) => r.task_id)).to.deep.equal(["one"]);
      expect(readBufferFile(join(dir, "sub", "rel.jsonl")).map((r) => r.task_id)).to.deep.equal(["two"]);
    });
  });

  it("writes batches larger than its line buffer and text outside ASCII byte for byte", () => {
    const path = join(dir, "big.jsonl");
    const exp = new JsonlRecordExporter({ path });
    const big = "é✓😀\u2028\"\\".repeat(100_000); // ~1 MB of UTF-8 in one line
    const batch: FlowceptRecord[] = [{ type: "task", task_id: "big", used: { big } }, ...records("after", 300), { type: "task", task_id: "ünï", used: { s: "naïve" } }];
    exp.exportSync!(batch);
    exp.exportSync!(records("next", 2));
    const back = readBufferFile(path);
    expect(back.map((r) => r.task_id)).to.deep.equal(["big", ...records("after", 300).map((r) => r.task_id), "ünï", "next0", "next1"]);
    expect((back[0]!.used as { big: string }).big).to.equal(big);
    expect(readFileSync(path).length).to.equal(Buffer.byteLength(batch.concat(records("next", 2)).map((r) => JSON.stringify(r) + "\n").join("")));
  });

  it("keeps history across runs by default", () => {
    const path = join(dir, "history.jsonl");
    writeFileSync(path, `${JSON.stringify({ type: "task", task_id: "run1" })}\n`);
    configure({ project: { dump_buffer: { path } } });
    new JsonlRecordExporter().exportSync!(records("run2-", 1));
    expect(readBufferFile(path).map((r) => r.task_id)).to.deep.equal(["run1", "run2-0"]);
  });
});
