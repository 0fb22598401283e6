/**
 * An application already traced with OpenTelemetry — its own
 * NodeTracerProvider and the http instrumentation, no Flowcept capture API —
 * that adds one FlowceptSpanProcessor (with filters and a mask) to record
 * provenance from its spans.
 */
import { trace } from "@opentelemetry/api";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createRequire } from "node:module";
import { FlowceptSpanProcessor } from "flowcept-otel";
import { JsonlRecordExporter } from "flowcept-otel/exporters";

const processor = new FlowceptSpanProcessor({
  exporters: [new JsonlRecordExporter({ path: process.env.BUFFER_PATH! })],
  include: [{ scopes: ["@opentelemetry/instrumentation-http"] }, { scopes: ["app"], names: [/^job:/] }],
  exclude: { names: ["GET /internal"] },
  mask: (r) => {
    const used = r.used as Record<string, unknown> | undefined;
    if (used?.["api.key"] === undefined) return r;
    return { ...r, used: { ...used, "api.key": "[redacted]" } };
  },
});
const provider = new NodeTracerProvider({ spanProcessors: [processor] });
provider.register();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: provider });
const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");

const server = http.createServer((req, res) => {
  res.writeHead(req.url === "/fail" ? 500 : 200);
  res.end("ok");
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as { port: number }).port;

function get(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path }, (res) => res.resume().on("end", resolve)).on("error", reject);
  });
}

const tracer = trace.getTracer("app");
await tracer.startActiveSpan("job:sync-users", { attributes: { "api.key": "k-123", batch: 3 } }, async (job) => {
  await get("/users");
  await get("/fail");
  job.end();
});
tracer.startSpan("cache lookup").end();
tracer.startSpan("GET /internal").end();
server.close();
await provider.shutdown();
