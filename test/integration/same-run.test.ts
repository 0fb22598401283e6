/**
 * The same small workflow captured by Python Flowcept and by flowcept-otel,
 * with the same settings file: the records' field names and value types side
 * by side. Every difference must be listed, with its reason, in
 * docs/flowcept-compatibility.md; a listed difference that no longer occurs
 * fails too, so the list stays true.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";
import { DIST, REPO_ROOT } from "../support/paths.js";
import { usePeers } from "./support/peers.js";
import { runPython, writeOfflineSettings } from "./support/python-flowcept.js";
import { compareShapes, covers, intendedDifferences, recordShapes, type ShapeRow } from "./support/record-shapes.js";
import { outputDir } from "./support/stack.js";

const APP = join(DIST, "test", "integration", "children", "same-run-app.js");
const DOC = join(REPO_ROOT, "docs", "flowcept-compatibility.md");

function runApp(cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [APP], { cwd, env: { ...process.env, HOME: cwd, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`same-run-app: ${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

describe("integration: the same run captured by Python Flowcept and by flowcept-otel", function () {
  const peers = usePeers("flowcept");
  let rows: ReturnType<typeof compareShapes>;

  before(async () => {
    const dir = outputDir("same-run");
    const pyBuffer = join(dir, "python_flowcept.jsonl");
    const ourBuffer = join(dir, "flowcept_otel.jsonl");
    const pyId = (await runPython(peers.flowcept, "flowcept_offline_run.py", ["same_run", "2"], { cwd: dir, env: { FLOWCEPT_SETTINGS_PATH: writeOfflineSettings(dir, pyBuffer) } })).trim();
    // The same settings file; flowcept-otel reads Flowcept's keys (telemetry_capture, dump_buffer).
    const ourId = await runApp(dir, { FLOWCEPT_SETTINGS_PATH: join(dir, "settings.yaml"), BUFFER_PATH: ourBuffer });
    const theirs = readBufferFile(pyBuffer).filter((r) => r.workflow_id === pyId);
    const ours = readBufferFile(ourBuffer).filter((r) => r.workflow_id === ourId);
    rows = compareShapes(recordShapes(theirs), recordShapes(ours));
    const width = Math.max(...rows.map((r) => `${r.record}  ${r.field}`.length));
    process.stdout.write(`\n      record / field${" ".repeat(Math.max(0, width - 14))}  Python Flowcept  flowcept-otel\n`);
    for (const r of rows) {
      const name = `${r.record}  ${r.field}`;
      process.stdout.write(`      ${name.padEnd(width)}  ${r.flowcept.padEnd(15)}  ${r.ours}${r.same ? "" : "   ≠"}\n`);
    }
    process.stdout.write(`      ${rows.filter((r) => r.same).length} fields alike, ${rows.filter((r) => !r.same).length} different\n\n`);
  });

  it("writes the same records: a workflow and the same task activities", () => {
    const records = new Set(rows.map((r) => r.record));
    for (const r of ["workflow", "task inner", "task outer", "task epochs_iteration", "task download", "task fails"]) expect(records, r).to.include(r);
  });

  it("agrees on the core fields of every task and of the workflow", () => {
    const core = ["task_id", "workflow_id", "activity_id", "used", "started_at", "status"];
    for (const r of rows.filter((r) => r.record.startsWith("task ") && core.includes(r.field) && r.flowcept !== "absent")) {
      expect(r.ours, `${r.record}.${r.field}`).to.equal(r.flowcept);
    }
    for (const field of ["workflow_id", "campaign_id", "name", "used", "started_at", "ended_at", "status", "flowcept_version", "user", "sys_name", "interceptor_ids", "utc_timestamp"]) {
      const row = rows.find((r) => r.record === "workflow" && r.field === field)!;
      expect(row.ours, `workflow.${field}`).to.equal(row.flowcept);
    }
  });

  it("differs only where docs/flowcept-compatibility.md says so, and the list names no difference that no longer occurs", () => {
    const listed = intendedDifferences(DOC);
    const different: ShapeRow[] = rows.filter((r) => !r.same);
    const unlisted = different.filter((d) => !listed.some((l) => covers(l, d)));
    const stale = listed.filter((l) => !different.some((d) => covers(l, d)));
    const show = (r: ShapeRow): string => `| ${r.record} | \`${r.field}\` | ${r.flowcept} | ${r.ours} |`;
    expect(unlisted.map(show), "differences not listed in docs/flowcept-compatibility.md").to.deep.equal([]);
    expect(stale.map(show), "listed differences that no longer occur").to.deep.equal([]);
  });
});
