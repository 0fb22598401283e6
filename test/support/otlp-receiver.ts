import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { parseTraceRequestJson } from "../../exporters/otlp-ingest/otlp-json.js";
import { decodeTraceRequest } from "../../exporters/otlp-ingest/otlp-protobuf.js";
import { otlpAttributes, otlpSpanToData } from "../../exporters/otlp-ingest/otlp-span-data.js";
import type { SpanData } from "../../lib/pipeline/span-data.js";

/** A request as the receiver saw it. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  contentType: string;
  spans: number;
}

/** A local OTLP/HTTP trace receiver (protobuf or JSON, gzip or not) on an ephemeral loopback port. */
export interface OtlpReceiver {
  url: string;
  spans: SpanData[];
  resources: Record<string, unknown>[];
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts an {@link OtlpReceiver}. */
export async function otlpReceiver(): Promise<OtlpReceiver> {
  const spans: SpanData[] = [];
  const resources: Record<string, unknown>[] = [];
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const contentType = req.headers["content-type"] ?? "";
      const doc = contentType.includes("json") ? parseTraceRequestJson(body.toString("utf8")) : decodeTraceRequest(body);
      let n = 0;
      for (const rs of doc.resourceSpans ?? []) {
        const resource = otlpAttributes(rs.resource?.attributes);
        resources.push(resource);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push(otlpSpanToData(s, ss.scope?.name ?? undefined, resource));
            n++;
          }
        }
      }
      requests.push({ headers: req.headers, contentType, spans: n });
      res.writeHead(200, { "content-type": contentType.includes("json") ? "application/json" : "application/x-protobuf" });
      res.end(contentType.includes("json") ? "{}" : "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, resources, requests, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/** A loopback port that refuses connections (it was listened on, then closed). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await closeServer(server);
  return port;
}

/** A loopback server that accepts connections and never answers: an endpoint that hangs. */
export async function silentEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => {
    // never answers
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
