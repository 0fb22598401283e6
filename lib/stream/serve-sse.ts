/**
 * Server-sent events over a {@link RecordFeed}: `GET /api/v1/stream/tasks`
 * and `GET /api/v1/stream/workflows` (Flowcept's paths), filtered by
 * query parameters on the records' top-level fields (`?workflow_id=…`,
 * `&status=RUNNING,FINISHED`). A client that reconnects with
 * `Last-Event-ID` (or `?lastEventId=`) gets the records it missed, or an
 * `event: reset` when they are no longer kept (then it loads its state
 * again). A slow reader is written to only as fast as it reads, and is
 * disconnected once it falls behind what the feed keeps, so it never makes
 * the server hold unbounded memory nor holds the other clients back.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RawRecord } from "../records/RawJson.js";
import type { FeedEvent, RecordFeed } from "./RecordFeed.js";

/** The stream paths and the record type each carries. */
export const STREAM_PATHS: Readonly<Record<string, "task" | "workflow">> = {
  "/api/v1/stream/tasks": "task",
  "/api/v1/stream/workflows": "workflow",
};

/** Query parameters a stream may be filtered by, per record type. */
const FILTER_FIELDS: Record<"task" | "workflow", readonly string[]> = {
  task: ["workflow_id", "campaign_id", "activity_id", "status", "task_id", "parent_task_id", "hostname"],
  workflow: ["workflow_id", "campaign_id", "status", "name"],
};

/** Options of {@link serveSse}. */
export interface SseOptions {
  /** Comment lines sent this often keep proxies and clients from closing an idle stream. Default 15 s. */
  heartbeatMillis?: number | undefined;
  /**
   * Bytes written to a client and not yet taken by it, above which nothing
   * more is written until it catches up (it then goes on from the feed's
   * ring). Default 1 MiB.
   */
  highWaterBytes?: number | undefined;
  /** Reconnection delay suggested to clients. Default 1 s. */
  retryMillis?: number | undefined;
  /** Called when a client fell so far behind that its records left the ring, and was disconnected. */
  onSlowClient?: (() => void) | undefined;
}

/** A stream request that cannot be served: unknown parameter. */
export class StreamRequestError extends Error {
  override readonly name = "StreamRequestError";
}

/** The record filter of a stream path and its query; throws {@link StreamRequestError} for an unknown parameter. */
export function streamFilter(type: "task" | "workflow", query: URLSearchParams): (r: RawRecord) => boolean {
  const conditions: [string, Set<string>][] = [];
  for (const key of new Set(query.keys())) {
    if (key === "lastEventId" || key === "token") continue;
    if (!FILTER_FIELDS[type].includes(key)) throw new StreamRequestError(`unknown filter "${key}"; a ${type} stream is filtered by ${FILTER_FIELDS[type].join(", ")}`);
    const values = new Set(query.getAll(key).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean));
    if (values.size) conditions.push([key, values]);
  }
  return (r) => {
    if (r.type !== type) return false;
    for (const [k, values] of conditions) {
      const v = (r as Record<string, unknown>)[k];
      if (typeof v !== "string" || !values.has(v)) return false;
    }
    return true;
  };
}

function frame(e: FeedEvent): string {
  return `id: ${e.id}\ndata: ${e.json}\n\n`;
}

/**
 * Answers `req` with the feed's events that pass `filter` as
 * `text/event-stream`, until the client goes away. Each client has a cursor
 * into the feed: events are written while the client takes them; when
 * `highWaterBytes` wait for it, writing stops until the socket drains and
 * goes on from the cursor. A client whose cursor falls out of the feed's
 * ring is disconnected (on reconnecting it is told to load its state again),
 * so the server holds at most the ring and one high-water mark per client.
 */
export function serveSse(req: IncomingMessage, res: ServerResponse, feed: RecordFeed, filter: (r: RawRecord) => boolean, options: SseOptions = {}): void {
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const query = new URL(req.url ?? "/", "http://x").searchParams;
  const header = req.headers["last-event-id"];
  const lastEventId = (Array.isArray(header) ? header[0] : header) ?? query.get("lastEventId") ?? "";
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`retry: ${options.retryMillis ?? 1000}\n: flowcept-otel stream\n\n`);
  let cursor = feed.lastSeq;
  if (lastEventId !== "") {
    const from = feed.resumeFrom(lastEventId);
    if (from === undefined) res.write(`event: reset\ndata: {"reason":"the records after ${lastEventId.replace(/[^\w.-]/g, "").slice(0, 40)} are no longer kept; load the state again"}\n\n`);
    else cursor = from;
  }
  let open = true;
  let waiting = false;
  const cutOff = (): void => {
    // Records published before the socket's close event would cut it off again.
    if (!open) return;
    open = false;
    options.onSlowClient?.();
    res.destroy();
  };
  const pump = (): void => {
    while (open && !waiting) {
      const events = feed.after(cursor, 256);
      if (events === undefined) return cutOff();
      if (!events.length) return;
      for (const e of events) {
        cursor = e.seq;
        if (filter(e.record)) res.write(frame(e));
        if (res.writableLength > highWater) {
          waiting = true;
          res.once("drain", () => {
            waiting = false;
            pump();
          });
          return;
        }
      }
    }
  };
  pump();
  const stop = feed.listen(() => {
    if (!waiting) pump();
    else if (feed.after(cursor, 0) === undefined) cutOff();
  });
  const heartbeat = setInterval(() => {
    if (open && !waiting) res.write(": ping\n\n");
  }, options.heartbeatMillis ?? 15_000);
  heartbeat.unref();
  res.on("close", () => {
    open = false;
    stop();
    clearInterval(heartbeat);
  });
}

/**
 * Serves the stream paths: true when `path` is one of them (the request is
 * answered), false for any other path.
 */
export function handleStreamRequest(req: IncomingMessage, res: ServerResponse, path: string, feed: RecordFeed, options: SseOptions = {}): boolean {
  const type = STREAM_PATHS[path];
  if (!type) return false;
  if (req.method !== "GET") {
    res.writeHead(405, { allow: "GET", "content-type": "application/json" });
    res.end(JSON.stringify({ error: `${req.method} not allowed on ${path}` }));
    return true;
  }
  let filter: (r: RawRecord) => boolean;
  try {
    filter = streamFilter(type, new URL(req.url ?? "/", "http://x").searchParams);
  } catch (err) {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: (err as Error).message }));
    return true;
  }
  serveSse(req, res, feed, filter, options);
  return true;
}
