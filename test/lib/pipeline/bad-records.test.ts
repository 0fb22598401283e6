import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { expect } from "chai";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { JsonlRecordExporter } from "../../../exporters/jsonl/JsonlRecordExporter.js";
import { closeFile } from "../../../exporters/jsonl/file-appender.js";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { RecordPipeline } from "../../../lib/pipeline/RecordPipeline.js";
import type { RecordExporter } from "../../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { bufferFilePath } from "../../../lib/settings/buffer-path.js";
import { configure, getSettings } from "../../../lib/settings/settings-loader.js";
import { captureDiag, type DiagCapture } from "../telemetry/diag-capture.js";
import { useTempStore } from "../../support/temp-store.js";

/** Every record in the store's folder (all of its files), as written. */
function everyRecord(folder: string): FlowceptRecord[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readBufferFile(join(folder, f), { merge: false }));
}

function rejectedLines(folder: string): { reason: string; record: FlowceptRecord }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.startsWith("rejected-"))
    .flatMap((f) => readFileSync(join(folder, f), "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l) as { reason: string; record: FlowceptRecord });
}

/** Takes every batch but those holding a record whose `task_id` is `poison`. */
class PickyExporter implements RecordExporter {
  readonly records: FlowceptRecord[] = [];
  export(records: FlowceptRecord[], cb: (r: ExportResult) => void): void {
    setImmediate(() => {
      if (records.some((r) => r.task_id === "poison")) cb({ code: ExportResultCode.FAILED, error: new Error("field `poison` is not allowed") });
      else {
        this.records.push(...records);
        cb({ code: ExportResultCode.SUCCESS });
      }
    });
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe("one bad record never holds back the others", function () {
  this.timeout(60_000);
  const store = useTempStore({ project: { dump_buffer: { append_workflow_id_to_path: true } } });
  let diag: DiagCapture;
  let pipeline: RecordPipeline | undefined;
  beforeEach(() => {
    diag = captureDiag();
    configure({ db_buffer: { spill_dir: join(store.dir, "spill") } });
  });
  afterEach(async () => {
    await pipeline?.shutdown();
    pipeline = undefined;
    closeFile();
    diag.restore();
  });

  it("a workflow id too long for a file name: all 10,003 records are written, inside the store's folder", async () => {
    pipeline = new RecordPipeline();
    const long = `wf-${"L".repeat(300)}`;
    for (let i = 0; i < 10_000; i++) {
      pipeline.emit({ type: "task", task_id: `good-${i}`, workflow_id: "wf-good" });
      if (i % 4000 === 0) pipeline.emit({ type: "task", task_id: `long-${i}`, workflow_id: long });
    }
    await pipeline.forceFlush(5000);
    const all = everyRecord(store.dir);
    expect(all).to.have.length(10_003);
    expect(all.filter((r) => r.workflow_id === long)).to.have.length(3);
    expect(readBufferFile(bufferFilePath(getSettings(), "wf-good"))).to.have.length(10_000);
  });

  it("a workflow whose file cannot be opened (a folder stands in its place) does not stop the other workflows", async () => {
    pipeline = new RecordPipeline();
    mkdirSync(bufferFilePath(getSettings(), "wf-blocked"));
    for (let i = 0; i < 5_000; i++) {
      pipeline.emit({ type: "task", task_id: `ok-${i}`, workflow_id: "wf-ok" });
      if (i % 1000 === 0) pipeline.emit({ type: "task", task_id: `blocked-${i}`, workflow_id: "wf-blocked" });
    }
    await pipeline.forceFlush(5000);
    expect(readBufferFile(bufferFilePath(getSettings(), "wf-ok"))).to.have.length(5_000);
    expect(pipeline.pending).to.equal(0);
    // The blocked workflow's records are kept aside in a spill file, named in one report.
    const report = diag.warnings.filter((m) => m.includes("cannot write the local store"));
    expect(report).to.have.length(1);
    const spill = /go to (\S+\.jsonl) until/.exec(report[0]!)![1]!;
    expect(readBufferFile(spill, { merge: false }).map((r) => r.task_id)).to.have.members(["blocked-0", "blocked-1000", "blocked-2000", "blocked-3000", "blocked-4000"]);
  });

  it("a mask that returns a BigInt in one record: that record is set aside with the reason, the other 5,002 are written", async () => {
    const path = join(store.dir, "masked.jsonl");
    const spillDir = join(store.dir, "spill");
    pipeline = new RecordPipeline({
      exporters: [new JsonlRecordExporter({ path, spillDir })],
      mask: (r) => (r.task_id === "t2500" ? { ...r, used: { big: 10n as unknown as number } } : r),
    });
    for (let i = 0; i < 5_003; i++) pipeline.emit({ type: "task", task_id: `t${i}`, used: { i } });
    await pipeline.forceFlush(5000);
    const written = readBufferFile(path);
    expect(written).to.have.length(5_002);
    expect(written.some((r) => r.task_id === "t2500")).to.equal(false);
    const rejected = rejectedLines(spillDir);
    expect(rejected).to.have.length(1);
    expect(rejected[0]!.reason).to.match(/BigInt/);
    expect(rejected[0]!.record.task_id).to.equal("t2500");
    expect(diag.warnings.filter((m) => m.includes("refused by the local store"))).to.have.length(1);
  });

  it("an exporter that keeps refusing one record takes all the others, and the refused one is set aside with the reason", async () => {
    const exporter = new PickyExporter();
    pipeline = new RecordPipeline({ exporters: [exporter], maxBatchSize: 50, scheduledDelayMillis: 10 });
    for (let i = 0; i < 1_000; i++) pipeline.emit({ type: "task", task_id: i === 10 ? "poison" : `r${i}` });
    for (let i = 0; i < 50 && pipeline.pending > 0; i++) await pipeline.forceFlush(2000);
    expect(exporter.records).to.have.length(999);
    expect(pipeline.pending).to.equal(0);
    const rejected = rejectedLines(join(store.dir, "spill"));
    expect(rejected).to.have.length(1);
    expect(rejected[0]!.record.task_id).to.equal("poison");
    expect(rejected[0]!.reason).to.match(/PickyExporter refused it \d+ times while taking other records: field `poison` is not allowed/);
  });
});
