import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { runCliProcess } from "../../support/run-cli.js";
import { startMongoTarget, type MongoTarget } from "../../support/mongo-target.js";

const W1 = "11111111-1111-4111-8111-111111111111";

const cli = runCliProcess;

describe("flowcept-otel CLI", function () {
  this.timeout(30_000);
  let dir: string;
  let env: Record<string, string>;
  let target: MongoTarget;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-cli-"));
    const store = join(dir, "store.jsonl");
    const lines = [
      { type: "workflow", workflow_id: W1, name: "training", status: "RUNNING", started_at: 1700000000 },
      { type: "task", task_id: "t1", workflow_id: W1, activity_id: "load", status: "FINISHED", started_at: 1700000001, ended_at: 1700000002, used: { path: "a,b" } },
      { type: "task", task_id: "t2", workflow_id: W1, activity_id: "fit", status: "ERROR", started_at: 1700000003, ended_at: 1700000004.25, parent_task_id: "t1" },
      { type: "workflow", workflow_id: W1, status: "FINISHED", ended_at: 1700000010 },
    ];
    writeFileSync(store, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${store}\n`);
    env = { FLOWCEPT_SETTINGS_PATH: settings };
    target = await startMongoTarget();
  });
  after(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("queries the local store named by settings, as a table or as JSON", async () => {
    const json = await cli(["query", '{"status": "ERROR"}', "--json"], env);
    expect(json.code).to.equal(0);
    expect((JSON.parse(json.stdout) as Record<string, unknown>[]).map((t) => t.task_id)).to.deep.equal(["t2"]);
    const table = await cli(["query", "{}", "--sort", '{"started_at": -1}', "--projection", '{"task_id": 1, "status": 1}', "--limit", "1"], env);
    expect(table.code).to.equal(0);
    const rows = table.stdout.trim().split("\n");
    expect(rows[0]).to.match(/^task_id\s+status$/);
    expect(rows[2]).to.match(/^t2\s+ERROR$/);
    expect(rows).to.have.length(3);
    const wf = await cli(["--json", "query", "{}", "--collection", "workflows"], env);
    expect((JSON.parse(wf.stdout) as Record<string, unknown>[])[0]).to.include({ workflow_id: W1, name: "training", status: "FINISHED" });
  });

  it("show prints a workflow's summary (the latest by default), as text or JSON", async () => {
    const r = await cli(["show", W1], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`Workflow "training" ${W1}`);
    expect(r.stdout).to.contain("status:    FINISHED");
    expect(r.stdout).to.match(/tasks:\s+2 \(ERROR 1, FINISHED 1\)/);
    expect(r.stdout).to.match(/\n\s+fit\s+1\s+1\.2\d? s/);
    const latest = await cli(["show", "--json"], env);
    const summary = JSON.parse(latest.stdout) as { workflow_id: string; task_count: number; activities: { activity_id: string }[] };
    expect(summary.workflow_id).to.equal(W1);
    expect(summary.task_count).to.equal(2);
    const missing = await cli(["show", "no-such-workflow"], env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain(`no workflow "no-such-workflow" in ${join(dir, "store.jsonl")}`);
  });

  it("watch --once --json prints the records one scan of an adapter finds", async () => {
    const logdir = fileURLToPath(new URL("../../fixtures/tensorboard/tf2-tensor-scalars", import.meta.url)).replace("/dist/test/", "/test/");
    const r = await cli(["watch", "tensorboard", logdir, "--once", "--json"], env);
    expect(r.code, r.stderr).to.equal(0);
    const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
    expect(records.map((t) => t.generated?.accuracy !== undefined)).to.deep.equal([true, true]);
    const bad = await cli(["watch", "tensorboard", join(dir, "missing-logdir"), "--once"], env);
    expect(bad.code).to.not.equal(0);
  });

  it("exports a query to a file (no progress lines when stderr is not a terminal)", async () => {
    const out = join(dir, "out.csv");
    const r = await cli(["query", '{"workflow_id": "' + W1 + '"}', "--output", out, "--format", "csv", "--projection", '{"task_id": 1, "used": 1}'], env);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain(`2 records written to ${out}`);
    expect(r.stderr).to.equal("");
    expect(readFileSync(out, "utf8")).to.equal('task_id,used.path\nt1,"a,b"\nt2,\n');
  });

  it("lists workflows with task counts and duration, and the tasks of one", async () => {
    const r = await cli(["workflows", "--json"], env);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([{ workflow_id: W1, name: "training", status: "FINISHED", tasks: 2, finished: 1, errors: 1, started_at: 1700000000, duration: 10 }]);
    const table = await cli(["workflows"], env);
    expect(table.stdout).to.match(/training\s+FINISHED\s+2\s+1\s+1\s+2023-11-14T22:13:20.000Z\s+10.0 s/);
    const tasks = await cli(["tasks", "--workflow-id", W1], env);
    expect(tasks.code).to.equal(0);
    expect(tasks.stdout).to.match(/t2\s+fit\s+ERROR\s+t1\s+2023-11-14T22:13:23.000Z\s+1.25 s/);
  });

  it("names what was wrong, with a non-zero exit", async () => {
    const badFilter = await cli(["query", "{bad"], env);
    expect(badFilter.code).to.equal(1);
    expect(badFilter.stderr).to.match(/^flowcept-otel: error: the filter is not valid JSON .*: \{bad\n$/);
    const badProjection = await cli(["query", "{}", "--projection", "[1"], env);
    expect(badProjection.stderr).to.contain("--projection is not valid JSON");
    const badOperator = await cli(["query", '{"status": {"$bogus": 1}}'], env);
    expect(badOperator.code).to.equal(1);
    expect(badOperator.stderr).to.contain("$bogus");
    const badLimit = await cli(["query", "{}", "--limit", "-3"], env);
    expect(badLimit.code).to.equal(2);
    expect(badLimit.stderr).to.contain("expected a non-negative integer");
    const badCollection = await cli(["query", "{}", "--collection", "nope"], env);
    expect(badCollection.code).to.equal(2);
    expect(badCollection.stderr).to.contain("Allowed choices are tasks, workflows, agents, objects");
    const unknownCommand = await cli(["taks"], env);
    expect(unknownCommand.code).to.equal(2);
    expect(unknownCommand.stderr).to.contain("(Did you mean tasks?)");
    const badSettings = join(dir, "bad.yaml");
    writeFileSync(badSettings, "db_buffer:\n  buffer_size: lots\n");
    const settingsErr = await cli(["--settings", badSettings, "query", "{}"]);
    expect(settingsErr.code).to.equal(1);
    expect(settingsErr.stderr).to.contain('bad.yaml (key "db_buffer.buffer_size"): expected number');
  });

  it("init-settings writes every key once and will not overwrite without --force", async () => {
    const path = join(dir, "new", "settings.yaml");
    const first = await cli(["init-settings", "--path", path]);
    expect(first.code).to.equal(0);
    const doc = parseYaml(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
    expect(doc.db_buffer).to.include({ buffer_size: 512, spill_dir: "flowcept_spill" });
    expect(doc.databases!.mongodb).to.include({ db: "flowcept", enabled: false });
    const again = await cli(["init-settings", "--path", path]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain("already exists; pass --force");
    expect((await cli(["init-settings", "--path", path, "--force"])).code).to.equal(0);
  });

  it("check reports an unconfigured or unreachable MongoDB and missing indexes", async () => {
    const none = await cli(["check"], env);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain("MongoDB is not configured");
    const down = await cli(["--mongo-uri", "mongodb://127.0.0.1:9/?directConnection=true", "check", "--timeout", "300"], env);
    expect(down.code).to.equal(1);
    expect(down.stderr).to.contain("MongoDB at mongodb://127.0.0.1:9/?directConnection=true is unreachable");
    const dbName = target.freshDb();
    const missing = await cli(["--mongo-uri", target.uri, "--db", dbName, "check", "--json"], env);
    expect(missing.code).to.equal(1);
    const report = JSON.parse(missing.stdout) as { reachable: boolean; ok: boolean; collections: { collection: string; missing: string }[] };
    expect(report.reachable).to.equal(true);
    expect(report.ok).to.equal(false);
    expect(report.collections.find((c) => c.collection === "tasks")!.missing).to.equal("task_id, workflow_id, parent_task_id, campaign_id, agent_id");
    expect(missing.stderr).to.contain("check --create-indexes");
    const fixed = await cli(["--mongo-uri", target.uri, "--db", dbName, "check", "--create-indexes"], env);
    expect(fixed.code).to.equal(0);
    expect(fixed.stdout).to.match(/tasks\s+5\s+true/);
  });

  it("replays spill files into MongoDB, then queries MongoDB", async () => {
    const dbName = target.freshDb();
    const spill = join(dir, "spill");
    mkdirSync(spill, { recursive: true });
    const records = [1, 2, 3].map((i) => ({ type: "task", task_id: `s${i}`, workflow_id: W1, status: "FINISHED" }));
    writeFileSync(join(spill, `spill-${hostname().replace(/[^A-Za-z0-9_.]/g, "_")}-0-1700000000000-abcdef01.jsonl`), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await cli(["--mongo-uri", target.uri, "--db", dbName, "replay", "--spill-dir", spill], env);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("replayed 3 records from 1 spill file(s)");
    expect(r.stderr).to.equal("");
    expect(readdirSync(spill).filter((n) => n.startsWith("spill-"))).to.deep.equal([]);
    const q = await cli(["--mongo-uri", target.uri, "--db", dbName, "--json", "query", "{}", "--sort", '{"task_id": 1}', "--projection", '{"task_id": 1}'], env);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ task_id: "s1" }, { task_id: "s2" }, { task_id: "s3" }]);
    const missingDir = await cli(["--mongo-uri", target.uri, "replay", "--spill-dir", join(dir, "nowhere")], env);
    expect(missingDir.code).to.equal(1);
    expect(missingDir.stderr).to.contain("does not exist");
  });
});
