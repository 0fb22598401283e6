import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { TRACER_NAME } from "../../../lib/process/version.js";
import { startService, type Service } from "../../support/ingest-service.js";
import { finishedSpans, post } from "../../support/otlp-client.js";
import { TcpProxy } from "../../support/tcp-proxy.js";

function spans(prefix: string, n: number): Promise<ReadableSpan[]> {
  return finishedSpans((tracer) => {
    for (let i = 0; i < n; i++) tracer(TRACER_NAME).startSpan(`${prefix}-${i}`, { attributes: { "flowcept.type": "task", "flowcept.workflow_id": "wf-kill" } }).end();
  });
}

function exportOnce(exporter: OTLPTraceExporter, batch: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch, resolve));
}

async function inFlight(url: string): Promise<number> {
  const health = JSON.parse((await post(`${url}/healthz`, "", {}, "GET")).body.toString()) as { inFlightRequests: number };
  return health.inFlightRequests;
}

/**
 * What holds when the ingest service is killed: an answer 200 means the
 * request's records are in the store file (written before the answer); a
 * request cut short is never answered 200, and the OTLP exporter sends it
 * again (connection errors are retryable, 5 attempts, 1–5 s apart) to the
 * restarted service. A request stored but not answered (killed between the
 * two) is stored twice, as lines with the same ids that readers and MongoDB's
 * upserts merge into one record.
 */
describe("ingest faults: an unwritable store, and the service killed in the middle of a request", function () {
  this.timeout(90_000);
  let dir: string;
  const services: Service[] = [];
  let proxy: TcpProxy | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-ingest-kill-"));
  });
  afterEach(async () => {
    for (const s of services.splice(0)) {
      if (s.child.exitCode === null) s.child.kill("SIGKILL");
      await s.exited;
    }
    await proxy?.stop();
    proxy = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("a store that cannot be written: requests are answered 200 (records spilled), and /healthz says the store is failing and where they went", async () => {
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: /dev/full\ndb_buffer:\n  spill_dir: ${join(dir, "spill")}\n`);
    const service = await startService(dir, [], { FLOWCEPT_SETTINGS_PATH: settings });
    services.push(service);
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await spans("full", 20))!);
    expect((await post(`${service.url}/v1/traces`, body, { "content-type": "application/x-protobuf" })).status).to.equal(200);
    const health = await post(`${service.url}/healthz`, "", {}, "GET");
    expect(health.status).to.equal(503);
    const state = JSON.parse(health.body.toString()) as { status: string; store: { ok: boolean; error: string } };
    expect(state.status).to.equal("store failing");
    expect(state.store.error).to.match(/cannot write \/dev\/full \(ENOSPC.*records go to .*spill-.*\.jsonl/);
    service.child.kill("SIGTERM");
    expect(await service.exited).to.equal(0);
    const spilled = readdirSync(join(dir, "spill", "local")).flatMap((d) => readdirSync(join(dir, "spill", "local", d)).filter((f) => f.startsWith("spill-")).map((f) => join(dir, "spill", "local", d, f)));
    expect(spilled.flatMap((f) => readBufferFile(f, { merge: false }))).to.have.length(20);
  });

  it("the official exporter's retry reaches the restarted service: every span is stored, none twice", async () => {
    const first = await startService(dir);
    services.push(first);
    proxy = new TcpProxy(first.port);
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${await proxy.start()}/v1/traces` });
    try {
      expect((await exportOnce(exporter, await spans("before", 100))).code).to.equal(ExportResultCode.SUCCESS);

      // The next request is held half-way through its body, and the service is killed while it waits for the rest.
      proxy.hold(400);
      const cut = exportOnce(exporter, await spans("cut", 200));
      while ((await inFlight(first.url)) === 0) await new Promise((r) => setTimeout(r, 10));
      first.child.kill("SIGKILL");
      await first.exited;
      proxy.release();
      const second = await startService(dir, ["--port", String(first.port)]);
      services.push(second);
      expect((await cut).code).to.equal(ExportResultCode.SUCCESS);

      expect((await exportOnce(exporter, await spans("after", 50))).code).to.equal(ExportResultCode.SUCCESS);
      second.child.kill("SIGTERM");
      expect(await second.exited).to.equal(0);
    } finally {
      await exporter.shutdown();
    }
    const lines = readBufferFile(join(dir, "flowcept_buffer.jsonl"), { merge: false });
    const names = lines.map((r) => r.activity_id as string);
    expect(names.filter((n) => n.startsWith("before-"))).to.have.length(100);
    expect(names.filter((n) => n.startsWith("cut-"))).to.have.length(200);
    expect(names.filter((n) => n.startsWith("after-"))).to.have.length(50);
    expect(new Set(lines.map((r) => r.task_id)).size).to.equal(350);
  });
});
