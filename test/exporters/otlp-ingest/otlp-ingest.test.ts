import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { JsonlRecordExporter } from "../../../exporters/jsonl/JsonlRecordExporter.js";
import { OtlpIngestServer, type OtlpIngestServerOptions } from "../../../exporters/otlp-ingest/OtlpIngestServer.js";
import { decodeStatus, decodeTraceResponse, encodeTraceRequest } from "../../../exporters/otlp-ingest/otlp-protobuf.js";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { readableSpanToData } from "../../../lib/pipeline/readable-span.js";
import type { FlowceptRecord, TaskRecord } from "../../../lib/records/records.js";
import { spanToRecord } from "../../../lib/pipeline/span-to-record.js";
import { TRACER_NAME } from "../../../lib/process/version.js";
import { GatedExporter } from "../../support/gated-exporter.js";
import { finishedSpans, post } from "../../support/otlp-client.js";
import { useTempStore } from "../../support/temp-store.js";

type ExporterConfig = NonNullable<ConstructorParameters<typeof JsonExporter>[0]>;
const GZIP = "gzip" as ExporterConfig["compression"];
const WF = "5a3f0c1e-7b2d-4c8e-9f10-112233445566";
const PROTO = { "content-type": "application/x-protobuf" };
const JSON_CT = { "content-type": "application/json" };
const TIME_FIELDS = new Set(["started_at", "ended_at", "utc_timestamp", "submitted_at"]);

/** A small, varied batch: a Flowcept task, foreign server/client spans, a workflow span and a batch span. */
function sampleSpans(): Promise<ReadableSpan[]> {
  return finishedSpans((tracer) => {
    const ours = tracer(TRACER_NAME);
    const wf = ours.startSpan("demo_workflow", {
      attributes: { "flowcept.type": "workflow", "flowcept.workflow_id": WF, "flowcept.campaign_id": "camp-1", "flowcept.workflow": JSON.stringify({ name: "demo_workflow", user: "ana" }) },
    });
    const task = ours.startSpan(
      "train",
      {
        attributes: {
          "flowcept.type": "task",
          "flowcept.workflow_id": WF,
          "flowcept.campaign_id": "camp-1",
          "flowcept.used": JSON.stringify({ lr: 0.1, epochs: 3, layers: [64, 32] }),
          "flowcept.tags": ["ml", "demo"],
        },
      },
      trace.setSpan(context.active(), wf),
    );
    task.setAttribute("flowcept.generated", JSON.stringify({ loss: 0.25 }));
    task.setStatus({ code: SpanStatusCode.OK });
    const http = tracer("@opentelemetry/instrumentation-http");
    const server = http.startSpan("GET /users", {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": "GET", "http.response.status_code": 200, "net.peer.port": 51234, "http.route.matched": true, ratio: 0.5, "url.path.parts": ["users", "42"] },
    }, trace.setSpan(context.active(), task));
    const client = http.startSpan("SELECT users", { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql" } }, trace.setSpan(context.active(), server));
    client.recordException(new Error("connection reset"));
    client.setStatus({ code: SpanStatusCode.ERROR });
    client.end();
    server.end();
    task.end();
    ours.startSpan("step ×100", { attributes: { "flowcept.type": "batch", "flowcept.count": 100 } }).end();
    wf.end();
  });
}

/** What the in-process processor would record for these spans (the one mapping, without the store round trip). */
function inProcessRecords(spans: ReadableSpan[]): FlowceptRecord[] {
  return spans.map((s) => spanToRecord(readableSpanToData(s))).filter((r): r is FlowceptRecord => r !== undefined);
}

function expectSameRecords(got: FlowceptRecord[], want: FlowceptRecord[]): void {
  expect(got.map((r) => r.task_id ?? r.workflow_id).sort()).to.deep.equal(want.map((r) => r.task_id ?? r.workflow_id).sort());
  for (const w of want) {
    const g = got.find((r) => (r.task_id ?? r.workflow_id) === (w.task_id ?? w.workflow_id))!;
    expect(Object.keys(g).sort(), String(w.activity_id ?? w.name)).to.deep.equal(Object.keys(w).sort());
    for (const k of Object.keys(w)) {
      if (TIME_FIELDS.has(k)) expect(g[k] as number, k).to.be.closeTo(w[k] as number, 2e-6);
      else expect(g[k], k).to.deep.equal(w[k]);
    }
  }
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe("OTLP ingest service", function () {
  const store = useTempStore();
  let server: OtlpIngestServer | undefined;

  async function startServer(options: OtlpIngestServerOptions = {}): Promise<string> {
    server = new OtlpIngestServer({ port: 0, ...options });
    return server.start();
  }

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("binds 127.0.0.1 by default and answers /healthz", async () => {
    const url = await startServer();
    expect(server!.address.address).to.equal("127.0.0.1");
    const res = await post(`${url}/healthz`, "", {}, "GET");
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body.toString())).to.include({ status: "ok", inFlightRequests: 0 });
    expect((await post(`${url}/v1/metrics`, "{}", JSON_CT)).status).to.equal(404);
    const wrongMethod = await post(`${url}/v1/traces`, "", {}, "GET");
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.allow).to.equal("POST");
  });

  it("stores what the official JSON exporter sends, as the in-process mapping would record it", async () => {
    const url = await startServer();
    const spans = await sampleSpans();
    const exporter = new JsonExporter({ url: `${url}/v1/traces` });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code, String(result.error)).to.equal(ExportResultCode.SUCCESS);
    const records = await store.read();
    expect(records).to.have.length(4, "the batch span stands for records sent on their own and maps to none");
    expectSameRecords(records, inProcessRecords(spans));
    const tasks = records.filter((r): r is TaskRecord => r.type === "task");
    const client = tasks.find((t) => t.activity_id === "SELECT users")!;
    const srv = tasks.find((t) => t.activity_id === "GET /users")!;
    const train = tasks.find((t) => t.activity_id === "train")!;
    expect(client).to.include({ status: "ERROR", stderr: "connection reset", subtype: "client", parent_task_id: srv.task_id });
    expect(srv.used).to.deep.equal({ "http.request.method": "GET", "http.response.status_code": 200, "net.peer.port": 51234, "http.route.matched": true, ratio: 0.5, "url.path.parts": ["users", "42"] });
    expect(srv.parent_task_id).to.equal(train.task_id);
    expect(train).to.deep.include({ workflow_id: WF, used: { lr: 0.1, epochs: 3, layers: [64, 32] }, generated: { loss: 0.25 }, tags: ["ml", "demo"] });
    expect(records.find((r) => r.type === "workflow")).to.include({ workflow_id: WF, name: "demo_workflow", user: "ana", status: "FINISHED" });
    expect(server!.stats).to.include({ requests: 1, spansReceived: 5, spansRejected: 0, recordsStored: 4 });
  });

  it("stores what the official protobuf exporter sends with gzip, and JSON with gzip", async () => {
    const url = await startServer();
    const spans = await sampleSpans();
    const proto = new ProtoExporter({ url: `${url}/v1/traces`, compression: GZIP });
    expect((await exportWith(proto, spans)).code).to.equal(ExportResultCode.SUCCESS);
    await proto.shutdown();
    expectSameRecords(await store.read(), inProcessRecords(spans));

    const more = await sampleSpans();
    const json = new JsonExporter({ url: `${url}/v1/traces`, compression: GZIP });
    expect((await exportWith(json, more)).code).to.equal(ExportResultCode.SUCCESS);
    await json.shutdown();
    // Both batches belong to the same workflow: compare the tasks.
    const tasksOf = (rs: FlowceptRecord[]) => rs.filter((r) => r.type === "task");
    expectSameRecords(tasksOf(await store.read()), tasksOf([...inProcessRecords(spans), ...inProcessRecords(more)]));
  });

  it("is idempotent: a re-sent batch merges into the same records", async () => {
    const url = await startServer();
    const spans = await sampleSpans();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    for (let i = 0; i < 2; i++) expect((await post(`${url}/v1/traces`, body, PROTO)).status).to.equal(200);
    expect(readBufferFile(store.path, { merge: false })).to.have.length(8);
    expectSameRecords(await store.read(), inProcessRecords(spans));
  });

  it("reports spans it cannot map as a partial success, in the request's encoding", async () => {
    const url = await startServer();
    const good = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "ok", kind: 2, startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000001500000000" };
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "host.name", value: { stringValue: "node-7" } }] },
          scopeSpans: [{ scope: { name: "app" }, spans: [good, { ...good, spanId: "b7ad", name: "bad id" }, { ...good, spanId: "c7ad6b7169203331", startTimeUnixNano: "0", name: "no start" }] }],
        },
      ],
    };
    const res = await post(`${url}/v1/traces`, JSON.stringify(doc), JSON_CT);
    expect(res.status).to.equal(200);
    const answer = JSON.parse(res.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).to.equal("2");
    expect(answer.partialSuccess.errorMessage).to.match(/span id must be 16 hex digits.*and 1 more/);
    const [rec] = await store.tasks();
    expect(rec).to.include({ task_id: "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", activity_id: "ok", subtype: "server", hostname: "node-7", started_at: 1700000000, ended_at: 1700000001.5 });

    const proto = encodeTraceRequest({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(3, 1), name: "short", startTimeUnixNano: 1 }] }] }],
    });
    const pres = await post(`${url}/v1/traces`, Buffer.from(proto), PROTO);
    expect(pres.status).to.equal(200);
    expect(pres.headers["content-type"]).to.equal("application/x-protobuf");
    expect(decodeTraceResponse(pres.body)).to.deep.equal({ rejectedSpans: 1, errorMessage: "span id must be 8 bytes, got 3" });
  });

  it("writes JSON attributes as one line each, whatever their whitespace, and keeps unparsable ones as text", async () => {
    const url = await startServer();
    const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const span = (spanId: string, used: string) => ({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId,
      name: "t",
      startTimeUnixNano: "1700000000000000000",
      attributes: [attr("flowcept.type", "task"), attr("flowcept.used", used), attr("flowcept.generated", '{"ok":true}')],
    });
    const doc = { resourceSpans: [{ scopeSpans: [{ spans: [span("0000000000000001", '{\n  "a": 1,\r\n  "b": [2]\n}'), span("0000000000000002", "{not json"), span("0000000000000003", '{"c":"line\\nbreak"}')] }] }] };
    expect((await post(`${url}/v1/traces`, JSON.stringify(doc), JSON_CT)).status).to.equal(200);
    const lines = readBufferFile(store.path, { merge: false }) as TaskRecord[];
    expect(lines).to.have.length(3);
    expect(lines.map((t) => t.used)).to.deep.equal([{ a: 1, b: [2] }, { value: "{not json", error: "unparsable JSON attribute" }, { c: "line\nbreak" }]);
    for (const t of lines) expect(t.generated).to.deep.equal({ ok: true });
  });

  it("answers 400 to undecodable bodies and 415 to unsupported types and encodings", async () => {
    const url = await startServer();
    const garbage = await post(`${url}/v1/traces`, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO);
    expect(garbage.status).to.equal(400);
    expect(decodeStatus(garbage.body).message).to.match(/not an OTLP ExportTraceServiceRequest \(protobuf\)/);
    const badJson = await post(`${url}/v1/traces`, "{resourceSpans:", JSON_CT);
    expect(badJson.status).to.equal(400);
    expect(JSON.parse(badJson.body.toString())).to.include({ code: 3 });
    expect((await post(`${url}/v1/traces`, '{"resourceSpans": 7}', JSON_CT)).status).to.equal(400);
    const badGzip = await post(`${url}/v1/traces`, Buffer.from("not gzip at all"), { ...PROTO, "content-encoding": "gzip" });
    expect(badGzip.status).to.equal(400);
    expect((await post(`${url}/v1/traces`, "x", { "content-type": "text/plain" })).status).to.equal(415);
    expect((await post(`${url}/v1/traces`, "{}", { ...JSON_CT, "content-encoding": "zstd" })).status).to.equal(415);
    expect(await store.read()).to.have.length(0);
    expect(server!.stats.refused).to.equal(6);
  });

  it("answers 413 over the size limit: by Content-Length, while streaming, and for a compression bomb", async () => {
    const url = await startServer({ maxBodyBytes: 64 * 1024 });
    const big = Buffer.alloc(100 * 1024, 0x20);
    expect((await post(`${url}/v1/traces`, big, JSON_CT)).status).to.equal(413);

    // Chunked, no Content-Length: the answer arrives while the request is still open.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v1/traces`, { method: "POST", headers: JSON_CT, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", (err) => (err.message.includes("socket hang up") ? undefined : reject(err)));
      for (let i = 0; i < 80; i++) req.write(Buffer.alloc(1024, 0x20));
    });
    expect(status).to.equal(413);

    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    expect(bomb.length).to.be.lessThan(64 * 1024);
    const res = await post(`${url}/v1/traces`, bomb, { ...JSON_CT, "content-encoding": "gzip" });
    expect(res.status).to.equal(413);
    expect(JSON.parse(res.body.toString()).message).to.match(/exceeds the limit of 65536 bytes/);
  });

  it("answers 429 with Retry-After while the store is backed up, 503 while it fails, and loses nothing", async () => {
    const gate = new GatedExporter();
    const url = await startServer({ exporters: [gate], maxInFlightRecords: 3, retryAfterSeconds: 7 });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await sampleSpans())!);
    const first = post(`${url}/v1/traces`, body, PROTO);
    await gate.whenHolding(1);
    expect(server!.stats.inFlightRecords).to.equal(4);
    const throttled = await post(`${url}/v1/traces`, body, PROTO);
    expect(throttled.status).to.equal(429);
    expect(throttled.headers["retry-after"]).to.equal("7");
    expect(decodeStatus(throttled.body).message).to.match(/backed up/);
    gate.fail();
    const failed = await first;
    expect(failed.status).to.equal(503);
    expect(failed.headers["retry-after"]).to.equal("7");
    expect(server!.stats.inFlightRecords).to.equal(0);
    // The sender retries the same batch once the store is back: everything arrives.
    gate.release();
    expect((await post(`${url}/v1/traces`, body, PROTO)).status).to.equal(200);
    expect(gate.records).to.have.length(4);
    expect(server!.stats.throttled).to.equal(2);
  });

  it("requires the bearer token when one is set", async () => {
    const url = await startServer({ token: "s3cret" });
    const spans = await sampleSpans();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const none = await post(`${url}/v1/traces`, body, PROTO);
    expect(none.status).to.equal(401);
    expect(none.headers["www-authenticate"]).to.match(/^Bearer/);
    expect((await post(`${url}/v1/traces`, body, { ...PROTO, authorization: "Bearer wrong" })).status).to.equal(401);
    expect((await post(`${url}/v1/traces`, "", {}, "GET")).status).to.equal(405);
    const exporter = new ProtoExporter({ url: `${url}/v1/traces`, headers: { Authorization: "Bearer s3cret" } });
    expect((await exportWith(exporter, spans)).code).to.equal(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect(await store.read()).to.have.length(4);
  });

  it("runs the mask on every record before it is stored", async () => {
    const url = await startServer({
      mask: (r) => (r.activity_id === "SELECT users" ? undefined : r.used && "lr" in (r.used as object) ? { ...r, used: { lr: "[redacted]" } } : r),
    });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await sampleSpans())!);
    expect((await post(`${url}/v1/traces`, body, PROTO)).status).to.equal(200);
    const tasks = await store.tasks();
    expect(tasks.map((t) => t.activity_id).sort()).to.deep.equal(["GET /users", "train"]);
    expect(tasks.find((t) => t.activity_id === "train")!.used).to.deep.equal({ lr: "[redacted]" });
  });

  it("stops gracefully: a request under way is finished and stored, new connections are refused", async () => {
    const path = `${store.dir}/drain.jsonl`;
    const url = await startServer({ exporters: [new JsonlRecordExporter({ path })] });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await sampleSpans())!);
    let req!: ReturnType<typeof request>;
    const answer = new Promise<number>((resolve, reject) => {
      req = request(`${url}/v1/traces`, { method: "POST", headers: { ...PROTO, "content-length": String(body.length) }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    req.write(body.subarray(0, 100));
    while (server!.stats.inFlightRequests === 0) await new Promise((r) => setImmediate(r));
    const closed = server!.close();
    req.end(body.subarray(100));
    expect(await answer).to.equal(200);
    await closed;
    expect(readBufferFile(path)).to.have.length(4);
    const refused = await post(`${url}/healthz`, "", {}, "GET").then(
      () => "answered",
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(refused).to.equal("ECONNREFUSED");
  });
});
