/**
 * The trace path: spans leave the process over OTLP/HTTP and the ingest
 * service turns them back into Flowcept records. Here the ingest service
 * runs in this process and stands in for the collector; in production the
 * app sends to an OpenTelemetry Collector, which forwards to
 * `flowcept-otel ingest` (and to Jaeger). Needs
 * `npm install @opentelemetry/exporter-trace-otlp-http protobufjs`.
 *
 *   node dist/examples/collector-path.js
 */
import { Flowcept, flowceptTask, registerFlowcept } from "flowcept-otel";
import { JsonlRecordExporter, OtlpIngestServer } from "flowcept-otel/exporters";

// #region collector
// The receiving side: `flowcept-otel ingest --port 4319` does the same from the command line.
const ingest = new OtlpIngestServer({ host: "127.0.0.1", port: 0, exporters: [new JsonlRecordExporter({ path: "collected.jsonl" })] });
const url = await ingest.start();

// The sending side: the standard OTel variable, usually set in the app's environment.
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = url; // e.g. http://collector:4318
const registration = registerFlowcept({ serviceName: "training" });

const fit = flowceptTask({ outputNames: "accuracy" }, async function fit(epochs: number) {
  return 1 - 1 / (epochs + 1);
});
await Flowcept.run({ workflowName: "through_otlp" }, () => fit(9));

await registration.provider?.forceFlush(); // spans are batched; flush before reading what arrived
await ingest.close();
// #endregion collector

const collected = Flowcept.readBufferFile("collected.jsonl");
const task = collected.find((r) => r.type === "task");
console.log(`ingest stored ${ingest.stats.recordsStored} records from ${ingest.stats.requests} request(s)`);
console.log(`${task?.activity_id} used=${JSON.stringify(task?.used)} generated=${JSON.stringify(task?.generated)}`);
