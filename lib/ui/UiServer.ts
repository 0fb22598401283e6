/**
 * `flowcept-otel ui`: a local, read-only web app over a store. It reads the
 * store through a {@link StoreFollower} (the local store by incremental
 * reads, MongoDB by change streams or polling) into a {@link UiModel},
 * answers the front end's JSON API ({@link UiApi}), serves the built front
 * end, and streams records as they arrive as server-sent events
 * (`/api/v1/stream/tasks`, `/api/v1/stream/workflows`, with `Last-Event-ID`
 * resume). Access follows {@link UiAccess}: loopback by default, a token
 * everywhere else.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { diag } from "@opentelemetry/api";
import type { FlowceptDb } from "../query/FlowceptDb.js";
import { FlowceptQueryError } from "../query/query-types.js";
import { RecordFeed } from "../stream/RecordFeed.js";
import { handleStreamRequest } from "../stream/serve-sse.js";
import type { RawRecord } from "../records/RawJson.js";
import { errorMessage } from "../util/error-message.js";
import { httpUrl } from "../util/http-url.js";
import { StaticAssets } from "./static-assets.js";
import type { StoreFollower } from "./StoreFollower.js";
import { ApiError, UiApi } from "./UiApi.js";
import { isLoopback, resolveToken, UiAccess } from "./ui-access.js";
import { UiModel } from "./UiModel.js";

/** Options of {@link UiServer}. */
export interface UiServerOptions {
  /** The query API over the store (whole records, lineage). */
  db: FlowceptDb;
  /** What reads the store and follows it as it grows. */
  follower: StoreFollower;
  /** Default `127.0.0.1`. */
  host?: string | undefined;
  /** Default 8765; 0 picks a free port. */
  port?: number | undefined;
  /** Required by every request when set; made up when the server is bound to a non-loopback address without one. */
  token?: string | undefined;
  /** Jaeger's base URL, for links to traces and spans. */
  jaegerUrl?: string | undefined;
  /** Records kept for stream clients that reconnect. Default 10 000. */
  streamResumeRecords?: number | undefined;
  /** Where the built front end is. Default: the package's `dist/ui/`. */
  assetsDir?: string | undefined;
  /** Graph size limit, see {@link UiApi}. */
  maxGraphTasks?: number | undefined;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** See the file header. */
export class UiServer {
  readonly model = new UiModel();
  readonly feed: RecordFeed;
  private readonly server: Server;
  private readonly api: UiApi;
  private readonly access: UiAccess;
  private readonly assets: StaticAssets;
  private readonly host: string;
  private readonly port: number;
  private loaded: Promise<void> | undefined;
  private ready = false;
  private loadError: string | undefined;
  /** The token the server requires (made up at start when none was given and the host is not loopback). */
  readonly token: string | undefined;
  /** Whether {@link token} was made up here (and should be shown to the user). */
  readonly tokenGenerated: boolean;

  constructor(private readonly options: UiServerOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.port = options.port ?? 8765;
    const { token, generated } = resolveToken(this.host, options.token);
    this.token = token;
    this.tokenGenerated = generated;
    this.access = new UiAccess(token, isLoopback(this.host));
    this.feed = new RecordFeed(options.streamResumeRecords ?? 10_000);
    this.api = new UiApi(this.model, options.db, { jaegerUrl: options.jaegerUrl, maxGraphTasks: options.maxGraphTasks });
    this.assets = new StaticAssets(options.assetsDir);
    this.server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => void this.onRequest(req, res));
    this.server.maxConnections = 512;
  }

  /**
   * Starts listening and reading the store. Resolves with the base URL once
   * the server listens (the store may still be being read: {@link whenLoaded}).
   */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, this.host, () => {
        this.server.removeListener("error", reject);
        resolve();
      });
    });
    this.server.on("error", (err) => diag.error(`flowcept ui: server error: ${err.message}`));
    this.loaded = this.options.follower
      .start((records, live) => {
        this.model.apply(records);
        if (live) this.feed.publish(records as RawRecord[]);
      })
      .then(() => {
        this.ready = true;
      })
      .catch((err: unknown) => {
        this.loadError = errorMessage(err);
        diag.error(`flowcept ui: cannot read ${this.options.db.describe()}: ${this.loadError}`);
      });
    return this.url;
  }

  /** Resolves when the store's existing content is read; rejects when it cannot be read. */
  async whenLoaded(): Promise<void> {
    await this.loaded;
    if (this.loadError !== undefined) throw new Error(this.loadError);
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** `http://host:port`. */
  get url(): string {
    return httpUrl(this.address);
  }

  /** The URL to open in a browser (with the token when one is required). */
  get openUrl(): string {
    return this.token ? `${this.url}/?token=${encodeURIComponent(this.token)}` : `${this.url}/`;
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(text);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : err instanceof FlowceptQueryError ? 400 : 500;
      if (status === 500) diag.error(`flowcept ui: ${req.url}: ${errorMessage(err)}`);
      if (!res.headersSent) this.json(res, status, { error: status === 500 ? `internal error: ${errorMessage(err)}` : errorMessage(err) });
      else res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://ui");
    } catch {
      return this.json(res, 400, { error: "malformed URL" });
    }
    const check = this.access.check(req, url);
    if (!check.ok) {
      res.setHeader("www-authenticate", 'Bearer realm="flowcept-ui"');
      return this.json(res, this.token ? 401 : 403, { error: check.reason });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return this.json(res, 405, { error: `the UI is read-only: ${req.method} is not allowed` });
    }
    const path = url.pathname;
    if (check.presented === "query" && !path.startsWith("/api/")) {
      // The page keeps the token in a cookie and loses it from its address.
      url.searchParams.delete("token");
      res.writeHead(303, { ...SECURITY_HEADERS, "set-cookie": this.access.cookieHeader(), location: `${path}${url.search}` });
      res.end();
      return;
    }
    if (path.startsWith("/api/v1/stream/")) {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      if (!handleStreamRequest(req, res, path, this.feed)) this.json(res, 404, { error: `no such stream: ${path}` });
      return;
    }
    if (path === "/api/v1/status") return this.json(res, 200, this.status());
    if (path.startsWith("/api/v1/")) {
      if (!this.ready) {
        await this.loaded;
        if (this.loadError !== undefined) return this.json(res, 503, { error: `cannot read ${this.options.db.describe()}: ${this.loadError}` });
      }
      return this.json(res, 200, await this.api.handle(path.slice("/api/v1/".length), url.searchParams));
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (this.assets.serve(req, res, path)) return;
    if (path === "/" || path === "/index.html") {
      return this.json(res, 500, { error: `the web front end is not built (no ${this.assets.dir}index.html): run npm run build` });
    }
    return this.json(res, 404, { error: `not found: ${path}` });
  }

  private status(): Record<string, unknown> {
    return {
      store: this.options.db.describe(),
      mode: this.options.follower.mode,
      loaded: this.ready,
      progress: this.options.follower.progress,
      error: this.loadError,
      workflows: this.model.size,
      version: this.model.version,
      lastEventId: this.feed.lastId,
      streamClients: this.feed.listenerCount,
    };
  }

  /** Stops: closes every connection (streams included), the follower and the store. Idempotent. */
  private closing: Promise<void> | undefined;
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await closed.catch(() => undefined);
      await this.options.follower.close();
      await this.loaded?.catch(() => undefined);
      await this.options.db.close().catch(() => undefined);
    })());
  }
}
