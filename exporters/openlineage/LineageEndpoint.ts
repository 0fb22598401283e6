/**
 * An OpenLineage HTTP endpoint (Marquez's `POST /api/v1/lineage`, or any
 * receiver of the OpenLineage HTTP transport): events are POSTed one at a
 * time, in order, as JSON, with an optional API key as a bearer token.
 * Connection errors, timeouts, 429 and 5xx answers are retried with
 * exponential back-off; other answers fail at once. Redirects are refused, so
 * the API key never goes to another server.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Backoff } from "../../lib/util/backoff.js";
import { errorMessage } from "../../lib/util/error-message.js";

/** Options of {@link LineageEndpoint}. */
export interface LineageEndpointOptions {
  /** The server (`http://localhost:5000`) or the full URL of the endpoint. */
  url: string;
  /** Path of the endpoint, resolved against `url`. Default `api/v1/lineage` (unless `url` already ends with it). */
  endpoint?: string | undefined;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** Time allowed for one request, ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** Attempts after the first one. Default 5. */
  retries?: number | undefined;
  /** First back-off delay, ms, doubled at each retry up to 5 s. Default 300. */
  backoffMs?: number | undefined;
  /** Whether the waits between retries keep the process alive. Default true. */
  keepProcessAlive?: boolean | undefined;
}

/** Thrown when an event could not be delivered. */
export class LineageEndpointError extends Error {
  override readonly name = "LineageEndpointError";
  constructor(
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const DEFAULT_ENDPOINT = "api/v1/lineage";

/** The URL events are POSTed to. Throws {@link LineageEndpointError} for a URL that is not http(s). */
export function lineageEndpointUrl(url: string, endpoint?: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new LineageEndpointError(`the lineage endpoint ${JSON.stringify(url)} is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new LineageEndpointError(`the lineage endpoint must be http:// or https://, got ${base.protocol}`);
  if (base.username || base.password) throw new LineageEndpointError("give the API key with --api-key (or apiKey), not in the URL");
  const path = endpoint ?? DEFAULT_ENDPOINT;
  if (endpoint === undefined && base.pathname.replace(/\/+$/, "").endsWith(`/${DEFAULT_ENDPOINT}`)) return base;
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return new URL(path.replace(/^\/+/, ""), base);
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** How much of an answer's body is read for messages: an endpoint may send a body without end. */
const BODY_HEAD_BYTES = 1024;

async function bodyHead(res: Response): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < BODY_HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
    }
  } catch {
    // A body cut short still leaves the status to report.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, BODY_HEAD_BYTES).toString("utf8");
}

/** See the file header. */
export class LineageEndpoint {
  /** Where events go. */
  readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly keepProcessAlive: boolean;

  constructor(options: LineageEndpointOptions) {
    this.url = lineageEndpointUrl(options.url, options.endpoint);
    this.headers = { "content-type": "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 300;
    this.keepProcessAlive = options.keepProcessAlive ?? true;
  }

  /** Where events go, for messages (no credentials: the key is never in the URL). */
  describe(): string {
    return this.url.href;
  }

  /**
   * POSTs one event; resolves when the endpoint accepted it (2xx). Throws
   * {@link LineageEndpointError}. `onRetry` hears of each failed attempt that
   * is tried again.
   */
  async send(event: unknown, onRetry?: (why: string) => void): Promise<void> {
    const body = JSON.stringify(event);
    let last = "";
    let status: number | undefined;
    const backoff = new Backoff(this.backoffMs, 5000);
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        onRetry?.(last);
        await sleep(backoff.failed(), undefined, { ref: this.keepProcessAlive });
      }
      try {
        const res = await fetch(this.url, { method: "POST", headers: this.headers, body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
        if (res.status >= 200 && res.status < 300) {
          res.body?.cancel().catch(() => undefined);
          return;
        }
        const text = await bodyHead(res);
        status = res.status;
        last = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ""}`;
        if (res.status >= 300 && res.status < 400) throw new LineageEndpointError(`${this.describe()} answered with a redirect (${res.status}); give the endpoint's own URL`, res.status);
        if (!retryable(res.status)) break;
      } catch (err) {
        if (err instanceof LineageEndpointError) throw err;
        status = undefined;
        const cause = (err as { cause?: unknown }).cause;
        // fetch refuses the Fetch standard's "bad ports" before connecting: no retry can succeed.
        if (cause instanceof Error && cause.message === "bad port") throw new LineageEndpointError(`port ${this.url.port} of ${this.describe()} is one fetch never connects to (a "bad port" of the Fetch standard); run the endpoint on another port`);
        last = cause === undefined ? errorMessage(err) : `${errorMessage(err)} (${errorMessage(cause)})`;
      }
    }
    throw new LineageEndpointError(`${this.describe()} did not accept the event after ${this.retries + 1} attempt(s): ${last}`, status);
  }
}
