import { expect } from "chai";
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskRecord } from "../../../../lib/records/records.js";
import { createAdapter } from "../../../../instrumentations/file-observers/create-adapter.js";
import type { AdapterConfig } from "../../../../instrumentations/file-observers/adapter-config.js";
import {
  captureDiag,
  collector,
  copyFixture,
  eventFileBytes,
  fixture,
  hparamsContent,
  recordOffsets,
  removeTemps,
  tempDir,
  waitFor,
} from "../adapter-test-helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LIGHTNING_FILE = "lightning_logs/version_0/events.out.tfevents.1713773043.carls-gaming-linux.286970.0";

async function scanDir(path: string, config: Partial<AdapterConfig> = {}) {
  const c = collector();
  const adapter = createAdapter("tensorboard", { file_path: path, state_file: false, ...config }, c.sink);
  const records = await adapter.scanOnce();
  return { adapter, records, c };
}

function byRun(records: TaskRecord[]): Record<string, TaskRecord> {
  return Object.fromEntries(records.map((r) => [String(r.custom_metadata!.run), r]));
}

function metricInfo(r: TaskRecord, tag: string): Record<string, number> {
  return (r.custom_metadata!.metrics as Record<string, Record<string, number>>)[tag]!;
}

describe("TensorBoard adapter", () => {
  afterEach(removeTemps);

  describe("fixtures", () => {
    it("torch-scalars-3runs: one task per run, legacy simple_value scalars, tags and step counts per run", async () => {
      const { records, adapter } = await scanDir(fixture("tensorboard/torch-scalars-3runs"));
      expect(records).to.have.length(3);
      const runs = byRun(records);
      expect(Object.keys(runs)).to.deep.equal(["run_1", "run_2", "run_3"]);
      expect(Object.keys(runs.run_1!.generated!)).to.deep.equal(["lax/bar_1", "lax/bar_2", "lax/foo"]);
      expect(Object.keys(runs.run_2!.generated!)).to.deep.equal(["lax/bar_2", "lax/bar_3", "lax/foo"]);
      expect(Object.keys(runs.run_3!.generated!)).to.deep.equal(["lax/bar_3", "lax/bar_4", "lax/foo"]);
      for (const [run, n] of [["run_1", 110], ["run_2", 120], ["run_3", 130]] as const) {
        for (const tag of Object.keys(runs[run]!.generated!)) {
          expect(metricInfo(runs[run]!, tag), `${run} ${tag}`).to.deep.equal({ count: n, last_step: n - 1, min_step: 0, max_step: n - 1 });
        }
      }
      expect(runs.run_1!.task_id).to.equal("events.out.tfevents.1622543341.janoshs-mbp.lan.86862.3");
      expect(runs.run_3!.custom_metadata!.event_files).to.deep.equal(["events.out.tfevents.1622543341.janoshs-mbp.lan.86862.5"]);
      expect(runs.run_2!.custom_metadata!.log_path).to.equal(join(fixture("tensorboard/torch-scalars-3runs"), "run_2"));
      expect(runs.run_2!.custom_metadata!.logdir).to.equal(fixture("tensorboard/torch-scalars-3runs"));
      for (const r of records) {
        expect(r).to.include({ type: "task", adapter_id: "tensorboard", status: "FINISHED" });
        expect(r.workflow_id).to.match(UUID).and.equal(records[0]!.workflow_id);
        expect(r.used).to.equal(undefined);
        expect(r.started_at).to.be.a("number").within(1622543341, 1622543342);
        expect(r.ended_at).to.be.at.least(r.started_at!);
        expect(r.utc_timestamp).to.be.a("number");
        expect(Object.values(r)).to.not.include(null);
      }
      expect(adapter.counters).to.include({ files: 3, bytes: 15324 + 16714 + 18110, records: 331 + 361 + 391, corrupt: 0, skipped: 0, emitted: 3 });
    });

    it("torch-scalars-duplicate-steps: repeated and backwards steps are all counted, the last value wins", async () => {
      const { records } = await scanDir(fixture("tensorboard/torch-scalars-duplicate-steps"), { series_tags: ["dup_steps/foo"] });
      expect(records).to.have.length(1);
      const r = records[0]!;
      for (const tag of ["dup_steps/foo", "dup_steps/bar"]) {
        expect(metricInfo(r, tag)).to.deep.equal({ count: 210, last_step: 199, min_step: 0, max_step: 199 });
      }
      const series = (r.custom_metadata!.series as Record<string, { steps: number[]; values: number[]; wall_times: number[] }>)["dup_steps/foo"]!;
      expect(series.steps).to.have.length(210);
      expect(series.steps.slice(0, 100)).to.deep.equal([...Array(100).keys()]);
      expect(series.steps.slice(100)).to.deep.equal([...Array(110).keys()].map((i) => i + 90));
      expect(series.steps.filter((s) => s === 95)).to.have.length(2);
      expect(series.values[209]).to.equal(r.generated!["dup_steps/foo"]);
      expect(Object.keys(r.custom_metadata!.series as object)).to.deep.equal(["dup_steps/foo"]);
    });

    it("tf2-tensor-scalars: TF2 tensor scalars, a missing step read as 0, train and test runs", async () => {
      const { records, adapter } = await scanDir(fixture("tensorboard/tf2-tensor-scalars"), { series_tags: ["*"] });
      const runs = byRun(records);
      expect(Object.keys(runs).sort()).to.deep.equal(["test", "train"]);
      for (const r of records) {
        expect(Object.keys(r.generated!)).to.deep.equal(["accuracy", "loss"]);
        for (const tag of ["accuracy", "loss"]) expect(metricInfo(r, tag)).to.deep.equal({ count: 10, last_step: 9, min_step: 0, max_step: 9 });
      }
      const trainLoss = (runs.train!.custom_metadata!.series as Record<string, { steps: number[]; values: number[] }>).loss!;
      expect(trainLoss.steps).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(trainLoss.values[0]).to.be.closeTo(0.2048, 1e-4);
      expect(runs.train!.generated!.loss).to.be.closeTo(0.0361, 1e-4);
      const testAcc = (runs.test!.custom_metadata!.series as Record<string, { values: number[] }>).accuracy!;
      expect(testAcc.values[0]).to.be.closeTo(0.9763, 1e-4);
      expect(runs.test!.generated!.accuracy).to.be.closeTo(0.9833, 1e-4);
      expect(adapter.counters).to.include({ records: 42, files: 2, corrupt: 0 });
    });

    it("tf2-tensor-scalars: log_tags without 'tensors' leaves TF2 scalars out", async () => {
      const { records } = await scanDir(fixture("tensorboard/tf2-tensor-scalars"), { log_tags: ["scalars", "hparams"] });
      expect(records).to.deep.equal([]);
    });

    it("lightning-hparams-scalars: hparams (no value field) become used, long scalars become generated", async () => {
      const { records, adapter } = await scanDir(fixture("tensorboard/lightning-hparams-scalars"));
      expect(records).to.have.length(1);
      const r = records[0]!;
      expect(r.used).to.deep.equal({
        backbone_out_dim: 384,
        embedding_dim: 128,
        learning_rate: 1e-4,
        loss_fn: "<function arcface_loss at 0x7fdfa60d5620>",
        margin: 0.5,
        num_classes: 91354,
        scale: 64,
        weight_decay: 0.01,
      });
      expect(Object.keys(r.generated!)).to.deep.equal(["epoch", "hp_metric", "train_loss", "val_loss"]);
      expect(r.generated!.hp_metric).to.equal(-1);
      expect(r.generated!.epoch).to.equal(99);
      expect(r.generated!.train_loss).to.be.closeTo(1.487, 1e-3);
      expect(r.generated!.val_loss).to.be.closeTo(9.64, 1e-2);
      expect(metricInfo(r, "train_loss")).to.deep.equal({ count: 7738, last_step: 386899, min_step: 49, max_step: 386899 });
      expect(metricInfo(r, "epoch")).to.include({ count: 7838 });
      expect(metricInfo(r, "val_loss")).to.deep.equal({ count: 100, last_step: 386899, min_step: 3868, max_step: 386899 });
      expect(metricInfo(r, "hp_metric")).to.deep.equal({ count: 1, last_step: 0, min_step: 0, max_step: 0 });
      expect(r.custom_metadata!.hparams_experiment).to.deep.equal({
        hparams: ["backbone_out_dim", "num_classes", "loss_fn", "embedding_dim", "margin", "scale", "learning_rate", "weight_decay"],
        metrics: ["hp_metric"],
      });
      expect(r.custom_metadata!.session_status).to.equal("STATUS_SUCCESS");
      expect(r.custom_metadata!.run).to.equal("lightning_logs/version_0");
      expect(r.status).to.equal("FINISHED");
      expect(adapter.counters).to.include({ records: 15681, bytes: 744492, corrupt: 0 });
    });

    it("lightning-hparams-scalars-partial: the snapshot taken while training ran", async () => {
      const { records, adapter } = await scanDir(fixture("tensorboard/lightning-hparams-scalars-partial"));
      const r = records[0]!;
      expect(Object.keys(r.generated!)).to.deep.equal(["epoch", "hp_metric", "train_loss"]);
      expect(metricInfo(r, "train_loss")).to.deep.equal({ count: 33, last_step: 1649, min_step: 49, max_step: 1649 });
      expect(metricInfo(r, "epoch")).to.include({ count: 33 });
      expect(r.used!.num_classes).to.equal(91354);
      expect(adapter.counters).to.include({ records: 71, bytes: 3813 });
    });

    it("tf1-keras-graph: graph and meta-graph events are skipped, scalars of a flat logdir are kept", async () => {
      const { records, adapter } = await scanDir(fixture("tensorboard/tf1-keras-graph"));
      expect(records).to.have.length(1);
      const r = records[0]!;
      expect(r.custom_metadata!.run).to.equal(".");
      expect(Object.keys(r.generated!)).to.deep.equal(["batch_acc", "batch_loss", "epoch_acc", "epoch_loss", "epoch_val_acc", "epoch_val_loss"]);
      for (const tag of Object.keys(r.generated!)) expect(metricInfo(r, tag)).to.deep.equal({ count: 17, last_step: 16, min_step: 0, max_step: 16 });
      expect(adapter.counters).to.include({ records: 105, skipped: 2, corrupt: 0 });
    });

    it("reads a single event file given as the path", async () => {
      const { records } = await scanDir(fixture("tensorboard/tf1-keras-graph/events.out.tfevents.1585769947.cvp"));
      expect(records).to.have.length(1);
      expect(records[0]!.task_id).to.equal("events.out.tfevents.1585769947.cvp");
    });
  });

  describe("filters and ids", () => {
    it("keeps only the metrics log_metrics names (exact names and globs)", async () => {
      const { records } = await scanDir(fixture("tensorboard/lightning-hparams-scalars"), { log_metrics: ["val_*", "epoch"] });
      expect(Object.keys(records[0]!.generated!)).to.deep.equal(["epoch", "val_loss"]);
      expect(Object.keys(records[0]!.custom_metadata!.metrics as object)).to.deep.equal(["epoch", "val_loss"]);
    });

    it("takes workflow_id and activity_id from hparams, and reads TF2's hparams with an empty tensor", async () => {
      const dir = join(tempDir(), "logs", "trial_0");
      mkdirSync(dir, { recursive: true });
      const content = hparamsContent({
        session_start_info: {
          hparams: {
            workflow_id: { string_value: "11111111-2222-4333-8444-555555555555" },
            activity_id: { string_value: "hyperparam_evaluation" },
            num_units: { number_value: 16 },
            optimizer: { string_value: "adam" },
            dropout: { number_value: 0.1 },
            use_bn: { bool_value: true },
          },
        },
      });
      const emptyFloat = { dtype: 1, tensor_shape: { dim: [{ size: 0 }] } };
      writeFileSync(
        join(dir, "events.out.tfevents.1.host.1.0.v2"),
        eventFileBytes([
          { wall_time: 100, file_version: "brain.Event:2" },
          { wall_time: 101, summary: { value: [{ tag: "_hparams_/session_start_info", tensor: emptyFloat, metadata: { plugin_data: { plugin_name: "hparams", content } } }] } },
          { wall_time: 102, step: 1, summary: { value: [{ tag: "accuracy", tensor: { dtype: 2, float_val: [], double_val: [0.75] }, metadata: { plugin_data: { plugin_name: "scalars" } } }] } },
          { wall_time: 103, step: 2, summary: { value: [{ tag: "loss", simple_value: NaN }, { tag: "img", image: Buffer.from([1, 2, 3]) }] } },
        ]),
      );
      const wf = "99999999-2222-4333-8444-555555555555";
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: join(dir, ".."), state_file: false }, c.sink, { workflowId: wf, campaignId: "camp-1" });
      const [r] = await adapter.scanOnce();
      expect(r).to.include({ workflow_id: "11111111-2222-4333-8444-555555555555", activity_id: "hyperparam_evaluation", campaign_id: "camp-1" });
      expect(r!.used).to.deep.equal({ dropout: 0.1, num_units: 16, optimizer: "adam", use_bn: true });
      expect(r!.generated).to.deep.equal({ accuracy: 0.75, loss: "NaN" });
      expect(r!.started_at).to.equal(100);
      expect(r!.ended_at).to.equal(103);
      expect(adapter.counters.skipped).to.equal(1);
    });

    it("uses the enclosing workflow when hparams name none, and the same derived id across adapters otherwise", async () => {
      const path = fixture("tensorboard/tf2-tensor-scalars");
      const a = await scanDir(path);
      const b = await scanDir(path);
      expect(a.records[0]!.workflow_id).to.equal(b.records[0]!.workflow_id);
      const c = collector();
      const withWf = createAdapter("tensorboard", { file_path: path, state_file: false }, c.sink, { workflowId: "wf-x" });
      expect((await withWf.scanOnce()).map((r) => r.workflow_id)).to.deep.equal(["wf-x", "wf-x"]);
    });

    it("a session that ended in failure is an ERROR task", async () => {
      const dir = tempDir();
      writeFileSync(
        join(dir, "events.out.tfevents.2"),
        eventFileBytes([
          { wall_time: 5, summary: { value: [{ tag: "_hparams_/session_end_info", metadata: { plugin_data: { plugin_name: "hparams", content: hparamsContent({ session_end_info: { status: 2 } }) } } }] } },
          { wall_time: 6, summary: { value: [{ tag: "x", simple_value: 1 }] } },
        ]),
      );
      const { records } = await scanDir(dir);
      expect(records[0]).to.include({ status: "ERROR" });
      expect(records[0]!.custom_metadata).to.include({ session_status: "STATUS_FAILURE" });
    });
  });

  describe("incremental reading", () => {
    it("the partial fixture is a byte prefix of the full one; after appending the rest only the new bytes are read", async () => {
      const full = readFileSync(fixture("tensorboard/lightning-hparams-scalars", LIGHTNING_FILE));
      const partial = readFileSync(fixture("tensorboard/lightning-hparams-scalars-partial", LIGHTNING_FILE));
      expect(partial.length).to.equal(3813);
      expect(full.subarray(0, partial.length).equals(partial)).to.equal(true);

      const dir = copyFixture("tensorboard/lightning-hparams-scalars-partial");
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: dir, state_file: false }, c.sink);
      const first = await adapter.scanOnce();
      expect(first).to.have.length(1);
      expect(metricInfo(first[0]!, "train_loss").count).to.equal(33);
      expect(adapter.counters).to.include({ bytes: 3813, records: 71 });

      expect(await adapter.scanOnce()).to.deep.equal([]);
      expect(adapter.counters.bytes).to.equal(3813);

      appendFileSync(join(dir, LIGHTNING_FILE), full.subarray(partial.length));
      const second = await adapter.scanOnce();
      expect(adapter.counters).to.include({ bytes: 744492, records: 15681, corrupt: 0 });
      expect(second).to.have.length(1);
      expect(second[0]!.task_id).to.equal(first[0]!.task_id);

      const { records: direct } = await scanDir(fixture("tensorboard/lightning-hparams-scalars"));
      const strip = (r: TaskRecord) => ({ ...r, utc_timestamp: 0, custom_metadata: { ...r.custom_metadata, log_path: 0, logdir: 0 }, workflow_id: 0 });
      expect(strip(second[0]!)).to.deep.equal(strip(direct[0]!));
    });

    it("a torn last record is retried later, not counted as damage", async () => {
      const full = readFileSync(fixture("tensorboard/lightning-hparams-scalars", LIGHTNING_FILE));
      const offsets = recordOffsets(full);
      const dir = copyFixture("tensorboard/lightning-hparams-scalars-partial");
      const file = join(dir, LIGHTNING_FILE);
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: dir, state_file: false }, c.sink);
      await adapter.scanOnce();
      // Records 71..79 complete, then 5 bytes into record 80's header.
      appendFileSync(file, full.subarray(3813, offsets[80]! + 5));
      const mid = await adapter.scanOnce();
      expect(adapter.counters).to.include({ records: 80, corrupt: 0 });
      expect(mid).to.have.length(1);
      // Half of record 80's payload now.
      appendFileSync(file, full.subarray(offsets[80]! + 5, offsets[80]! + 20));
      expect(await adapter.scanOnce()).to.deep.equal([]);
      expect(adapter.counters).to.include({ records: 80, corrupt: 0 });
      appendFileSync(file, full.subarray(offsets[80]! + 20));
      await adapter.scanOnce();
      expect(adapter.counters).to.include({ records: 15681, corrupt: 0 });
    });

    it("several event files in one run make one task", async () => {
      const dir = join(tempDir(), "run");
      mkdirSync(dir);
      const tf2 = "tensorboard/tf2-tensor-scalars";
      copyFileSync(fixture(tf2, "train/events.out.tfevents.1637681485.2d662933d616.19.0.v2"), join(dir, "events.out.tfevents.1637681485.2d662933d616.19.0.v2"));
      copyFileSync(fixture(tf2, "test/events.out.tfevents.1637681485.2d662933d616.19.1.v2"), join(dir, "events.out.tfevents.1637681485.2d662933d616.19.1.v2"));
      const { records } = await scanDir(join(dir, ".."));
      expect(records).to.have.length(1);
      const r = records[0]!;
      expect(r.custom_metadata!.event_files).to.have.length(2);
      expect(r.task_id).to.equal("events.out.tfevents.1637681485.2d662933d616.19.0.v2");
      expect(metricInfo(r, "loss").count).to.equal(20);
      // The later of the two last values by wall time (the test file's).
      expect(r.generated!.accuracy).to.be.closeTo(0.9833, 1e-4);
    });
  });

  describe("damaged files", () => {
    it("a record with a flipped byte is skipped with a warning; the run is still recorded", async () => {
      const dir = copyFixture("tensorboard/torch-scalars-duplicate-steps");
      const file = join(dir, "run_1/events.out.tfevents.1622966509.janoshs-mbp.lan.86059.0");
      const buf = readFileSync(file);
      const offsets = recordOffsets(buf);
      buf[offsets[300]! + 14]! ^= 0xff;
      writeFileSync(file, buf);
      const log = captureDiag();
      try {
        const { records, adapter } = await scanDir(dir);
        expect(adapter.counters).to.include({ records: 420, corrupt: 1 });
        expect(records).to.have.length(1);
        const counts = ["dup_steps/bar", "dup_steps/foo"].map((t) => metricInfo(records[0]!, t).count);
        expect(counts.reduce((a, b) => a + b)).to.equal(419);
        expect(log.messages.some((m) => m.includes(file) && /checksum mismatch/.test(m))).to.equal(true);
      } finally {
        log.restore();
      }
    });

    it("a damaged length header is skipped up to the next intact record", async () => {
      const dir = copyFixture("tensorboard/tf2-tensor-scalars");
      const file = join(dir, "train/events.out.tfevents.1637681485.2d662933d616.19.0.v2");
      const buf = readFileSync(file);
      buf[recordOffsets(buf)[3]!]! ^= 0x02;
      writeFileSync(file, buf);
      const log = captureDiag();
      try {
        const { records, adapter } = await scanDir(dir);
        expect(adapter.counters).to.include({ records: 41, corrupt: 1 });
        expect(byRun(records).train!.custom_metadata!.metrics).to.have.nested.property("loss.count");
        expect(log.messages.some((m) => /length checksum mismatch/.test(m))).to.equal(true);
      } finally {
        log.restore();
      }
    });

    it("a file truncated below what was read is read again from the start", async () => {
      const dir = copyFixture("tensorboard/lightning-hparams-scalars");
      const file = join(dir, LIGHTNING_FILE);
      const log = captureDiag();
      try {
        const c = collector();
        const adapter = createAdapter("tensorboard", { file_path: dir, state_file: false }, c.sink);
        await adapter.scanOnce();
        truncateSync(file, 3813);
        const [r] = await adapter.scanOnce();
        expect(metricInfo(r!, "train_loss").count).to.equal(33);
        expect(log.messages.some((m) => /truncated/.test(m))).to.equal(true);
      } finally {
        log.restore();
      }
    });

    it("garbage in place of an event file is counted, warned about, and does not stop other runs", async () => {
      const dir = copyFixture("tensorboard/torch-scalars-3runs");
      writeFileSync(join(dir, "run_2/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.4"), Buffer.alloc(5000, 0x5a));
      const log = captureDiag();
      try {
        const { records, adapter } = await scanDir(dir);
        expect(Object.keys(byRun(records))).to.deep.equal(["run_1", "run_3"]);
        expect(adapter.counters.corrupt).to.be.greaterThan(0);
        expect(adapter.counters.errors).to.equal(0);
      } finally {
        log.restore();
      }
    });
  });

  describe("watching", () => {
    it("picks up new runs and growing files while watching, each change once", async () => {
      const logdir = join(tempDir(), "logdir");
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: logdir, state_file: false, watch_interval_sec: 0.02 }, c.sink);
      adapter.start();
      try {
        await waitFor(() => adapter.counters.scans >= 2, "a scan of the missing logdir");
        expect(c.records).to.deep.equal([]);

        const full = readFileSync(fixture("tensorboard/lightning-hparams-scalars", LIGHTNING_FILE));
        const runDir = join(logdir, "lightning_logs/version_0");
        mkdirSync(runDir, { recursive: true });
        writeFileSync(join(runDir, "events.out.tfevents.1713773043.carls-gaming-linux.286970.0"), full.subarray(0, 3813));
        await waitFor(() => c.records.length === 1, "the first run");
        expect(metricInfo(c.records[0]!, "train_loss").count).to.equal(33);

        appendFileSync(join(runDir, "events.out.tfevents.1713773043.carls-gaming-linux.286970.0"), full.subarray(3813));
        await waitFor(() => c.records.length === 2, "the grown run");
        expect(metricInfo(c.records[1]!, "train_loss").count).to.equal(7738);

        const tf1 = join(logdir, "keras");
        mkdirSync(tf1);
        copyFileSync(fixture("tensorboard/tf1-keras-graph/events.out.tfevents.1585769947.cvp"), join(tf1, "events.out.tfevents.1585769947.cvp"));
        await waitFor(() => c.records.length === 3, "the new run");
        expect(c.records[2]!.custom_metadata!.run).to.equal("keras");

        const scans = adapter.counters.scans;
        await waitFor(() => adapter.counters.scans >= scans + 3, "idle scans");
        expect(c.records).to.have.length(3);
      } finally {
        await adapter.stop();
      }
      expect(adapter.watching).to.equal(false);
    });

    it("does not emit again after a restart with the same state directory", async () => {
      const stateDir = tempDir();
      const dir = copyFixture("tensorboard/lightning-hparams-scalars-partial");
      const first = collector();
      const a = createAdapter("tensorboard", { file_path: dir }, first.sink, { stateDir });
      await a.scanOnce();
      await a.stop();
      expect(first.records).to.have.length(1);
      expect(a.stateFile).to.be.a("string").and.satisfy((p: string) => p.startsWith(stateDir));

      const second = collector();
      const b = createAdapter("tensorboard", { file_path: dir }, second.sink, { stateDir });
      await b.scanOnce();
      expect(second.records).to.deep.equal([]);
      expect(b.counters.bytes).to.equal(0);

      const full = readFileSync(fixture("tensorboard/lightning-hparams-scalars", LIGHTNING_FILE));
      appendFileSync(join(dir, LIGHTNING_FILE), full.subarray(3813));
      await b.scanOnce();
      await b.stop();
      expect(second.records).to.have.length(1);
      expect(b.counters.bytes).to.equal(full.length - 3813);

      const third = collector();
      const c = createAdapter("tensorboard", { file_path: dir }, third.sink, { stateDir });
      await c.scanOnce();
      await c.stop();
      expect(third.records).to.deep.equal([]);
    });
  });
});
