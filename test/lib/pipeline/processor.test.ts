import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { FlowceptSpanProcessor } from "../../../lib/pipeline/FlowceptSpanProcessor.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { ControllableExporter } from "../../support/memory-exporter.js";
import { useTempStore } from "../../support/temp-store.js";

describe("FlowceptSpanProcessor", () => {
  useTempStore();

  it("maps spans of other instrumentations to task records", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({ exporters: [exp] });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    const tracer = provider.getTracer("@opentelemetry/instrumentation-http");
    const server = tracer.startSpan("GET /users", { kind: SpanKind.SERVER, attributes: { "http.method": "GET", "http.status_code": 200 } });
    const client = tracer.startSpan("SELECT users", { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql" } }, trace.setSpan(context.active(), server));
    client.setStatus({ code: SpanStatusCode.ERROR, message: "connection reset" });
    client.end();
    server.end();
    await proc.forceFlush();
    const [c, s] = exp.records as TaskRecord[];
    expect(s!.activity_id).to.equal("GET /users");
    expect(s!.used).to.deep.equal({ "http.method": "GET", "http.status_code": 200 });
    expect(s!.subtype).to.equal("server");
    expect(s!.status).to.equal("FINISHED");
    expect(s!.custom_metadata).to.deep.equal({ otel_scope: "@opentelemetry/instrumentation-http" });
    expect(c!.subtype).to.equal("client");
    expect(c!.status).to.equal("ERROR");
    expect(c!.stderr).to.equal("connection reset");
    expect(c!.parent_task_id).to.equal(s!.task_id);
    await proc.shutdown();
    await provider.shutdown();
  });

  it("filters foreign spans and masks records before they leave", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({
      exporters: [exp],
      spanFilter: (s) => s.instrumentationScope.name !== "noisy",
      mask: (r) => (r.activity_id === "drop-me" ? undefined : { ...r, used: { masked: true } }),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    provider.getTracer("noisy").startSpan("ignored").end();
    provider.getTracer("app").startSpan("kept", { attributes: { secret: "x" } }).end();
    provider.getTracer("app").startSpan("drop-me").end();
    await proc.forceFlush();
    expect(exp.records.map((r) => [r.activity_id, r.used])).to.deep.equal([["kept", { masked: true }]]);
    await proc.shutdown();
    await provider.shutdown();
  });

  it("stamps workflow ids on every span started inside a workflow", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({ exporters: [exp] });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    let wf = "";
    await Flowcept.run({ campaignId: "camp-1" }, (fc) => {
      wf = fc.workflowId;
      provider.getTracer("other").startSpan("foreign", {}, context.active()).end();
    });
    await proc.forceFlush();
    const foreign = exp.records.find((r) => r.activity_id === "foreign")!;
    expect(foreign.workflow_id).to.equal(wf);
    expect(foreign.campaign_id).to.equal("camp-1");
    expect(foreign).to.not.have.property("parent_task_id");
    await proc.shutdown();
    await provider.shutdown();
  });

  it("loses nothing when the exporter fails for a while, and keeps order", async () => {
    const exp = new ControllableExporter("database");
    exp.down = true;
    const proc = new FlowceptSpanProcessor({ exporters: [exp], maxBatchSize: 100, scheduledDelayMillis: 5 });
    for (let i = 0; i < 1000; i++) proc.emit({ type: "task", task_id: `t${i}` });
    await new Promise((r) => setTimeout(r, 150));
    expect(exp.records).to.have.length(0);
    expect(proc.pending).to.equal(1000);
    exp.down = false;
    await proc.forceFlush();
    expect(exp.records.map((r) => r.task_id)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `t${i}`));
    expect(exp.calls).to.be.greaterThan(10);
    await proc.shutdown();
  });

  it("drains a synchronous burst without dropping and without holding it all in memory", async () => {
    const exp = new ControllableExporter("local", true);
    const proc = new FlowceptSpanProcessor({ exporters: [exp], maxBatchSize: 256, maxQueueSize: 1024 });
    let maxPending = 0;
    for (let i = 0; i < 100_000; i++) {
      proc.emit({ type: "task", task_id: `b${i}` });
      if (proc.pending > maxPending) maxPending = proc.pending;
    }
    expect(maxPending).to.be.at.most(1024);
    expect(exp.syncExports).to.be.greaterThan(50);
    await proc.forceFlush();
    expect(exp.records).to.have.length(100_000);
    expect(new Set(exp.records.map((r) => r.task_id)).size).to.equal(100_000);
    await proc.shutdown();
  });

  it("retries a slow exporter's failures with backoff, one lane at a time", async () => {
    const good = new ControllableExporter("local");
    const flaky = new ControllableExporter("database");
    flaky.failNext = 3;
    flaky.delayMs = 5;
    const proc = new FlowceptSpanProcessor({ exporters: [good, flaky], scheduledDelayMillis: 5 });
    for (let i = 0; i < 10; i++) proc.emit({ type: "task", task_id: `f${i}` });
    await proc.forceFlush();
    expect(good.records).to.have.length(10);
    expect(flaky.records).to.have.length(10);
    expect(good.calls).to.equal(1, "a failing exporter does not make the others resend");
    await proc.shutdown();
  });
});
