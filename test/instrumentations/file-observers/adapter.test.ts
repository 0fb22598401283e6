import { expect } from "chai";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configure, resetSettings } from "../../../lib/settings/settings-loader.js";
import { FlowceptSettingsError } from "../../../lib/settings/settings.js";
import {
  adapterConfigFromSettings,
  defaultAdapterConfig,
  resolveAdapterConfig,
} from "../../../instrumentations/file-observers/adapter-config.js";
import { createAdapter } from "../../../instrumentations/file-observers/create-adapter.js";
import { nameFilter } from "../../../instrumentations/file-observers/name-filter.js";
import { compact, jsonNumber, stableUuid } from "../../../instrumentations/file-observers/record-values.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { captureDiag, collector, copyFixture, fixture, removeTemps, tempDir, waitFor } from "./adapter-test-helpers.js";

const TF2_TRAIN = "tensorboard/tf2-tensor-scalars/train/events.out.tfevents.1637681485.2d662933d616.19.0.v2";

describe("adapters: common surface", () => {
  afterEach(() => {
    removeTemps();
    resetSettings();
  });

  describe("settings", () => {
    it("fills Flowcept's defaults per kind", () => {
      expect(resolveAdapterConfig("tensorboard")).to.deep.equal(defaultAdapterConfig("tensorboard"));
      expect(resolveAdapterConfig("tensorboard")).to.include({ file_path: "tensorboard_events", watch_interval_sec: 5 });
      expect(resolveAdapterConfig("tensorboard").log_tags).to.deep.equal(["scalars", "hparams", "tensors"]);
      expect(resolveAdapterConfig("mlflow")).to.include({ file_path: "mlflow.db", watch_interval_sec: 1 });
      expect(resolveAdapterConfig("mlflow").log_params).to.deep.equal(["*"]);
    });

    it("names the key of a value of the wrong type", () => {
      const bad: Array<[Record<string, unknown>, string]> = [
        [{ watch_interval_sec: "5" }, "watch_interval_sec"],
        [{ watch_interval_sec: 0 }, "watch_interval_sec"],
        [{ log_metrics: [1] }, "log_metrics"],
        [{ log_tags: ["images"] }, "log_tags"],
        [{ file_path: "" }, "file_path"],
        [{ state_file: 3 }, "state_file"],
        [{ kind: "mlflow" }, "kind"],
      ];
      for (const [raw, key] of bad) {
        expect(() => resolveAdapterConfig("tensorboard", raw), key).to.throw(FlowceptSettingsError, `key "${key}"`);
      }
      expect(() => resolveAdapterConfig("wandb" as "mlflow")).to.throw(FlowceptSettingsError, /unknown adapter kind/);
      expect(() => createAdapter("tensorboard", { watch_interval_sec: -1 }, () => {})).to.throw(FlowceptSettingsError);
    });

    it("accepts a single string where a list is expected, and keeps unknown keys out of the way", () => {
      const c = resolveAdapterConfig("mlflow", { log_metrics: "loss", something_else: 1 });
      expect(c.log_metrics).to.deep.equal(["loss"]);
      expect(c).to.not.have.property("something_else");
    });

    it("finds an adapter block in settings by name or by kind", () => {
      configure({
        adapters: {
          mlflow1: { kind: "mlflow", file_path: "runs.db", log_metrics: ["acc"] },
          tensorboard: { kind: "tensorboard", file_path: "tb", watch_interval_sec: 2 },
        },
      });
      expect(adapterConfigFromSettings("mlflow1")).to.include({ kind: "mlflow", file_path: "runs.db" });
      expect(adapterConfigFromSettings("mlflow")).to.include({ kind: "mlflow", file_path: "runs.db" });
      expect(adapterConfigFromSettings("tensorboard")).to.include({ file_path: "tb", watch_interval_sec: 2 });
      expect(adapterConfigFromSettings("dask")).to.equal(undefined);
    });
  });

  describe("helpers", () => {
    it("filters names by exact name and * globs", () => {
      const f = nameFilter(["loss", "val_*", "*_acc"]);
      expect(["loss", "val_loss", "train_acc", "train_loss", "lossy"].filter(f)).to.deep.equal(["loss", "val_loss", "train_acc"]);
      expect(nameFilter(["*"])("anything")).to.equal(true);
      expect(nameFilter([])("x")).to.equal(false);
      expect(nameFilter(["a.b"])("axb")).to.equal(false);
    });

    it("derives stable RFC 9562 version-5 UUIDs", () => {
      const a = stableUuid("mlflow:/x:1");
      expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(stableUuid("mlflow:/x:1")).to.equal(a);
      expect(stableUuid("mlflow:/x:2")).to.not.equal(a);
    });

    it("writes numbers JSON cannot hold as strings and drops empty fields", () => {
      expect([1.5, NaN, Infinity, -Infinity].map(jsonNumber)).to.deep.equal([1.5, "NaN", "Infinity", "-Infinity"]);
      expect(compact({ a: 1, b: undefined, c: null, d: {}, e: [], f: { g: 1 } })).to.deep.equal({ a: 1, e: [], f: { g: 1 } });
    });
  });

  describe("lifecycle", () => {
    it("stop() runs a last scan and leaves no timer: nothing is scanned afterwards", async () => {
      const logdir = join(tempDir(), "logs");
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: logdir, state_file: false, watch_interval_sec: 3600 }, c.sink);
      adapter.start();
      expect(adapter.watching).to.equal(true);
      await waitFor(() => adapter.counters.scans === 1, "the first scan");
      mkdirSync(join(logdir, "run"), { recursive: true });
      copyFileSync(fixture(TF2_TRAIN), join(logdir, "run", "events.out.tfevents.1"));
      expect(c.records).to.deep.equal([]);
      await adapter.stop();
      expect(adapter.watching).to.equal(false);
      expect(c.records).to.have.length(1);
      expect(adapter.counters.scans).to.equal(2);

      const short = createAdapter("tensorboard", { file_path: logdir, state_file: false, watch_interval_sec: 0.01 }, () => {});
      short.start();
      await waitFor(() => short.counters.scans >= 3, "a few scans");
      await short.stop();
      const after = short.counters.scans;
      await new Promise((r) => setTimeout(r, 60));
      expect(short.counters.scans).to.equal(after);
    });

    it("start() twice does not start two timers; stop() twice is harmless", async () => {
      const adapter = createAdapter("mlflow", { file_path: join(tempDir(), "none.db"), state_file: false, watch_interval_sec: 3600 }, () => {});
      adapter.start().start();
      await waitFor(() => adapter.counters.scans === 1, "the first scan");
      await adapter.stop();
      await adapter.stop();
      expect(adapter.counters.scans).to.equal(2);
    });

    it("a missing path is not an error: nothing is emitted until it appears", async () => {
      const c = collector();
      const path = join(tempDir(), "later", "mlflow.db");
      const adapter = createAdapter("mlflow", { file_path: path, state_file: false }, c.sink);
      expect(await adapter.scanOnce()).to.deep.equal([]);
      expect(adapter.counters.errors).to.equal(0);
      mkdirSync(join(path, ".."));
      copyFileSync(fixture("mlflow/sqlite-mlflow3/mlflow.db"), path);
      expect(await adapter.scanOnce()).to.have.length(40);
    });

    it("records a sink refused are offered again on the next scan", async () => {
      const dir = copyFixture("tensorboard/tf2-tensor-scalars");
      const got: TaskRecord[] = [];
      let refuse = true;
      const log = captureDiag();
      try {
        const adapter = createAdapter("tensorboard", { file_path: dir, state_file: false }, async (records) => {
          if (refuse) throw new Error("exporter down");
          got.push(...records);
        });
        expect(await adapter.scanOnce()).to.deep.equal([]);
        expect(adapter.counters).to.include({ errors: 1, emitted: 0 });
        expect(log.messages.some((m) => /exporter down/.test(m))).to.equal(true);
        refuse = false;
        expect(await adapter.scanOnce()).to.have.length(2);
        expect(got).to.have.length(2);
        expect(await adapter.scanOnce()).to.deep.equal([]);
      } finally {
        log.restore();
      }
    });

    it("scans requested together run one after the other and emit each record once", async () => {
      const c = collector();
      const adapter = createAdapter("tensorboard", { file_path: fixture("tensorboard/torch-scalars-3runs"), state_file: false }, c.sink);
      const results = await Promise.all([adapter.scanOnce(), adapter.scanOnce(), adapter.scanOnce()]);
      expect(results.map((r) => r.length)).to.deep.equal([3, 0, 0]);
      expect(c.records).to.have.length(3);
    });

    it("keeps state in the configured state_file, and starts afresh (with a warning) from a damaged one", async () => {
      const stateFile = join(tempDir(), "nested", "tb.json");
      const path = fixture("tensorboard/tf2-tensor-scalars");
      const a = createAdapter("tensorboard", { file_path: path, state_file: stateFile }, () => {});
      expect(await a.scanOnce()).to.have.length(2);
      expect(existsSync(stateFile)).to.equal(true);
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).to.include({ version: 1, target: path });

      const b = createAdapter("tensorboard", { file_path: path, state_file: stateFile }, () => {});
      expect(await b.scanOnce()).to.deep.equal([]);

      writeFileSync(stateFile, "{ not json");
      const log = captureDiag();
      try {
        const c = createAdapter("tensorboard", { file_path: path, state_file: stateFile }, () => {});
        expect(await c.scanOnce()).to.have.length(2);
        expect(log.messages.some((m) => m.includes(stateFile))).to.equal(true);
      } finally {
        log.restore();
      }
    });

    it("a state file written for another path is not used", async () => {
      const stateFile = join(tempDir(), "shared.json");
      await createAdapter("tensorboard", { file_path: fixture("tensorboard/tf2-tensor-scalars"), state_file: stateFile }, () => {}).scanOnce();
      const log = captureDiag();
      try {
        const other = createAdapter("tensorboard", { file_path: fixture("tensorboard/torch-scalars-3runs"), state_file: stateFile }, () => {});
        expect(await other.scanOnce()).to.have.length(3);
        expect(log.messages.some((m) => /does not fit/.test(m))).to.equal(true);
      } finally {
        log.restore();
      }
    });
  });
});
