/**
 * The ingest service's live streams: what it stores is served as
 * server-sent events on Flowcept's paths, behind its bearer token when it
 * has one, resumable with Last-Event-ID.
 */
import { expect } from "chai";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OtlpIngestServer } from "../../../exporters/otlp-ingest/OtlpIngestServer.js";
import { TRACER_NAME } from "../../../lib/process/version.js";
import { finishedSpans } from "../../support/otlp-client.js";
import { httpGet, openSse } from "../../support/sse-client.js";
import { useTempStore } from "../../support/temp-store.js";

const WF = "7b3f0c1e-7b2d-4c8e-9f10-112233445566";

function spans(names: string[]) {
  return finishedSpans((tracer) => {
    const t = tracer(TRACER_NAME);
    for (const name of names) t.startSpan(name, { attributes: { "flowcept.type": "task", "flowcept.workflow_id": WF, "flowcept.used": JSON.stringify({ name }) } }).end();
  });
}

async function send(url: string, names: string[], token?: string): Promise<void> {
  const exporter = new JsonExporter({ url: `${url}/v1/traces`, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const result = await new Promise<ExportResult>(async (r) => exporter.export(await spans(names), r));
  await exporter.shutdown();
  expect(result.code, String(result.error)).to.equal(ExportResultCode.SUCCESS);
}

describe("OTLP ingest service: record streams", () => {
  useTempStore();
  let server: OtlpIngestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("streams the records it stored, filtered, and resumes after Last-Event-ID", async () => {
    server = new OtlpIngestServer({ port: 0 });
    const url = await server.start();
    const all = await openSse(`${url}/api/v1/stream/tasks`);
    const none = await openSse(`${url}/api/v1/stream/tasks?workflow_id=another`);
    await send(url, ["first", "second"]);
    await all.waitFor(2);
    expect(all.records().map((r) => r.activity_id)).to.deep.equal(["first", "second"]);
    expect(all.records()[0]).to.deep.include({ type: "task", workflow_id: WF, used: { name: "first" }, status: "FINISHED" });
    const last = all.lastId()!;
    all.close();
    await send(url, ["third"]);
    const resumed = await openSse(`${url}/api/v1/stream/tasks`, { "last-event-id": last });
    await resumed.waitFor(1);
    expect(resumed.records().map((r) => r.activity_id)).to.deep.equal(["third"]);
    expect(none.records()).to.deep.equal([]);
    resumed.close();
    none.close();
    expect((await httpGet(`${url}/api/v1/stream/spans`)).status).to.equal(404);
  });

  it("asks for its bearer token on the streams too", async () => {
    server = new OtlpIngestServer({ port: 0, token: "ingest-token" });
    const url = await server.start();
    const refused = await httpGet(`${url}/api/v1/stream/tasks`);
    expect(refused.status).to.equal(401);
    expect((await httpGet(`${url}/api/v1/stream/tasks`, { authorization: "Bearer nope" })).status).to.equal(401);
    const s = await openSse(`${url}/api/v1/stream/workflows`, { authorization: "Bearer ingest-token" });
    expect(s.status).to.equal(200);
    s.close();
  });

  it("ends its streams when it stops", async () => {
    server = new OtlpIngestServer({ port: 0 });
    const url = await server.start();
    const s = await openSse(`${url}/api/v1/stream/tasks`);
    await server.close();
    await s.closed;
    server = undefined;
  });
});
