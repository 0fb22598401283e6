import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { FlowceptQueryError } from "../../../lib/query/query-types.js";
import { diffWorkflows, formatWorkflowDiff } from "../../../lib/query/workflow-diff.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../../examples/main-workflow.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../../lib/cli/main.js", import.meta.url));

describe("run diff", function () {
  this.timeout(60_000);

  it("compares two runs of the example with one parameter changed: the argument, the tasks it reached, the rest the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-diff-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "" };
      delete env.FLOWCEPT_SETTINGS_PATH;
      await run(process.execPath, [EXAMPLE], { cwd: dir, env });
      await run(process.execPath, [EXAMPLE, "--lr", "0.05"], { cwd: dir, env });
      const db = new FlowceptDb({ backend: new LocalQueryBackend({ path: join(dir, "flowcept_buffer.jsonl") }) });
      const [b, a] = await db.workflowQuery({}, { sort: { started_at: -1 } });
      const d = await db.diffWorkflows(String(a!.workflow_id), String(b!.workflow_id), { durationRatio: 1000 });
      expect(d.metadata.map((m) => m.field)).to.deep.equal(["args.lr"]);
      expect(d.metadata[0]).to.deep.include({ a: 0.1, b: 0.05, ratio: 0.5 });
      expect(d.summary).to.deep.include({ matched: 138, only_in_a: 0, only_in_b: 0 });
      const changed = d.tasks.filter((t) => t.used.length || t.generated.length || t.status);
      // lr reaches every trainStep; the losses of epochs 1-4 change, and with them their iteration and validate tasks.
      expect(changed.map((t) => t.match).sort()).to.deep.equal(
        ["trainStep#0", "trainStep#1", "trainStep#2", "trainStep#3", "trainStep#4", "epochs_iteration[i=1]#0", "epochs_iteration[i=2]#0", "epochs_iteration[i=3]#0", "epochs_iteration[i=4]#0", "validate#1", "validate#2", "validate#3", "validate#4"].sort(),
      );
      const step1 = d.tasks.find((t) => t.match === "trainStep#1")!;
      expect(step1.used).to.deep.equal([{ field: "lr", a: 0.1, b: 0.05, ratio: 0.5 }]);
      expect(step1.generated[0]).to.deep.include({ field: "loss", a: 0.5, b: 1 / 1.5 });
      expect(step1.duration_ratio).to.be.a("number");
      const trainStep = d.activities.find((x) => x.activity_id === "trainStep")!;
      expect(trainStep).to.deep.include({ count_a: 5, count_b: 5 });
      expect(trainStep.mean_ratio).to.be.a("number");
      await db.close();

      const table = await run(process.execPath, [CLI, "diff", String(a!.workflow_id).slice(0, 8), String(b!.workflow_id).slice(0, 8), "--buffer-path", join(dir, "flowcept_buffer.jsonl")], { env });
      expect(table.stdout).to.match(/Workflow metadata that differs:\n\s+field\s+A\s+B\n\s+args\.lr\s+0\.1\s+0\.05\n/);
      expect(table.stdout).to.match(/trainStep\s+5\s+5\s+[\d.]+ ms\s+[\d.]+ ms\s+×[\d.]+/);
      expect(table.stdout).to.contain("trainStep#1: used.lr 0.1 → 0.05; generated.loss 0.5 → 0.6666666666666666");
      const json = await run(process.execPath, [CLI, "diff", String(a!.workflow_id), String(b!.workflow_id), "--json", "--buffer-path", join(dir, "flowcept_buffer.jsonl")], { env });
      expect(JSON.parse(json.stdout).metadata[0].field).to.equal("args.lr");
      const missing = await run(process.execPath, [CLI, "diff", String(a!.workflow_id), "ffffffff", "--buffer-path", join(dir, "flowcept_buffer.jsonl")], { env }).catch((e: { code: number; stderr: string }) => e);
      expect(missing).to.deep.include({ code: 1 });
      expect((missing as { stderr: string }).stderr).to.contain('no workflow "ffffffff"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports tasks only in one run, status changes, telemetry and machine differences", () => {
    const wf = (id: string, extra: Record<string, unknown>) => ({ workflow_id: id, name: "w", status: "FINISHED", started_at: 10, ended_at: 20, used: { n: 3 }, machine_info: { cpu: { count: 2 }, process: { pid: 1, node_version: "v20" } }, ...extra });
    const t = (id: string, activity: string, start: number, extra: Record<string, unknown> = {}) => ({ task_id: id, activity_id: activity, status: "FINISHED", started_at: start, ended_at: start + 1, ...extra });
    const d = diffWorkflows(
      { workflowId: "A", workflow: wf("A", {}), tasks: [t("a1", "load", 1, { telemetry_summary: { cpu: { user_time_diff: 1 } } }), t("a2", "fit", 2), t("a3", "fit", 3)] },
      { workflowId: "B", workflow: wf("B", { status: "ERROR", machine_info: { cpu: { count: 8 }, process: { pid: 2, node_version: "v22" } } }), tasks: [t("b1", "load", 1, { telemetry_summary: { cpu: { user_time_diff: 3 } } }), t("b2", "fit", 2, { status: "ERROR", ended_at: 30 }), t("b4", "plot", 4)] },
    );
    expect(d.metadata.map((m) => m.field)).to.deep.equal(["machine.cpu.count", "machine.process.node_version", "status", "versions.node_version"]);
    expect(d.only_in_a.map((x) => x.match)).to.deep.equal(["fit#1"]);
    expect(d.only_in_b.map((x) => x.match)).to.deep.equal(["plot#0"]);
    const load = d.tasks.find((x) => x.match === "load#0")!;
    expect(load.telemetry).to.deep.equal([{ field: "cpu.user_time_diff", a: 1, b: 3, ratio: 3 }]);
    const fit = d.tasks.find((x) => x.match === "fit#0")!;
    expect(fit.status).to.deep.equal({ a: "FINISHED", b: "ERROR" });
    expect(fit.duration_ratio).to.equal(28);
    expect(formatWorkflowDiff(d)).to.contain("fit#0: status FINISHED → ERROR; duration 1.00 s → 28.0 s (×28)");
    expect(formatWorkflowDiff(d)).to.contain("Only in A: fit#1");
  });

  it("refuses a workflow the store does not have", async () => {
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path: join(tmpdir(), "flowcept-none-diff.jsonl") }) });
    try {
      await db.diffWorkflows("x", "y");
      expect.fail("no error");
    } catch (err) {
      expect(err).to.be.instanceOf(FlowceptQueryError);
      expect((err as Error).message).to.match(/no workflow "x"/);
    }
  });
});
