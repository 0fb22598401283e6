import { expect } from "chai";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import type { TaskRecord } from "../../../../lib/records/records.js";
import type { AdapterConfig } from "../../../../instrumentations/file-observers/adapter-config.js";
import { createAdapter } from "../../../../instrumentations/file-observers/create-adapter.js";
import { mlflowStatusName, taskStatusOfMlflow } from "../../../../instrumentations/file-observers/mlflow/mlflow-status.js";
import { parseMetricLines } from "../../../../instrumentations/file-observers/mlflow/mlflow-file-store.js";
import { captureDiag, collector, copyFixture, fixture, removeTemps, tempDir, waitFor } from "../adapter-test-helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DB = "mlflow/sqlite-mlflow3/mlflow.db";
const LSTM = "e609cfdba19441ca9ef9f33888addbde";
const KNN_RUNNING = "57acbb04d1ee4f5787573949fe6eccce";
const FILE_RUN = "d01fc81e11e842f5b9556ae04136c0d3";

async function scan(path: string, config: Partial<AdapterConfig> = {}, opts = {}) {
  const c = collector();
  const adapter = createAdapter("mlflow", { file_path: path, state_file: false, ...config }, c.sink, opts);
  const records = await adapter.scanOnce();
  return { adapter, records, c };
}

function byId(records: TaskRecord[]): Record<string, TaskRecord> {
  return Object.fromEntries(records.map((r) => [r.task_id, r]));
}

/** Runs SQL against a SQLite file with sql.js and writes it back, as another process would. */
async function editDb(path: string, statements: string[]): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    for (const s of statements) db.run(s);
    writeFileSync(path, db.export());
  } finally {
    db.close();
  }
}

function insertRun(id: string, status: string, start: number, end: number | null, name: string): string {
  return (
    "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) " +
    `VALUES ('${id}', '${name}', 'LOCAL', 'x', '', 'tester', '${status}', ${start}, ${end ?? "NULL"}, '', 'active', '/tmp/a', 1)`
  );
}

describe("MLflow adapter", () => {
  afterEach(removeTemps);

  describe("SQLite store (MLflow 3.x fixture)", () => {
    it("makes one task per run with params, latest metrics, times, status, tags and experiment", async () => {
      const { records, adapter } = await scan(fixture(DB));
      expect(records).to.have.length(40);
      expect(records.filter((r) => r.status === "FINISHED")).to.have.length(39);
      expect(records.filter((r) => r.status === "RUNNING").map((r) => r.task_id)).to.deep.equal([KNN_RUNNING]);
      expect(records.filter((r) => r.status === "FINISHED" && r.used && r.generated)).to.have.length(17);

      const lstm = byId(records)[LSTM]!;
      expect(lstm).to.include({ type: "task", adapter_id: "mlflow", activity_id: "LSTM", status: "FINISHED", user: "cacelas" });
      expect(Object.keys(lstm.used!)).to.have.length(13);
      expect(lstm.used).to.include({ hidden_size: "64", num_layers: "2", dropout: "0.3", lr: "0.001", batch_size: "256", max_epochs: "50" });
      expect(Object.keys(lstm.generated!)).to.deep.equal(["best_val_loss", "train_loss", "val_loss", "val_rec_riesgo_calor", "val_rec_riesgo_frio"]);
      expect(lstm.generated!.val_loss).to.be.closeTo(1.8707, 1e-4);
      expect(lstm.custom_metadata!.metric_steps).to.deep.equal({ best_val_loss: 0, train_loss: 14, val_loss: 14, val_rec_riesgo_calor: 14, val_rec_riesgo_frio: 14 });
      expect(lstm.started_at).to.equal(1783669569.846);
      expect(lstm.ended_at).to.equal(1783670294.801);
      expect(lstm.custom_metadata).to.include({ mlflow_status: "FINISHED", experiment_id: "1", experiment_name: "climasafeai", store_type: "sqlite" });
      expect(Object.keys(lstm.custom_metadata!.tags as object).sort()).to.deep.equal(["mlflow.runName", "mlflow.source.name", "mlflow.source.type", "mlflow.user"]);
      expect(lstm.custom_metadata!.artifact_uri).to.match(/^\/home\/cacelas\/.*\/mlruns\/1\/e609/);

      const knn = byId(records)[KNN_RUNNING]!;
      expect(knn.ended_at).to.equal(undefined);
      expect(knn.started_at).to.equal(1783505397.357);
      expect(Object.values(knn)).to.not.include(null);

      const wf = new Set(records.map((r) => r.workflow_id));
      expect(wf.size).to.equal(1);
      expect([...wf][0]).to.match(UUID);
      expect(adapter.counters).to.include({ files: 1, bytes: 1163264, records: 40, corrupt: 0, emitted: 40 });
    });

    it("records runs with no params or no metrics", async () => {
      // Counted in the fixture with SQL: 17 runs have no params, 6 have no metrics.
      const { records } = await scan(fixture(DB));
      expect(records.filter((r) => !r.used)).to.have.length(17);
      expect(records.filter((r) => !r.generated)).to.have.length(6);
      expect(records.filter((r) => !r.generated).map((r) => r.activity_id)).to.include("KNN");
    });

    it("applies log_params and log_metrics", async () => {
      const { records } = await scan(fixture(DB), { log_params: ["lr", "batch_*"], log_metrics: ["val_loss"] });
      const lstm = byId(records)[LSTM]!;
      expect(lstm.used).to.deep.equal({ batch_size: "256", lr: "0.001" });
      expect(Object.keys(lstm.generated!)).to.deep.equal(["val_loss"]);
      expect(records).to.have.length(40);
    });

    it("uses the enclosing workflow and campaign when given, and a stable id per experiment otherwise", async () => {
      const a = await scan(fixture(DB));
      const b = await scan(`sqlite:///${fixture(DB)}`);
      expect(b.records[0]!.workflow_id).to.equal(a.records[0]!.workflow_id);
      const c = await scan(fixture(DB), {}, { workflowId: "wf-1", campaignId: "c-1" });
      expect(new Set(c.records.map((r) => `${r.workflow_id}/${r.campaign_id}`))).to.deep.equal(new Set(["wf-1/c-1"]));
    });

    it("reads a store that changes while watched: a RUNNING run is emitted again when it finishes", async () => {
      const db = copyFixture(DB);
      const c = collector();
      const adapter = createAdapter("mlflow", { file_path: db, state_file: false, watch_interval_sec: 0.02 }, c.sink);
      adapter.start();
      try {
        await waitFor(() => c.records.length === 40, "the first scan");
        await editDb(db, [
          `UPDATE runs SET status = 'FINISHED', end_time = 1783505999000 WHERE run_uuid = '${KNN_RUNNING}'`,
          `INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ('accuracy', 0.91, 1783505998000, 3, 0, '${KNN_RUNNING}')`,
        ]);
        await waitFor(() => c.records.length === 41, "the finished run");
        expect(c.records[40]).to.include({ task_id: KNN_RUNNING, status: "FINISHED", ended_at: 1783505999 });
        expect(c.records[40]!.generated).to.deep.equal({ accuracy: 0.91 });

        await editDb(db, [insertRun("00000000000000000000000000000001", "RUNNING", 1790000000000, null, "bare")]);
        await waitFor(() => c.records.length === 42, "the new run");
        expect(c.records[41]).to.include({ task_id: "00000000000000000000000000000001", status: "RUNNING", activity_id: "bare" });
        expect(c.records[41]!.used).to.equal(undefined);
        expect(c.records[41]!.generated).to.equal(undefined);

        const scans = adapter.counters.scans;
        await waitFor(() => adapter.counters.scans >= scans + 3, "idle scans");
        expect(c.records).to.have.length(42);
      } finally {
        await adapter.stop();
      }
    });

    it("maps FAILED and KILLED to ERROR and keeps MLflow's name; NaN metrics become \"NaN\"", async () => {
      const db = copyFixture(DB);
      await editDb(db, [
        insertRun("0000000000000000000000000000000f", "FAILED", 1790000000000, 1790000001000, "f"),
        insertRun("0000000000000000000000000000000a", "KILLED", 1790000000000, 1790000001000, "k"),
        "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ('loss', 0, 1, 0, 1, '0000000000000000000000000000000f')",
      ]);
      const runs = byId((await scan(db)).records);
      expect(runs["0000000000000000000000000000000f"]).to.include({ status: "ERROR" });
      expect(runs["0000000000000000000000000000000f"]!.custom_metadata).to.include({ mlflow_status: "FAILED" });
      expect(runs["0000000000000000000000000000000f"]!.generated).to.deep.equal({ loss: "NaN" });
      expect(runs["0000000000000000000000000000000a"]!.custom_metadata).to.include({ mlflow_status: "KILLED" });
      expect(runs["0000000000000000000000000000000a"]).to.include({ status: "ERROR" });
    });

    it("does not emit again after a restart; emits only what changed since", async () => {
      const stateDir = tempDir();
      const db = copyFixture(DB);
      const first = await scan(db, { state_file: undefined }, { stateDir });
      await first.adapter.stop();
      expect(first.records).to.have.length(40);

      const second = await scan(db, { state_file: undefined }, { stateDir });
      await second.adapter.stop();
      expect(second.records).to.deep.equal([]);

      await editDb(db, [`UPDATE runs SET status = 'FINISHED', end_time = 1783505999000 WHERE run_uuid = '${KNN_RUNNING}'`]);
      const third = await scan(db, { state_file: undefined }, { stateDir });
      await third.adapter.stop();
      expect(third.records.map((r) => r.task_id)).to.deep.equal([KNN_RUNNING]);
    });

    it("a damaged or truncated database is counted and warned about, never thrown", async () => {
      const dir = tempDir();
      const garbage = join(dir, "garbage.db");
      writeFileSync(garbage, Buffer.alloc(8192, 0x41));
      const truncated = join(dir, "truncated.db");
      writeFileSync(truncated, readFileSync(fixture(DB)).subarray(0, 20_480));
      const log = captureDiag();
      try {
        for (const path of [garbage, truncated]) {
          const { records, adapter } = await scan(path);
          expect(records, path).to.deep.equal([]);
          expect(adapter.counters.corrupt, path).to.equal(1);
          // Not read again until the file changes.
          expect(await adapter.scanOnce()).to.deep.equal([]);
          expect(adapter.counters.corrupt).to.equal(1);
        }
        expect(log.messages.filter((m) => /cannot read .* as an MLflow store/.test(m))).to.have.length(2);
      } finally {
        log.restore();
      }
    });

    it("reads an older schema (no workspace, no deleted_time, no latest_metrics) from the metrics table", async () => {
      const SQL = await initSqlJs();
      const db = new SQL.Database();
      db.run(`CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256), artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32));
        CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
        CREATE TABLE params (key VARCHAR(250), value VARCHAR(250), run_uuid VARCHAR(32));
        CREATE TABLE tags (key VARCHAR(250), value VARCHAR(5000), run_uuid VARCHAR(32));
        CREATE TABLE metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT, run_uuid VARCHAR(32), step BIGINT DEFAULT 0);
        INSERT INTO experiments VALUES (0, 'Default', './mlruns/0', 'active');
        INSERT INTO runs VALUES ('abc', NULL, 'LOCAL', 'train.py', '', 'u', 'FINISHED', 1600000000000, 1600000005000, '', 'active', './mlruns/0/abc/artifacts', 0);
        INSERT INTO params VALUES ('alpha', '0.5', 'abc');
        INSERT INTO tags VALUES ('mlflow.runName', 'ridge', 'abc');
        INSERT INTO metrics VALUES ('rmse', 0.9, 1600000001000, 'abc', 0), ('rmse', 0.7, 1600000002000, 'abc', 1), ('rmse', 0.8, 1600000001500, 'abc', 0);`);
      const path = join(tempDir(), "mlflow.db");
      writeFileSync(path, db.export());
      db.close();
      const [r] = (await scan(path)).records;
      expect(r).to.include({ task_id: "abc", activity_id: "ridge", status: "FINISHED", started_at: 1600000000, ended_at: 1600000005 });
      expect(r!.used).to.deep.equal({ alpha: "0.5" });
      expect(r!.generated).to.deep.equal({ rmse: 0.7 });
      expect(r!.custom_metadata).to.include({ experiment_name: "Default" });
    });
  });

  describe("file store (MLflow 1.23 fixture)", () => {
    const ROOT = "mlflow/filestore-mlflow1.23/mlruns";

    it("reads meta.yaml, params, multi-step metrics and tags, and ignores *.org files", async () => {
      const { records, adapter } = await scan(fixture(ROOT));
      expect(records).to.have.length(1);
      const r = records[0]!;
      expect(r).to.include({ task_id: FILE_RUN, status: "FINISHED", user: "yongliu", started_at: 1647564061.753, ended_at: 1647564523.36 });
      expect(Object.keys(r.used!)).to.have.length(24);
      expect(r.used).to.include({
        backbone: "prajjwal1/bert-tiny",
        fine_tuning_strategy: "freeze",
        learning_rate: "0.01",
        num_classes: "2",
        optimizer: "<class 'torch.optim.adam.Adam'>",
      });
      expect(Object.keys(r.generated!)).to.have.length(10);
      expect(r.generated!.val_f1).to.equal(0.6151999831199646);
      expect(r.generated!.train_f1_step).to.equal(1);
      expect(r.generated!.test_f1).to.equal(0.6312000155448914);
      expect(r.custom_metadata!.metric_steps).to.include({ train_f1: 2, val_cross_entropy: 2, test_f1: 0, test_cross_entropy: 0 });
      const tags = r.custom_metadata!.tags as Record<string, string>;
      expect(Object.keys(tags)).to.have.length(12);
      expect(tags).to.include({ "mlflow.project.entryPoint": "fine_tuning_model", pipeline_step: "pipeline/fine_tuning_model.py" });
      expect(r.custom_metadata).to.include({
        experiment_id: "1",
        experiment_name: "dl_model_chapter08",
        mlflow_status: "FINISHED",
        artifact_uri: "file:///opt/mlflow/mlruns/1/d01fc81e11e842f5b9556ae04136c0d3/artifacts",
        store_type: "file",
      });
      expect(r.workflow_id).to.match(UUID);
      expect(adapter.counters).to.include({ records: 1, corrupt: 0 });
      expect(adapter.counters.files).to.equal(1 + 24 + 10 + 12);
    });

    it("accepts the directory that holds mlruns/", async () => {
      const [r] = (await scan(fixture("mlflow/filestore-mlflow1.23"))).records;
      expect(r!.task_id).to.equal(FILE_RUN);
      expect(r!.custom_metadata!.store).to.equal(fixture(ROOT));
    });

    it("follows a run while it is written: RUNNING, more metrics, then FINISHED; each change once", async () => {
      const root = copyFixture(ROOT);
      const c = collector();
      const adapter = createAdapter("mlflow", { file_path: root, state_file: false }, c.sink);
      expect(await adapter.scanOnce()).to.have.length(1);

      const run = join(root, "0", "0123456789abcdef0123456789abcdef");
      for (const d of ["params", "metrics", "tags"]) mkdirSync(join(run, d), { recursive: true });
      const meta = (status: number, end: string) =>
        `artifact_uri: file:///tmp/x\nend_time: ${end}\nexperiment_id: '0'\nlifecycle_stage: active\nrun_id: 0123456789abcdef0123456789abcdef\nrun_name: live\nstart_time: 1700000000000\nstatus: ${status}\ntags: []\nuser_id: me\n`;
      writeFileSync(join(run, "meta.yaml"), meta(1, "null"));
      writeFileSync(join(run, "params", "lr"), "0.1");
      mkdirSync(join(run, "metrics", "val"));
      writeFileSync(join(run, "metrics", "val", "loss"), "1700000001000 0.9 0\n");
      let got = await adapter.scanOnce();
      expect(got).to.have.length(1);
      expect(got[0]).to.include({ task_id: "0123456789abcdef0123456789abcdef", status: "RUNNING", activity_id: "live" });
      expect(got[0]!.generated).to.deep.equal({ "val/loss": 0.9 });
      expect(got[0]!.custom_metadata).to.include({ experiment_name: "Default" });

      expect(await adapter.scanOnce()).to.deep.equal([]);

      // A line still being written is not read until it is complete.
      appendFileSync(join(run, "metrics", "val", "loss"), "1700000002000 0.5 1\n1700000003000 0.4");
      got = await adapter.scanOnce();
      expect(got[0]!.generated).to.deep.equal({ "val/loss": 0.5 });

      appendFileSync(join(run, "metrics", "val", "loss"), "2 2\n");
      writeFileSync(join(run, "meta.yaml"), meta(3, "1700000009000"));
      got = await adapter.scanOnce();
      expect(got).to.have.length(1);
      expect(got[0]).to.include({ status: "FINISHED", ended_at: 1700000009 });
      expect(got[0]!.generated).to.deep.equal({ "val/loss": 0.42 });

      expect(await adapter.scanOnce()).to.deep.equal([]);
    });

    it("a run with a broken meta.yaml is skipped with a warning; other runs are read", async () => {
      const root = copyFixture(ROOT);
      const bad = join(root, "1", "ffffffffffffffffffffffffffffffff");
      mkdirSync(bad);
      writeFileSync(join(bad, "meta.yaml"), "status: [unclosed\n");
      const log = captureDiag();
      try {
        const { records, adapter } = await scan(root);
        expect(records.map((r) => r.task_id)).to.deep.equal([FILE_RUN]);
        expect(adapter.counters.corrupt).to.equal(1);
        expect(log.messages.some((m) => m.includes(bad))).to.equal(true);
      } finally {
        log.restore();
      }
    });

    it("maps numeric status codes", () => {
      expect([1, 2, 3, 4, 5, 9].map(mlflowStatusName)).to.deep.equal(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED", "UNKNOWN_9"]);
      expect(mlflowStatusName("3")).to.equal("FINISHED");
      expect(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED", "UNKNOWN_9"].map(taskStatusOfMlflow)).to.deep.equal([
        "RUNNING",
        "SUBMITTED",
        "FINISHED",
        "ERROR",
        "ERROR",
        "UNKNOWN",
      ]);
    });

    it("parses metric lines as MLflow picks the latest (step, then timestamp, then value), with nan and inf", () => {
      expect(parseMetricLines("5 1.0 2\n6 0.5 2\n7 9.0 1\n", true).latest).to.deep.equal({ timestamp: 6, value: 0.5, step: 2 });
      expect(parseMetricLines("5 nan 3\n", true).latest!.value).to.be.NaN;
      expect(parseMetricLines("5 -inf\n", true).latest).to.deep.equal({ timestamp: 5, value: -Infinity, step: 0 });
      expect(parseMetricLines("5 1.0 1\n6 2.", false)).to.deep.equal({ latest: { timestamp: 5, value: 1, step: 1 }, lines: 1 });
      expect(parseMetricLines("garbage\n5 x 1\n", true).lines).to.equal(0);
    });
  });
});
