import { diag } from "@opentelemetry/api";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import { exportToAll } from "../../lib/pipeline/export-records.js";
import { createIngestExporters } from "./ingest-exporters.js";
import { parseTraceRequestJson, statusJson, traceResponseJson } from "./otlp-json.js";
import { decodeTraceRequest, encodeStatus, encodeTraceResponse, loadOtlpProtobuf } from "./otlp-protobuf.js";
import { otlpRequestToRecordsInSlices } from "./otlp-records.js";
import { countJsonSpans, countProtobufSpans } from "./span-count.js";
import type { OtlpTraceRequest } from "./otlp-types.js";
import { BodyError, decoderFor, readBody } from "./request-body.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { httpUrl } from "../../lib/util/http-url.js";
import { AgentRecords } from "../../lib/pipeline/AgentRecords.js";
import type { MappingDefaults } from "../../lib/pipeline/span-to-record.js";
import { valueLimits } from "../../lib/settings/value-limits.js";
import { RecordFeed } from "../../lib/stream/RecordFeed.js";
import { handleStreamRequest } from "../../lib/stream/serve-sse.js";

/** Options of {@link OtlpIngestServer}. */
export interface OtlpIngestServerOptions {
  /** Interface to bind. Default `127.0.0.1`: only local senders (a collector on the same host). */
  host?: string | undefined;
  /** Default 4318, the OTLP/HTTP port; 0 picks a free port. */
  port?: number | undefined;
  /** When set, `POST /v1/traces` and the record streams require `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Largest request body accepted, compressed and decompressed alike. Default 16 MiB. */
  maxBodyBytes?: number | undefined;
  /** Where records go. Default: MongoDB when settings enable it, else the local JSONL store. */
  exporters?: RecordExporter[] | undefined;
  /**
   * Records accepted but not yet durable. Requests arriving beyond this are
   * answered 429 with `Retry-After`, so a slow store never makes the service
   * hold unbounded memory. Default 100 000.
   */
  maxInFlightRecords?: number | undefined;
  /** `Retry-After` (seconds) on 429 and 503 answers. Default 2. */
  retryAfterSeconds?: number | undefined;
  /** Longest wait in {@link OtlpIngestServer.close} for in-flight requests. Default 30 s. */
  shutdownTimeoutMillis?: number | undefined;
  /** Runs on every record before it is stored (redaction); undefined drops the record. */
  mask?: ((record: FlowceptRecord) => FlowceptRecord | undefined) | undefined;
  /** Most spans one request may hold; a request with more is answered 413 before it is decoded. Default 100 000. */
  maxSpansPerRequest?: number | undefined;
  /**
   * Request body bytes (decompressed) held at once across all requests;
   * a request that would pass it is answered 429 with `Retry-After`. Default 64 MiB.
   */
  maxBytesInFlight?: number | undefined;
  /** Open connections at most; more are refused until one closes. Default 256. */
  maxConnections?: number | undefined;
  /** Time a client has to send the request headers, ms. Default 10 000. */
  headersTimeoutMillis?: number | undefined;
  /** Time a client has to send a whole request, headers and body, ms. Default 60 000. */
  requestTimeoutMillis?: number | undefined;
  /** Records kept for stream clients that reconnect (`Last-Event-ID`). Default 10 000. */
  streamResumeRecords?: number | undefined;
}

/** What `/healthz` says of the store: whether its last write succeeded. */
export interface IngestStoreState {
  ok: boolean;
  /** Why the last write failed. */
  error?: string;
  /** When writes started failing (ISO 8601). */
  failingSince?: string;
}

/** Counters of an {@link OtlpIngestServer}, shown on `/healthz`. */
export interface IngestStats {
  /** `POST /v1/traces` requests answered 200. */
  requests: number;
  spansReceived: number;
  spansRejected: number;
  recordsStored: number;
  /** Requests answered 429 or 503 because the store was backed up, failing, or the service was stopping. */
  throttled: number;
  /** Requests answered 4xx for their content (400, 401, 413, 415). */
  refused: number;
}

/** Spans mapped between two turns of the event loop. */
const MAP_SLICE_SPANS = 1000;

type Format = "protobuf" | "json";

const PROTOBUF_TYPES = new Set(["application/x-protobuf", "application/protobuf"]);
/** `google.rpc.Code` of each HTTP status we answer with. */
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 404: 5, 405: 12, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/**
 * The OTLP/HTTP ingest service: receives traces from an OTel Collector (or
 * any OTLP exporter) on `POST /v1/traces`, protobuf or JSON, compressed or
 * not, maps every span through the one span mapping, and stores the records
 * — answering 200 only once they are durable. Its answers follow what OTLP
 * senders expect: partial success for spans that cannot be mapped, 400 for
 * undecodable bodies, 413 over the size limit, 429/503 with `Retry-After`
 * while the store is backed up or down (the sender retries; re-sent spans
 * merge by record id, so retries are harmless). What it stores is also
 * served live as server-sent events, on `GET /api/v1/stream/tasks` and
 * `/api/v1/stream/workflows` (the bearer token applies to them too).
 */
export class OtlpIngestServer {
  private readonly server: Server;
  private readonly options: Required<Omit<OtlpIngestServerOptions, "token" | "exporters" | "mask" | "streamResumeRecords">> & Pick<OtlpIngestServerOptions, "mask">;
  /** The records stored, as they are stored, for the streams. */
  private readonly feed: RecordFeed;
  private readonly tokenDigest: Buffer | undefined;
  private readonly exporters: RecordExporter[];
  private readonly agents = new AgentRecords();
  private readonly defaults: MappingDefaults;
  private readonly handlers = new Set<Promise<void>>();
  private inFlightRecords = 0;
  private exportRequests = 0;
  private draining = false;
  private closing: Promise<void> | undefined;
  private listening = false;
  private readonly counters: IngestStats = { requests: 0, spansReceived: 0, spansRejected: 0, recordsStored: 0, throttled: 0, refused: 0 };
  private bytesInFlight = 0;
  private store: IngestStoreState = { ok: true };

  constructor(options: OtlpIngestServerOptions = {}) {
    this.options = {
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 4318,
      maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
      maxInFlightRecords: options.maxInFlightRecords ?? 100_000,
      retryAfterSeconds: options.retryAfterSeconds ?? 2,
      shutdownTimeoutMillis: options.shutdownTimeoutMillis ?? 30_000,
      mask: options.mask,
      maxSpansPerRequest: options.maxSpansPerRequest ?? 100_000,
      maxBytesInFlight: options.maxBytesInFlight ?? 64 * 1024 * 1024,
      maxConnections: options.maxConnections ?? 256,
      headersTimeoutMillis: options.headersTimeoutMillis ?? 10_000,
      requestTimeoutMillis: options.requestTimeoutMillis ?? 60_000,
    };
    this.tokenDigest = options.token ? digest(options.token) : undefined;
    const settings = getSettingsSafe();
    this.feed = new RecordFeed(options.streamResumeRecords ?? 10_000);
    this.exporters = options.exporters ?? createIngestExporters(settings);
    this.defaults = { checkedRawJson: true, limits: valueLimits(settings) };
    const o = this.options;
    // Node checks both timeouts every `connectionsCheckingInterval`: a tenth of the shorter one keeps them close to what is asked.
    const interval = Math.max(100, Math.min(1000, Math.floor(Math.min(o.headersTimeoutMillis, o.requestTimeoutMillis) / 10)));
    this.server = createServer(
      { headersTimeout: o.headersTimeoutMillis, requestTimeout: o.requestTimeoutMillis, connectionsCheckingInterval: interval },
      (req, res) => this.onRequest(req, res),
    );
    this.server.maxConnections = o.maxConnections;
  }

  /** Starts listening. Resolves with the base URL (`http://host:port`). Rejects when the port cannot be bound or the OTLP definitions cannot be loaded. */
  async start(): Promise<string> {
    loadOtlpProtobuf();
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.removeListener("error", onError);
        resolve();
      });
    });
    this.listening = true;
    this.server.on("error", (err) => diag.error(`flowcept ingest: server error: ${err.message}`));
    return this.url;
  }

  /** The bound address (after {@link start}). */
  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Base URL, e.g. `http://127.0.0.1:4318`; OTLP exporters append `/v1/traces`. */
  get url(): string {
    return httpUrl(this.address);
  }

  /** A copy of the counters. */
  get stats(): IngestStats & { inFlightRequests: number; inFlightRecords: number; inFlightBytes: number } {
    return { ...this.counters, inFlightRequests: this.exportRequests, inFlightRecords: this.inFlightRecords, inFlightBytes: this.bytesInFlight };
  }

  /** Whether the last write to the store succeeded (and since when it fails). */
  get storeState(): IngestStoreState {
    return { ...this.store };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const p = this.handle(req, res).catch((err: unknown) => {
      diag.error(`flowcept ingest: request failed: ${errorMessage(err)}`);
      if (!res.headersSent) this.fail(req, res, 500, "internal error", "json");
      else res.destroy();
    });
    this.handlers.add(p);
    void p.finally(() => {
      this.handlers.delete(p);
      if (this.draining) this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return this.health(req, res);
    if (path.startsWith("/api/v1/stream/")) return this.stream(req, res, path);
    const format: Format = PROTOBUF_TYPES.has(mediaType(req)) ? "protobuf" : "json";
    if (path !== "/v1/traces") return this.fail(req, res, 404, `no such endpoint: ${path} (traces go to POST /v1/traces)`, format);
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return this.fail(req, res, 405, `${req.method} not allowed on /v1/traces`, format);
    }
    if (this.draining) return this.throttle(req, res, 503, "the ingest service is shutting down", format);
    if (this.tokenDigest && !this.authorized(req)) {
      res.setHeader("www-authenticate", 'Bearer realm="flowcept-ingest"');
      return this.fail(req, res, 401, "missing or wrong bearer token", format);
    }
    const type = mediaType(req);
    if (!PROTOBUF_TYPES.has(type) && type !== "application/json") {
      return this.fail(req, res, 415, `unsupported Content-Type "${type}" (use application/x-protobuf or application/json)`, format);
    }
    const declared = Number(req.headers["content-length"]);
    if (declared > this.options.maxBodyBytes) return this.fail(req, res, 413, `request body of ${declared} bytes exceeds the limit of ${this.options.maxBodyBytes}`, format);
    if (this.inFlightRecords >= this.options.maxInFlightRecords) {
      return this.throttle(req, res, 429, `store backed up: ${this.inFlightRecords} records waiting to be written`, format);
    }
    this.exportRequests++;
    try {
      await this.ingest(req, res, format);
    } finally {
      this.exportRequests--;
    }
  }

  private async ingest(req: IncomingMessage, res: ServerResponse, format: Format): Promise<void> {
    let held = 0;
    const reserve = (n: number): boolean => {
      if (this.bytesInFlight + n > this.options.maxBytesInFlight) return false;
      this.bytesInFlight += n;
      held += n;
      return true;
    };
    try {
      await this.ingestBody(req, res, format, reserve);
    } finally {
      this.bytesInFlight -= held;
    }
  }

  private async ingestBody(req: IncomingMessage, res: ServerResponse, format: Format, reserve: (n: number) => boolean): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes, decoderFor(req.headers["content-encoding"]), reserve);
    } catch (err) {
      if (err instanceof BodyError && err.status === 429) return this.throttle(req, res, 429, `${err.message} (limit ${this.options.maxBytesInFlight} bytes)`, format);
      if (err instanceof BodyError) return this.fail(req, res, err.status, err.message, format);
      throw err;
    }
    const text = format === "json" ? body.toString("utf8") : undefined;
    const max = this.options.maxSpansPerRequest;
    if ((text === undefined ? countProtobufSpans(body, max) : countJsonSpans(text, max)) > max) {
      return this.fail(req, res, 413, `request holds more than ${max} spans (the limit of spans per request); send smaller batches`, format);
    }
    let request: OtlpTraceRequest;
    try {
      request = text === undefined ? decodeTraceRequest(body) : parseTraceRequestJson(text);
    } catch (err) {
      return this.fail(req, res, 400, `body is not an OTLP ExportTraceServiceRequest (${format}): ${errorMessage(err)}`, format);
    }
    const mapped = await otlpRequestToRecordsInSlices(
      request,
      {
        defaults: this.defaults,
        agents: this.agents,
        mask: this.options.mask,
        onMaskError: (err) => diag.error(`flowcept ingest: mask threw, record kept unmasked: ${errorMessage(err)}`),
      },
      MAP_SLICE_SPANS,
    );
    if (mapped.spans > max) return this.fail(req, res, 413, `request holds ${mapped.spans} spans, more than the limit of ${max} spans per request; send smaller batches`, format);
    const n = mapped.records.length;
    if (n > 0) {
      this.inFlightRecords += n;
      try {
        await exportToAll(this.exporters, mapped.records);
        // Stored durably; but a store that keeps them aside (a spill file) is not well.
        const aside = this.exporters.map((e) => e.keptAside?.()).find((why) => why !== undefined);
        this.store = aside === undefined ? { ok: true } : { ok: false, error: aside, failingSince: this.store.failingSince ?? new Date().toISOString() };
        this.feed.publish(mapped.records);
      } catch (err) {
        const message = errorMessage(err);
        this.store = { ok: false, error: message, failingSince: this.store.failingSince ?? new Date().toISOString() };
        diag.warn(`flowcept ingest: store failed, asking the sender to retry: ${message}`);
        return this.throttle(req, res, 503, `store unavailable: ${message}`, format);
      } finally {
        this.inFlightRecords -= n;
      }
    }
    this.counters.requests++;
    this.counters.spansReceived += mapped.spans;
    this.counters.spansRejected += mapped.rejected;
    this.counters.recordsStored += n;
    if (mapped.rejected > 0) diag.warn(`flowcept ingest: ${mapped.rejected} of ${mapped.spans} spans rejected: ${mapped.errorMessage}`);
    const response = { rejectedSpans: mapped.rejected, errorMessage: mapped.errorMessage };
    this.send(res, 200, format, format === "protobuf" ? encodeTraceResponse(response) : traceResponseJson(response));
  }

  private stream(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (this.draining) return this.throttle(req, res, 503, "the ingest service is shutting down", "json");
    if (this.tokenDigest && !this.authorized(req)) {
      res.setHeader("www-authenticate", 'Bearer realm="flowcept-ingest"');
      return this.fail(req, res, 401, "missing or wrong bearer token", "json");
    }
    if (!handleStreamRequest(req, res, path, this.feed)) this.fail(req, res, 404, `no such stream: ${path} (streams: /api/v1/stream/tasks, /api/v1/stream/workflows)`, "json");
  }

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    return m !== null && timingSafeEqual(digest(m[1]!), this.tokenDigest!);
  }

  private health(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return this.fail(req, res, 405, `${req.method} not allowed on /healthz`, "json");
    }
    const status = this.draining ? "stopping" : this.store.ok ? "ok" : "store failing";
    const body = JSON.stringify({ status, store: this.store, ...this.stats });
    this.send(res, status === "ok" ? 200 : 503, "json", req.method === "HEAD" ? "" : body);
  }

  private send(res: ServerResponse, status: number, format: Format, body: string | Uint8Array): void {
    if (this.draining) res.setHeader("connection", "close");
    res.writeHead(status, { "content-type": format === "protobuf" ? "application/x-protobuf" : "application/json" });
    res.end(body);
  }

  /** An error answer with a `google.rpc.Status` body. The unread rest of the body is discarded and the connection closed. */
  private fail(req: IncomingMessage, res: ServerResponse, status: number, message: string, format: Format): void {
    if (status !== 429 && status !== 503 && status !== 500) this.counters.refused++;
    if (!req.complete) {
      res.setHeader("connection", "close");
      req.resume();
    }
    const code = RPC_CODE[status] ?? 2;
    this.send(res, status, format, format === "protobuf" ? encodeStatus(code, message) : statusJson(code, message));
  }

  private throttle(req: IncomingMessage, res: ServerResponse, status: 429 | 503, message: string, format: Format): void {
    this.counters.throttled++;
    res.setHeader("retry-after", String(this.options.retryAfterSeconds));
    this.fail(req, res, status, message, format);
  }

  /**
   * Stops gracefully: no new connections; requests already received are
   * finished (their records stored and answered); new requests on open
   * connections get 503; then the exporters are flushed and shut down.
   * Idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    const closed = this.listening ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.shutdownTimeoutMillis);
    });
    const finished = (async () => {
      while (this.handlers.size > 0) await Promise.allSettled([...this.handlers]);
      return false;
    })();
    if (await Promise.race([finished, timedOut])) diag.error(`flowcept ingest: ${this.handlers.size} requests still running after ${this.options.shutdownTimeoutMillis} ms; closing their connections`);
    clearTimeout(timer);
    this.server.closeAllConnections();
    await closed;
    for (const e of this.exporters) {
      try {
        await e.forceFlush();
        await e.shutdown();
      } catch (err) {
        diag.error(`flowcept ingest: exporter ${e.constructor.name} did not shut down cleanly: ${errorMessage(err)}`);
      }
    }
  }
}
