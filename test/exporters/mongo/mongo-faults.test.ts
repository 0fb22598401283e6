import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoRecordExporter, type MongoRecordExporterOptions } from "../../../exporters/mongo/MongoRecordExporter.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { MongoWireServer } from "../../support/MongoWireServer.js";

function send(exporter: MongoRecordExporter, records: FlowceptRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}

function tasks(from: number, n: number): FlowceptRecord[] {
  return Array.from({ length: n }, (_, i) => ({ type: "task", task_id: `t${from + i}`, workflow_id: "wf-faults", used: { i: from + i } }));
}

describe("MongoDB faults: a server that stops answering mid-batch", function () {
  this.timeout(60_000);
  let server: MongoWireServer;
  let dir: string;
  const exporters: MongoRecordExporter[] = [];

  function make(options: Partial<MongoRecordExporterOptions> = {}): MongoRecordExporter {
    const e = new MongoRecordExporter({
      uri: server.uri,
      dbName: "faults",
      spillDir: join(dir, "spill"),
      batchSize: 100,
      serverSelectionTimeoutMS: 500,
      retryInitialMs: 50,
      retryMaxMs: 400,
      stopMaxTrials: 20,
      stopTrialsSleepMs: 50,
      ...options,
    });
    exporters.push(e);
    return e;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-mongo-faults-"));
    server = await new MongoWireServer().start();
  });
  afterEach(async () => {
    server.silent = false;
    for (const e of exporters.splice(0)) await e.shutdown();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stop() ends within its bound, every record is kept on disk, and the replay stores each record once", async () => {
    const first = make();
    expect((await send(first, tasks(0, 300))).code).to.equal(ExportResultCode.SUCCESS);
    const updatesBefore = server.commandCounts.get("update") ?? 0;
    server.silent = true;
    const answered = send(first, tasks(300, 300));
    // The server has taken a write of the second lot and will never answer it.
    while ((server.commandCounts.get("update") ?? 0) === updatesBefore) await new Promise((r) => setTimeout(r, 5));
    await first.shutdown();
    // Durable: written to a spill file, which is what SUCCESS means for this exporter.
    expect((await answered).code).to.equal(ExportResultCode.SUCCESS);
    const spilled = readdirSync(join(dir, "spill")).filter((f) => f.startsWith("spill-"));
    expect(spilled).to.have.length(1);

    server.silent = false;
    const second = make();
    const result = await second.replay({ timeoutMs: 20_000 });
    expect(result.remaining).to.deep.equal([]);
    const docs = server.collection("faults", "tasks").find({}).map((d) => d.task_id as string);
    // What the silent server applied is written again by the replay: upserts by task_id keep one document each.
    expect(docs).to.have.length(600);
    expect(new Set(docs).size).to.equal(600);
    expect(readdirSync(join(dir, "spill")).filter((f) => f.startsWith("spill-"))).to.deep.equal([]);
  });
});
