/**
 * With the optional peers hidden (`--import hide-peers.js`), uses each feature
 * that needs one and prints what each said, as JSON.
 */
import { diag, DiagLogLevel } from "@opentelemetry/api";

const out: Record<string, string> = {};
const logged: string[] = [];
const keep = (m: string): void => void logged.push(m);
diag.setLogger({ error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);

async function attempt(name: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
    out[name] = "ok";
  } catch (err) {
    out[name] = (err as Error).message;
  }
}

const { Flowcept, configure } = await import("flowcept-otel");
const { MongoQueryBackend } = await import("flowcept-otel/query");
const { OtlpIngestServer } = await import("flowcept-otel/exporters");
const { createAdapter } = await import("../../instrumentations/file-observers/create-adapter.js");

await attempt("mongodbStore", async () => {
  configure({ databases: { mongodb: { enabled: true, uri: "mongodb://127.0.0.1:9" } } });
  try {
    const fc = await new Flowcept({ workflowName: "needs-mongo" }).start();
    await fc.stop();
  } finally {
    configure({ databases: { mongodb: { enabled: false } } });
  }
});
await attempt("mongodbQuery", async () => new MongoQueryBackend({ uri: "mongodb://127.0.0.1:9", dbName: "x" }));
await attempt("ingest", async () => {
  const server = new OtlpIngestServer({ port: 0, exporters: [] });
  await server.start();
  await server.close();
});
await attempt("mlflowSqlite", async () => {
  const adapter = createAdapter("mlflow", { kind: "mlflow", file_path: process.argv[2]!, state_file: false }, () => undefined);
  await adapter.scanOnce();
  throw new Error(logged.find((m) => m.includes("sql.js")) ?? "nothing logged");
});
await attempt("localStore", () => Flowcept.run({ workflowName: "no-otlp-exporter" }, () => undefined));
await attempt("machineInfo", async () => {
  const { collectMachineInfo } = await import("../../lib/telemetry/machine-info.js");
  const info = await collectMachineInfo();
  throw new Error(JSON.stringify(info.errors ?? info));
});
await attempt("instrumentationClass", async () => {
  const { McpInstrumentation } = await import("flowcept-otel/instrumentations");
  new McpInstrumentation();
});
await attempt("autoInstrumentations", async () => {
  const { autoInstrumentations } = await import("flowcept-otel/instrumentations");
  const enabled = autoInstrumentations(["mcp", "piscina"]);
  throw new Error(`${enabled.length} enabled; ${logged.find((m) => m.includes("@opentelemetry/instrumentation")) ?? "nothing logged"}`);
});
out.otlp = logged.find((m) => m.includes("OTLP")) ?? "";
process.stdout.write(JSON.stringify(out));
