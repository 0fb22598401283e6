/**
 * An instrumented `node:http` service in its own process: registers
 * Flowcept with the http instrumentation, runs a task per request, prints its
 * port, and serves until SIGTERM (which flushes the local store).
 */
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { createRequire } from "node:module";
import { configure, flowceptTask, registerFlowcept } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
registerFlowcept({ instrumentations: [new HttpInstrumentation()] });
// Loaded after the instrumentation is enabled, through require: the instrumented module object.
const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");

const lookup = flowceptTask(function lookup_user(id: string) {
  return { id, name: `user-${id}` };
});

const server = http.createServer((req, res) => {
  const user = lookup(req.url!.split("/").pop()!);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(user));
});
server.listen(0, "127.0.0.1", () => {
  const a = server.address() as { port: number };
  process.stdout.write(`${a.port}\n`);
});
