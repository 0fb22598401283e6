/** `--import` this first: registers hooks that hide the optional peer libraries (ES and CommonJS loading). */
import Module, { register } from "node:module";

register(new URL("./hide-peers-hooks.js", import.meta.url));
const HIDDEN = /^(@modelcontextprotocol\/sdk|@tensorflow\/tfjs[^/]*|piscina|mongodb|sql\.js|protobufjs|systeminformation|@opentelemetry\/exporter-trace-otlp-(?:http|proto|grpc)|vega|vega-lite|@dagrejs\/dagre)(\/|$)/;
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
