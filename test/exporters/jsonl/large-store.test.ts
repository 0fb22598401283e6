import { expect } from "chai";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iterateBufferFile, readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";

const MIB = 1024 * 1024;

describe("a local store over 512 MiB (larger than any string V8 can hold)", function () {
  this.timeout(180_000);
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-large-"));
    path = join(dir, "flowcept_buffer.jsonl");
    // 100 tasks, each written 85 times with 64 KiB of data (later messages add keys): about 545 MiB.
    let block = "";
    for (let t = 0; t < 100; t++) block += `${JSON.stringify({ type: "task", task_id: `t${t}`, workflow_id: "wf-large", status: "RUNNING", used: { blob: "b".repeat(64 * 1024) } })}\n`;
    const fd = openSync(path, "w");
    try {
      for (let round = 0; round < 85; round++) writeSync(fd, round === 84 ? block.replace(/"RUNNING"/g, '"FINISHED"') : block);
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).size).to.be.greaterThan(512 * MIB);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("Flowcept.readBufferFile reads it and merges each task's messages", () => {
    const records = readBufferFile(path);
    expect(records).to.have.length(100);
    expect(records.every((r) => r.status === "FINISHED")).to.equal(true);
  });

  it("iterateBufferFile and the query API stream it", async () => {
    let n = 0;
    for await (const r of iterateBufferFile(path)) if (r.task_id === "t7") n++;
    expect(n).to.equal(85);
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const finished = await db.taskQuery({ status: "FINISHED" }, { projection: { task_id: 1 }, sort: { task_id: 1 }, limit: 3 });
    expect(finished).to.deep.equal([{ task_id: "t0" }, { task_id: "t1" }, { task_id: "t10" }]);
    await db.close();
  });
});
