import { expect } from "chai";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { resetSettings } from "../../../lib/settings/settings-loader.js";
import { runCli } from "../../../lib/cli/program.js";
import { fixture, removeTemps, tempDir, waitFor } from "../../instrumentations/file-observers/adapter-test-helpers.js";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
}

function watchCommand(args: string[], cliIo: Parameters<typeof runCli>[1]): Promise<number> {
  return runCli(["node", "flowcept-otel", "watch", ...args], cliIo);
}

describe("flowcept-otel watch", () => {
  const savedSettings = process.env.FLOWCEPT_SETTINGS_PATH;
  before(() => {
    // Settings of the machine running the tests must not leak in.
    process.env.FLOWCEPT_SETTINGS_PATH = join(fixture("."), "no-settings.yaml");
    resetSettings();
  });
  after(() => {
    if (savedSettings === undefined) delete process.env.FLOWCEPT_SETTINGS_PATH;
    else process.env.FLOWCEPT_SETTINGS_PATH = savedSettings;
    resetSettings();
  });
  afterEach(removeTemps);

  it("--once --json prints the records of one scan as JSON lines and a summary on stderr", async () => {
    const t = io();
    const code = await watchCommand(["tensorboard", fixture("tensorboard/torch-scalars-3runs"), "--once", "--json"], t.io);
    expect(code).to.equal(0);
    const lines = t.out.join("").trimEnd().split("\n");
    expect(lines).to.have.length(3);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => (r.custom_metadata as Record<string, unknown>).run)).to.deep.equal(["run_1", "run_2", "run_3"]);
    expect(records.every((r) => r.type === "task" && r.adapter_id === "tensorboard")).to.equal(true);
    expect(t.err.join("")).to.match(/3 file\(s\), 50148 byte\(s\), 1083 record\(s\) read, 0 skipped, 0 corrupt; 3 task\(s\) emitted/);
  });

  it("--once twice prints the same records: no state is kept unless asked", async () => {
    for (let i = 0; i < 2; i++) {
      const t = io();
      expect(await watchCommand(["mlflow", `sqlite:///${fixture("mlflow/sqlite-mlflow3/mlflow.db")}`, "--once", "--json", "--log-metrics", "val_*"], t.io)).to.equal(0);
      const records = t.out.join("").trimEnd().split("\n").map((l) => JSON.parse(l) as { generated?: Record<string, number> });
      expect(records).to.have.length(40);
      expect(records.flatMap((r) => Object.keys(r.generated ?? {})).every((k) => k.startsWith("val_"))).to.equal(true);
    }
  });

  it("--once --state keeps state: the second run prints nothing new", async () => {
    const state = tempDir();
    const args = ["mlflow", fixture("mlflow/filestore-mlflow1.23"), "--once", "--state", state];
    const a = io();
    expect(await watchCommand(args, a.io)).to.equal(0);
    expect(a.out.join("")).to.match(/^FINISHED d01fc81e11e842f5b9556ae04136c0d3 used=24 /);
    const b = io();
    expect(await watchCommand(args, b.io)).to.equal(0);
    expect(b.out).to.deep.equal([]);
  });

  it("answers usage errors with exit code 2 and the help text, as every command does", async () => {
    for (const [args, said] of [
      [[], "missing required argument 'kind'"],
      [["tensorboard"], "missing required argument 'path'"],
      [["wandb", "x"], "Allowed choices are tensorboard, mlflow"],
      [["mlflow", "x", "--bogus"], "unknown option '--bogus'"],
      [["mlflow", "x", "y"], "too many arguments"],
      [["tensorboard", "x", "--interval", "soon"], "expected a positive number of seconds"],
    ] as const) {
      const t = io();
      expect(await watchCommand([...args], t.io), args.join(" ")).to.equal(2);
      expect(t.err.join("")).to.include(said).and.include("Usage: flowcept-otel watch");
    }
    const h = io();
    expect(await watchCommand(["--help"], h.io)).to.equal(0);
    expect(h.out.join("")).to.include("--once");
  });

  it("exits with 1 for a path with nothing at it", async () => {
    const t = io();
    expect(await watchCommand(["tensorboard", join(tempDir(), "missing"), "--once"], t.io)).to.equal(1);
    expect(t.err.join("")).to.include("flowcept-otel: error: nothing at");
  });

  it("watches until stopped, printing records as they appear, then a summary", async () => {
    const logdir = join(tempDir(), "logs");
    const t = io();
    const sigintListeners = process.listenerCount("SIGINT");
    const ac = new AbortController();
    const done = watchCommand(["tensorboard", logdir, "--interval", "0.02", "--json", "--state", tempDir()], { ...t.io, signal: ac.signal });
    await waitFor(() => t.err.join("").includes("watching"), "the watch to start");
    mkdirSync(join(logdir, "train"), { recursive: true });
    copyFileSync(fixture("tensorboard/tf2-tensor-scalars/train/events.out.tfevents.1637681485.2d662933d616.19.0.v2"), join(logdir, "train", "events.out.tfevents.1"));
    await waitFor(() => t.out.length === 1, "the record");
    ac.abort();
    expect(await done).to.equal(0);
    expect(JSON.parse(t.out[0]!)).to.include({ task_id: "events.out.tfevents.1", status: "FINISHED" });
    expect(t.err.join("")).to.match(/1 task\(s\) emitted/);
    expect(process.listenerCount("SIGINT")).to.equal(sigintListeners);
  });
});
