/**
 * An application that set up the OpenTelemetry SDK itself (NodeSDK with the
 * auto-instrumentations): Flowcept's task spans go through that SDK — to its
 * exporters, under the app's HTTP spans — and the Flowcept span processor
 * also records the spans of the other instrumentations as tasks.
 *
 *   node dist/examples/otel-sdk-app.js
 */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Flowcept, flowceptTask, type TaskRecord } from "flowcept-otel";
// #region sdk
import { NodeSDK } from "@opentelemetry/sdk-node";
import { getNodeAutoInstrumentations } from "@opentelemetry/auto-instrumentations-node";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { FlowceptSpanProcessor } from "flowcept-otel";

process.env.OTEL_METRICS_EXPORTER ??= "none"; // this example exports traces only
process.env.OTEL_LOGS_EXPORTER ??= "none";
const appExporter = new InMemorySpanExporter(); // stands for your own exporter (OTLP, Jaeger, …)
const sdk = new NodeSDK({
  resourceDetectors: [],
  // optional: also record the spans of other instrumentations (HTTP, databases…) as tasks
  spanProcessors: [new FlowceptSpanProcessor(), new SimpleSpanProcessor(appExporter)],
  instrumentations: [getNodeAutoInstrumentations({ "@opentelemetry/instrumentation-fs": { enabled: false } })],
});
sdk.start();
// #endregion sdk

// A small HTTP service for the task to call. `require` hands out the module the SDK instrumented
// (ES module imports of Node's built-ins are bound before the SDK starts).
const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");
const server = http.createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const port = (server.address() as AddressInfo).port;

// #region task
const fetchStatus = flowceptTask(async function fetchStatus(path: string) {
  return await new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}${path}`, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    }).on("error", reject);
  });
});
await Flowcept.run({ workflowName: "sync" }, () => fetchStatus("/health"));
// #endregion task

server.close();
const exported = appExporter.getFinishedSpans().map((s) => s.name);
await sdk.shutdown();

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
const call = tasks.find((t) => t.activity_id === "fetchStatus")!;
const client = tasks.find((t) => t.parent_task_id === call.task_id && t.subtype === "client");
console.log(`fetchStatus generated=${JSON.stringify(call.generated)}; HTTP client span under it: ${client !== undefined}; the app's exporter saw fetchStatus: ${exported.includes("fetchStatus")}`);
