/**
 * An application that already uses OpenTelemetry, set up as named by its
 * first argument, and that runs a Flowcept workflow (tasks, a loop, a
 * custom task, and for `nodesdk-http` an HTTP call inside a task). Prints
 * one JSON line: the workflow id and the spans its own exporter received.
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncHooksContextManager } from "@opentelemetry/context-async-hooks";
import { AlwaysOffSampler, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createRequire } from "node:module";
import { configure, Flowcept, FlowceptLoop, FlowceptSpanProcessor, FlowceptTask, flowceptTask } from "flowcept-otel";

const scenario = process.argv[2] ?? "app-provider";
configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
const memory = new InMemorySpanExporter();
const inMemory = new SimpleSpanProcessor(memory);
let shutdown: () => Promise<unknown> = async () => undefined;

if (scenario === "app-provider" || scenario === "app-provider-with-processor" || scenario === "sampled-out") {
  const spanProcessors: SpanProcessor[] = scenario === "app-provider" ? [inMemory] : [new FlowceptSpanProcessor(), inMemory];
  const provider = new NodeTracerProvider({ spanProcessors, sampler: scenario === "sampled-out" ? new AlwaysOffSampler() : undefined });
  provider.register();
  shutdown = () => provider.shutdown();
} else if (scenario === "own-context-manager") {
  context.setGlobalContextManager(new AsyncHooksContextManager().enable());
  const provider = new NodeTracerProvider({ spanProcessors: [inMemory] });
  provider.register({ contextManager: null });
  shutdown = () => provider.shutdown();
} else if (scenario === "nodesdk-http") {
  // This app traces only; NodeSDK would otherwise also export metrics and logs to localhost.
  process.env.OTEL_METRICS_EXPORTER = "none";
  process.env.OTEL_LOGS_EXPORTER = "none";
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const { getNodeAutoInstrumentations } = await import("@opentelemetry/auto-instrumentations-node");
  const sdk = new NodeSDK({
    spanProcessors: [new FlowceptSpanProcessor(), inMemory],
    instrumentations: [getNodeAutoInstrumentations({ "@opentelemetry/instrumentation-fs": { enabled: false }, "@opentelemetry/instrumentation-dns": { enabled: false }, "@opentelemetry/instrumentation-net": { enabled: false } })],
  });
  sdk.start();
  shutdown = () => sdk.shutdown();
}
// "sdk-disabled": no provider at all (run with OTEL_SDK_DISABLED=true).

const inner = flowceptTask(async function inner(x: number) {
  await new Promise((r) => setTimeout(r, 1));
  return x + 1;
});
const outer = flowceptTask({ outputNames: "y" }, async function outer(x: number) {
  return (await inner(x)) * 2;
});

let callHttp: () => Promise<void> = async () => undefined;
let closeHttp: () => void = () => undefined;
if (scenario === "nodesdk-http") {
  const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");
  const server = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  callHttp = flowceptTask(function fetchUsers() {
    return new Promise<void>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/users", agent: false }, (res) => res.resume().on("end", resolve)).on("error", reject);
    });
  });
  closeHttp = () => server.close();
}

const workflowId = await Flowcept.run({ workflowName: `otel-${scenario}` }, async (fc) => {
  await outer(1);
  const loop = new FlowceptLoop(3, { loopName: "epochs" });
  for (const i of loop) loop.endIter({ loss: 1 / (i + 1) });
  new FlowceptTask({ activityId: "custom", used: { a: 1 } }).end({ generated: { b: 2 } });
  await callHttp();
  return fc.workflowId;
});
closeHttp();
// Spans wait for the resource's asynchronous attributes (NodeSDK's detectors) before they are exported.
await inMemory.forceFlush();
const spans = memory.getFinishedSpans().map((s: ReadableSpan) => ({
  name: s.name,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  scope: s.instrumentationScope.name,
  workflowId: s.attributes["flowcept.workflow_id"],
}));
process.stdout.write(`${JSON.stringify({ workflowId, spans, activeSpan: trace.getActiveSpan() === undefined })}\n`);
await shutdown();
