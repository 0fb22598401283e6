import { expect } from "chai";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlRecordExporter } from "../../../exporters/jsonl/JsonlRecordExporter.js";
import { closeFile } from "../../../exporters/jsonl/file-appender.js";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { replayLocalSpill } from "../../../exporters/jsonl/local-spill.js";
import { RecordPipeline } from "../../../lib/pipeline/RecordPipeline.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { resetSettings } from "../../../lib/settings/settings-loader.js";
import { captureDiag } from "../../lib/telemetry/diag-capture.js";
import { runNode } from "../../lib/telemetry/run-node.js";
import { runCliProcess } from "../../support/run-cli.js";
import { mountTmpfs, remount, unmount } from "../../support/tmpfs.js";

const LIB = new URL("../../../lib/index.js", import.meta.url).href;
const API = import.meta.resolve("@opentelemetry/api");

/**
 * A program that records `n` flowceptTask calls into the store at `store`
 * (spill folder `spill`), printing what `diag` reports at WARN on stderr as
 * an application's logger would, and how long `stop()` took on stdout.
 */
function program(store: string, spill: string, n: number): string {
  return `
    const { diag, DiagLogLevel } = await import(${JSON.stringify(API)});
    const line = (m) => process.stderr.write(m + "\\n");
    diag.setLogger({ error: line, warn: line, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    const { Flowcept, flowceptTask, configure } = await import(${JSON.stringify(LIB)});
    configure({ project: { dump_buffer: { path: ${JSON.stringify(store)} } }, db_buffer: { spill_dir: ${JSON.stringify(spill)} } });
    const work = flowceptTask(function work(x) { return x + 1; });
    const fc = new Flowcept({ workflowName: "faults" });
    await fc.start();
    for (let i = 0; i < ${n}; i++) work(i);
    const t = Date.now();
    await fc.stop();
    process.stdout.write(JSON.stringify({ workflowId: fc.workflowId, stopMs: Date.now() - t }) + "\\n");
  `;
}

/** The spill files of the local store under `spill` (released or not), with their lines. */
function spillFiles(spill: string): { path: string; lines: string[] }[] {
  const root = join(spill, "local");
  if (!existsSync(root)) return [];
  const out: { path: string; lines: string[] }[] = [];
  for (const d of readdirSync(root)) {
    for (const f of readdirSync(join(root, d))) {
      if (!f.startsWith("spill-")) continue;
      const path = join(root, d, f);
      out.push({ path, lines: readFileSync(path, "utf8").split("\n").filter(Boolean) });
    }
  }
  return out;
}

function taskIds(lines: string[]): string[] {
  const ids: string[] = [];
  for (const l of lines) {
    const r = JSON.parse(l) as FlowceptRecord;
    if (r.type === "task") ids.push(r.task_id as string);
  }
  return ids;
}

describe("local store faults: unwritable, full, read-only, removed", function () {
  this.timeout(120_000);
  let dir: string;
  let mounted: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-faults-"));
  });
  afterEach(() => {
    closeFile();
    resetSettings();
    if (mounted) unmount(mounted);
    mounted = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("/dev/full: one report naming the file, the reason and the spill file, every record spilled, and a prompt stop and exit", async () => {
    const spill = join(dir, "spill");
    const r = await runNode(program("/dev/full", spill, 20_000), { limitMs: 90_000 });
    expect(r.timedOut, "the process was still running").to.equal(false);
    expect(r.code, r.stderr).to.equal(0);
    const reports = r.stderr.split("\n").filter(Boolean);
    // The first failure, then the count when the process ends: not one line per record or per batch.
    expect(reports, r.stderr).to.have.length(2);
    expect(reports[0]).to.match(/cannot write the local store \/dev\/full \(ENOSPC[^)]*\); its records go to \S+spill-\S+\.jsonl until it is writable again/);
    expect(reports[1]).to.match(/20002 records could not be written to the local store \/dev\/full \(ENOSPC[^)]*\); they are kept in \S+spill-\S+-0-\S+\.jsonl/);
    const files = spillFiles(spill);
    expect(files).to.have.length(1);
    expect(reports[1]).to.include(files[0]!.path);
    expect(files[0]!.lines).to.have.length(20_002);
    expect(new Set(taskIds(files[0]!.lines)).size).to.equal(20_000);
  });

  it("a read-only folder: records spill, and the next process that writes the store appends them", async function () {
    const folder = join(dir, "store");
    mounted = mountTmpfs(folder, 4096) ? folder : undefined;
    if (mounted) remount(folder, "ro");
    else if (process.getuid?.() === 0) this.skip(); // root ignores file modes, and mount is not allowed here
    else {
      mkdirSync(folder);
      chmodSync(folder, 0o555);
    }
    const store = join(folder, "flowcept_buffer.jsonl");
    const spill = join(dir, "spill");
    const first = await runNode(program(store, spill, 5_000), { limitMs: 60_000 });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.match(/cannot write the local store .*flowcept_buffer\.jsonl \((EROFS|EACCES)/);
    expect(spillFiles(spill)).to.have.length(1);

    if (mounted) remount(folder, "rw");
    else chmodSync(folder, 0o755);
    const second = await runNode(program(store, spill, 10), { limitMs: 60_000 });
    expect(second.code, second.stderr).to.equal(0);
    const tasks = readBufferFile(store).filter((x) => x.type === "task");
    expect(tasks).to.have.length(5_010);
    expect(readBufferFile(store).filter((x) => x.type === "workflow")).to.have.length(2);
    expect(spillFiles(spill)).to.have.length(0);
  });

  it("a full tmpfs: records that do not fit are spilled, none is lost, and no line is glued to another", async function () {
    const folder = join(dir, "small");
    if (!mountTmpfs(folder, 1024)) this.skip(); // /dev/full covers the full disk on machines that cannot mount
    mounted = folder;
    const store = join(folder, "flowcept_buffer.jsonl");
    const spill = join(dir, "spill");
    const r = await runNode(program(store, spill, 20_000), { limitMs: 90_000 });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/cannot write the local store .* \(ENOSPC/);
    const stored = readFileSync(store, "utf8").split("\n").filter(Boolean);
    const whole = stored.filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    // At most the line the disk filled up in is cut short; it is a line of its own, and its record is in the spill file.
    expect(stored.length - whole.length).to.be.at.most(1);
    const inStore = taskIds(whole);
    const spilled = spillFiles(spill).flatMap((f) => taskIds(f.lines));
    expect(inStore.length).to.be.greaterThan(100);
    expect(spilled.length).to.be.greaterThan(100);
    expect(new Set(inStore).size).to.equal(inStore.length);
    expect(new Set([...inStore, ...spilled]).size).to.equal(20_000);
    expect(inStore.length + spilled.length).to.equal(20_000);
  });

  it("the store's folder removed while the program runs: later records go to a new file", () => {
    const folder = join(dir, "gone");
    const store = join(folder, "flowcept_buffer.jsonl");
    const diag = captureDiag();
    try {
      const exporter = new JsonlRecordExporter({ path: store, spillDir: join(dir, "spill") });
      exporter.exportSync([{ type: "task", task_id: "before" }]);
      rmSync(folder, { recursive: true });
      exporter.exportSync([{ type: "task", task_id: "after-1" }]);
      exporter.exportSync([{ type: "task", task_id: "after-2" }]);
      expect(readBufferFile(store).map((x) => x.task_id)).to.deep.equal(["after-1", "after-2"]);
      expect(diag.warnings.filter((m) => m.includes("was removed while open"))).to.have.length(1);
    } finally {
      diag.restore();
    }
  });

  it("a synchronous burst against /dev/full keeps nothing waiting in memory", async () => {
    const diag = captureDiag();
    const pipeline = new RecordPipeline({ exporters: [new JsonlRecordExporter({ path: "/dev/full", spillDir: join(dir, "spill") })] });
    try {
      let most = 0;
      for (let i = 0; i < 20_000; i++) {
        pipeline.emit({ type: "task", task_id: `t${i}`, used: { i } });
        most = Math.max(most, pipeline.pending);
      }
      // Each burst leaves the process as it comes (to the spill file), so what waits stays under one queue's worth.
      expect(most).to.be.at.most(512);
      await pipeline.forceFlush(1000);
      expect(pipeline.pending).to.equal(0);
      expect(spillFiles(join(dir, "spill")).flatMap((f) => f.lines)).to.have.length(20_000);
      expect(diag.warnings.filter((m) => m.includes("cannot write the local store"))).to.have.length(1);
    } finally {
      await pipeline.shutdown();
      diag.restore();
    }
  });

  it("replayLocalSpill appends spill files left by processes that are gone to their store", async () => {
    const store = join(dir, "later", "flowcept_buffer.jsonl");
    const spill = join(dir, "spill");
    // A process that could not create the store's folder (a file stands in its way) spills, then exits.
    mkdirSync(join(dir, "later", ".."), { recursive: true });
    appendFileSync(join(dir, "later"), "not a folder");
    const r = await runNode(program(store, spill, 300), { limitMs: 60_000 });
    expect(r.code, r.stderr).to.equal(0);
    expect(spillFiles(spill)).to.have.length(1);
    rmSync(join(dir, "later"));
    const result = replayLocalSpill({ spillDirs: [spill] });
    expect(result).to.deep.include({ files: 1, records: 302, stores: [store], remaining: [] });
    expect(readBufferFile(store).filter((x) => x.type === "task")).to.have.length(300);
    expect(spillFiles(spill)).to.have.length(0);
  });

  it("flowcept-otel replay --local does the same from the command line", async () => {
    const store = join(dir, "blocked", "flowcept_buffer.jsonl");
    const spill = join(dir, "spill");
    appendFileSync(join(dir, "blocked"), "not a folder");
    expect((await runNode(program(store, spill, 20), { limitMs: 60_000 })).code).to.equal(0);
    rmSync(join(dir, "blocked"));
    const r = await runCliProcess(["replay", "--local", "--spill-dir", spill]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`appended 22 records from 1 spill file(s) to ${store}`);
    expect(readBufferFile(store).filter((x) => x.type === "task")).to.have.length(20);
  });
});
