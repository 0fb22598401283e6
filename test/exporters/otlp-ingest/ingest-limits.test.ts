import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { expect } from "chai";
import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { OtlpIngestServer, type OtlpIngestServerOptions } from "../../../exporters/otlp-ingest/OtlpIngestServer.js";
import { countJsonSpans, countProtobufSpans } from "../../../exporters/otlp-ingest/span-count.js";
import { spanToRecord } from "../../../lib/pipeline/span-to-record.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { ControllableExporter } from "../../support/memory-exporter.js";
import { GatedExporter } from "../../support/gated-exporter.js";
import { finishedSpans, post } from "../../support/otlp-client.js";

const PROTO = { "content-type": "application/x-protobuf" };
const JSON_CT = { "content-type": "application/json" };

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** An `ExportTraceServiceRequest` of `n` empty spans, written field by field (no encoder would build it). */
function emptySpansProtobuf(n: number): Buffer {
  const spans = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) spans[2 * i] = 0x12; // ScopeSpans.spans (2), length 0
  const scope = Buffer.concat([Buffer.from([0x12, ...varint(spans.length)]), spans]); // ResourceSpans.scope_spans (2)
  return Buffer.concat([Buffer.from([0x0a, ...varint(scope.length)]), scope]); // ExportTraceServiceRequest.resource_spans (1)
}

function emptySpansJson(n: number): string {
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[${new Array(n).fill("{}").join(",")}]}]}]}`;
}

async function sampleBody(n: number): Promise<Buffer> {
  const spans = await finishedSpans((tracer) => {
    const t = tracer("app");
    for (let i = 0; i < n; i++) t.startSpan(`op-${i}`, { attributes: { i } }).end();
  });
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

function rawSocket(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => resolve(s));
    s.on("error", reject);
  });
}

/** What the server sends on `s` until it closes the connection. */
function untilClosed(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    s.on("data", (c: Buffer) => (got += c.toString()));
    s.on("error", () => undefined);
    s.on("close", () => resolve(got));
  });
}

describe("OTLP ingest limits", function () {
  this.timeout(60_000);
  let server: OtlpIngestServer | undefined;

  async function start(options: OtlpIngestServerOptions): Promise<string> {
    server = new OtlpIngestServer({ port: 0, ...options });
    return server.start();
  }

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("counts spans on the encoded body, stopping past the limit", () => {
    expect(countProtobufSpans(emptySpansProtobuf(12), 100)).to.equal(12);
    expect(countProtobufSpans(emptySpansProtobuf(1_000_000), 10)).to.equal(11);
    expect(countJsonSpans(emptySpansJson(12), 100)).to.equal(12);
    expect(countJsonSpans(emptySpansJson(1000), 10)).to.equal(11);
    expect(countJsonSpans('{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}', 10)).to.equal(0);
    // An escaped key is the same key to JSON.parse.
    expect(countJsonSpans('{"resourceSpans":[{"scopeSpans":[{"sp\\u0061ns":[{"name":"a\\"],[{"},{}]}]}]}', 10)).to.equal(2);
  });

  it("answers 413 with the cap for a small compressed body that expands to millions of empty spans, and /healthz meanwhile", async () => {
    const url = await start({ exporters: [new ControllableExporter("local")] });
    const proto = gzipSync(emptySpansProtobuf(7_000_000));
    const json = gzipSync(emptySpansJson(5_000_000));
    expect(proto.length).to.be.below(64 * 1024);
    const rss0 = process.memoryUsage().rss;
    const [a, b, health] = await Promise.all([
      post(`${url}/v1/traces`, proto, { ...PROTO, "content-encoding": "gzip" }),
      post(`${url}/v1/traces`, json, { ...JSON_CT, "content-encoding": "gzip" }),
      post(`${url}/healthz`, "", {}, "GET"),
    ]);
    expect(a.status).to.equal(413);
    expect(b.status).to.equal(413);
    expect(b.body.toString()).to.match(/more than 100000 spans/);
    expect(health.status).to.equal(200);
    // Decoding 7M spans took over 1 GB; counting them holds nothing but the body.
    expect(process.memoryUsage().rss - rss0).to.be.below(400 * 1024 * 1024);
  });

  it("takes a request at the span cap and refuses one above it", async () => {
    const exp = new ControllableExporter("local");
    const url = await start({ exporters: [exp], maxSpansPerRequest: 10 });
    expect((await post(`${url}/v1/traces`, await sampleBody(10), PROTO)).status).to.equal(200);
    const over = await post(`${url}/v1/traces`, await sampleBody(11), PROTO);
    expect(over.status).to.equal(413);
    expect(exp.records).to.have.length(10);
  });

  it("bounds request bytes held across requests: a request beyond the bound gets 429 with Retry-After", async () => {
    const gate = new GatedExporter();
    const body = await sampleBody(400);
    const url = await start({ exporters: [gate], maxBytesInFlight: Math.floor(body.length * 1.5) });
    const first = post(`${url}/v1/traces`, body, PROTO);
    await gate.whenHolding(1);
    const second = await post(`${url}/v1/traces`, body, PROTO);
    expect(second.status).to.equal(429);
    expect(second.headers["retry-after"]).to.equal("2");
    expect(second.body.toString()).to.match(/bytes in flight/);
    gate.release();
    expect((await first).status).to.equal(200);
    expect((await post(`${url}/v1/traces`, body, PROTO)).status, "the bytes were given back").to.equal(200);
    expect(server!.stats.inFlightBytes).to.equal(0);
  });

  it("caps concurrent connections", async () => {
    const url = await start({ exporters: [new ControllableExporter("local")], maxConnections: 2 });
    const held = [await rawSocket(url), await rawSocket(url)];
    const third = await rawSocket(url);
    const answer = untilClosed(third);
    third.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await answer, "closed without an answer").to.equal("");
    for (const s of held) s.destroy();
  });

  it("closes connections that trickle their headers or body (explicit timeouts)", async () => {
    const url = await start({ exporters: [new ControllableExporter("local")], headersTimeoutMillis: 300, requestTimeoutMillis: 600 });
    const slowHeaders = await rawSocket(url);
    const a = untilClosed(slowHeaders);
    slowHeaders.write("POST /v1/traces HTTP/1.1\r\nHost: x\r\n");
    const slowBody = await rawSocket(url);
    const b = untilClosed(slowBody);
    slowBody.write("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    const timer = setInterval(() => slowBody.writable && slowBody.write(" "), 100);
    try {
      expect(await a).to.match(/^HTTP\/1\.1 408/);
      expect(await b).to.match(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(timer);
    }
  });

  it("/healthz reports the store's state: 503 while its writes fail, ok again once one succeeds", async () => {
    const exp = new ControllableExporter("database");
    const url = await start({ exporters: [exp] });
    exp.down = true;
    expect((await post(`${url}/v1/traces`, await sampleBody(2), PROTO)).status).to.equal(503);
    const bad = await post(`${url}/healthz`, "", {}, "GET");
    expect(bad.status).to.equal(503);
    const state = JSON.parse(bad.body.toString()) as { status: string; store: { ok: boolean; error: string; failingSince: string } };
    expect(state.status).to.equal("store failing");
    expect(state.store.ok).to.equal(false);
    expect(state.store.error).to.match(/store unavailable/);
    exp.down = false;
    expect((await post(`${url}/v1/traces`, await sampleBody(2), PROTO)).status).to.equal(200);
    const good = await post(`${url}/healthz`, "", {}, "GET");
    expect(good.status).to.equal(200);
    expect(JSON.parse(good.body.toString())).to.include({ status: "ok" });
  });

  it("accepts the bearer scheme in any case (RFC 7235), and only the right token", async () => {
    const url = await start({ exporters: [new ControllableExporter("local")], token: "s3cret" });
    const body = await sampleBody(1);
    expect((await post(`${url}/v1/traces`, body, { ...PROTO, authorization: "bearer s3cret" })).status).to.equal(200);
    expect((await post(`${url}/v1/traces`, body, { ...PROTO, authorization: "BEARER s3cret" })).status).to.equal(200);
    expect((await post(`${url}/v1/traces`, body, { ...PROTO, authorization: "bearer S3CRET" })).status).to.equal(401);
    expect((await post(`${url}/v1/traces`, body, { ...PROTO, authorization: "Basic s3cret" })).status).to.equal(401);
  });

  it("takes record type and identity from the mapping, never from the span's JSON", async () => {
    const exp = new ControllableExporter("local");
    const url = await start({ exporters: [exp] });
    const wf = "5a3f0c1e-7b2d-4c8e-9f10-112233445566";
    const spans = await finishedSpans((tracer) => {
      tracer("flowcept-otel")
        .startSpan("wf", {
          attributes: {
            "flowcept.type": "workflow",
            "flowcept.workflow_id": wf,
            "flowcept.workflow": '{"type":"task","workflow_id":"other","campaign_id":"x","__proto__":{"injected":true},"name":"n"}',
          },
        })
        .end();
    });
    expect((await post(`${url}/v1/traces`, Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), PROTO)).status).to.equal(200);
    // A foreign span whose attribute key is "__proto__" (the SDK cannot even make one; the wire can).
    const foreign = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "foreign", startTimeUnixNano: "1700000000000000000", attributes: [{ key: "__proto__", value: { arrayValue: { values: [{ stringValue: "a" }] } } }] }] }] }],
    };
    expect((await post(`${url}/v1/traces`, JSON.stringify(foreign), JSON_CT)).status).to.equal(200);
    const w = exp.records.find((r) => r.type === "workflow") as FlowceptRecord & Record<string, unknown>;
    expect(w).to.include({ type: "workflow", workflow_id: wf, name: "n" });
    expect(w.campaign_id).to.equal(undefined);
    expect(Object.getPrototypeOf(w)).to.equal(Object.prototype);
    expect(w.injected).to.equal(undefined);
    expect(Object.getOwnPropertyDescriptor(w, "__proto__")?.value).to.deep.equal({ injected: true });
    const t = exp.records.find((r) => r.type === "task")!;
    expect(t.activity_id).to.equal("foreign");
    expect(Object.keys(t.used!)).to.deep.equal(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(t.used, "__proto__")?.value).to.deep.equal(["a"]);
  });

  it("the same holds for the in-process mapping", async () => {
    const [span] = await finishedSpans((tracer) => {
      tracer("flowcept-otel")
        .startSpan("wf", { attributes: { "flowcept.type": "workflow", "flowcept.workflow_id": "w-1", "flowcept.workflow": '{"type":"task","__proto__":{"x":1}}' } })
        .end();
    });
    const { readableSpanToData } = await import("../../../lib/pipeline/readable-span.js");
    const rec = spanToRecord(readableSpanToData(span!)) as Record<string, unknown>;
    expect(rec.type).to.equal("workflow");
    expect(rec.workflow_id).to.equal("w-1");
    expect(rec.x).to.equal(undefined);
  });
});
