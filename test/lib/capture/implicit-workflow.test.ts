import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { TaskRecord, WorkflowRecord } from "../../../lib/records/records.js";
import { CHILDREN, DIST, REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);

describe("tasks outside any workflow belong to the process's implicit workflow", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-implicit-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("one workflow record per process (script name, redacted arguments, exit status); Flowcept.run nests in it; the CLI finds it", async () => {
    const path = join(dir, "buf.jsonl");
    const err = await run(process.execPath, ["--import", "flowcept-otel/register", join(CHILDREN, "implicit-app.js"), "--password", "hunter2", "data.csv"], {
      cwd: REPO_ROOT,
      env: { ...process.env, BUFFER_PATH: path, EXIT_CODE: "3" },
    }).catch((e: { code: number }) => e);
    expect((err as { code: number }).code).to.equal(3);
    const records = readBufferFile(path);
    const workflows = records.filter((r): r is WorkflowRecord => r.type === "workflow");
    expect(workflows).to.have.length(2);
    const implicit = workflows.find((w) => w.subtype === "process")!;
    expect(implicit).to.deep.include({
      name: "implicit-app.js",
      status: "ERROR",
      stderr: "process exited with code 3",
      generated: { exit_code: 3 },
    });
    expect(implicit.used).to.deep.include({ args: ["--password", "[REDACTED]", "data.csv"] });
    expect(implicit.ended_at).to.be.a("number");
    const child = workflows.find((w) => w.name === "training")!;
    expect(child).to.include({ parent_workflow_id: implicit.workflow_id, status: "FINISHED" });
    const tasks = records.filter((r): r is TaskRecord => r.type === "task");
    const outside = tasks.filter((t) => t.workflow_id === implicit.workflow_id).map((t) => t.activity_id);
    expect(outside.sort()).to.deep.equal(["count", "prepare"]);
    expect(tasks.filter((t) => t.workflow_id === child.workflow_id).map((t) => t.activity_id)).to.deep.equal(["prepare"]);

    const cli = join(DIST, "lib", "cli", "main.js");
    const listed = JSON.parse((await run(process.execPath, [cli, "workflows", "--json", "--buffer-path", path], { cwd: dir })).stdout) as { workflow_id: string; tasks: number }[];
    expect(listed.find((w) => w.workflow_id === implicit.workflow_id)).to.include({ tasks: 2 });
    const shown = (await run(process.execPath, [cli, "show", implicit.workflow_id, "--json", "--buffer-path", path], { cwd: dir })).stdout;
    expect(shown).to.include("prepare").and.include(implicit.workflow_id);
  });

  it("a normal end is FINISHED with exit code 0", async () => {
    const path = join(dir, "buf.jsonl");
    await run(process.execPath, ["--import", "flowcept-otel/register", join(CHILDREN, "implicit-app.js")], { cwd: REPO_ROOT, env: { ...process.env, BUFFER_PATH: path } });
    const implicit = readBufferFile(path).find((r) => r.type === "workflow" && r.subtype === "process")!;
    expect(implicit).to.deep.include({ status: "FINISHED", generated: { exit_code: 0 }, used: { script: join(CHILDREN, "implicit-app.js"), args: [], pid: (implicit.used as { pid: number }).pid } });
  });
});
