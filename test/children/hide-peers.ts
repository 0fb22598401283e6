/**
 * `--import` this first: registers hooks that hide the optional peer libraries (ES and CommonJS
 * loading). With `HIDE_INSTRUMENTATION_PEER=1`, `@opentelemetry/instrumentation` too.
 */
import Module, { register } from "node:module";

const peers = ["@modelcontextprotocol\\/sdk", "@tensorflow\\/tfjs[^/]*", "piscina", "mongodb", "sql\\.js", "protobufjs", "systeminformation", "@opentelemetry\\/exporter-trace-otlp-(?:http|proto|grpc)", "vega", "vega-lite", "@dagrejs\\/dagre"];
if (process.env.HIDE_INSTRUMENTATION_PEER === "1") peers.push("@opentelemetry\\/instrumentation");
const source = `^(${peers.join("|")})(\\/|$)`;
register(new URL("./hide-peers-hooks.js", import.meta.url), { data: { source } });
const HIDDEN = new RegExp(source);
const m = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = m._resolveFilename;
m._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (HIDDEN.test(request)) {
    const err = new Error(`Cannot find module '${request}'`) as Error & { code: string };
    err.code = "MODULE_NOT_FOUND";
    throw err;
  }
  return original.call(this, request, ...rest);
};
