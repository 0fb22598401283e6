import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Tracer } from "@opentelemetry/api";
import { request } from "node:http";

/** Spans ended by `build`, as an SDK would hand them to an exporter. */
export async function finishedSpans(build: (tracer: (scope: string) => Tracer) => void): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  build((scope) => provider.getTracer(scope));
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** An HTTP answer, body included. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a fresh connection (no keep-alive agent left behind). */
export function post(url: string, body: Buffer | string, headers: Record<string, string>, method = "POST"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
