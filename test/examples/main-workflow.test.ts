import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";

const run = promisify(execFile);
const EXAMPLE = new URL("../../examples/main-workflow.js", import.meta.url).pathname;

describe("the README's main job (examples/main-workflow)", function () {
  this.timeout(30_000);

  it("captures the example workflow to the local store and prints its summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-example-"));
    try {
      const env = { ...process.env };
      delete env.FLOWCEPT_SETTINGS_PATH;
      const first = await run(process.execPath, [EXAMPLE], { cwd: dir, env });
      expect(first.stdout).to.match(/Workflow "example_pipeline" [0-9a-f-]{36}/);
      expect(first.stdout).to.contain("status:    FINISHED");
      expect(first.stdout).to.match(/tasks:\s+138 \(ERROR 1, FINISHED 137\)/);
      for (const activity of ["download", "preprocess", "normalize", "trainStep", "epochs_iteration", "validate", "score"]) {
        expect(first.stdout).to.match(new RegExp(`\\n\\s+${activity}\\s+\\d+`));
      }
      expect(first.stdout).to.contain(join(dir, "flowcept_buffer.jsonl"));
      const records = readBufferFile(join(dir, "flowcept_buffer.jsonl"));
      const normalize = records.filter((r) => r.activity_id === "normalize");
      const preprocess = records.find((r) => r.activity_id === "preprocess")!;
      expect(normalize).to.have.length(20);
      expect(normalize.every((r) => r.parent_task_id === preprocess.task_id)).to.equal(true);
      // a second run appends to the store: history is kept
      await run(process.execPath, [EXAMPLE], { cwd: dir, env });
      expect(readBufferFile(join(dir, "flowcept_buffer.jsonl")).filter((r) => r.type === "workflow")).to.have.length(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
