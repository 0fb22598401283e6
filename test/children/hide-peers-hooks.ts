/** Module hooks that make the optional peer libraries look uninstalled. */
const HIDDEN = /^(@modelcontextprotocol\/sdk|@tensorflow\/tfjs[^/]*|piscina|mongodb|sql\.js|protobufjs|systeminformation|@opentelemetry\/exporter-trace-otlp-(?:http|proto|grpc)|vega|vega-lite|@dagrejs\/dagre)(\/|$)/;

export async function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => Promise<unknown>): Promise<unknown> {
  if (HIDDEN.test(specifier)) {
    const err = new Error(`Cannot find package '${specifier}'`) as Error & { code: string };
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  return next(specifier, context);
}
