/** A server-sent events client for tests: parses `text/event-stream` as the HTML standard says (the fields these servers send). */
import { request, type IncomingMessage } from "node:http";

/** One event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** An open stream: the events so far, and waits for more. */
export interface SseStream {
  status: number;
  headers: IncomingMessage["headers"];
  events: SseEvent[];
  /** The data of the `message` events, parsed as JSON. */
  records(): Record<string, unknown>[];
  /** Resolves when at least `n` events of type `event` (default `message`) have arrived. */
  waitFor(n: number, event?: string, timeoutMillis?: number): Promise<void>;
  /** Resolves when the server closes the stream. */
  closed: Promise<void>;
  close(): void;
  /** The id of the last event received. */
  lastId(): string | undefined;
  /** The response, to pause it (a client that does not read). */
  response: IncomingMessage;
}

/** Opens `url` as an event stream. Resolves once the response headers arrive. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = "";
      let current: { id?: string; event?: string; data: string[] } = { data: [] };
      let lastId: string | undefined;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) !== -1) {
          const line = buffer.slice(0, nl).replace(/\r$/, "");
          buffer = buffer.slice(nl + 1);
          if (line === "") {
            if (current.data.length) {
              if (current.id !== undefined) lastId = current.id;
              events.push({ id: current.id, event: current.event ?? "message", data: current.data.join("\n") });
              for (const w of waiters) w();
            }
            current = { data: [] };
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") current.data.push(value);
          else if (field === "id") current.id = value;
          else if (field === "event") current.event = value;
        }
      });
      const closed = new Promise<void>((done) => {
        res.on("close", () => done());
        res.on("error", () => done());
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        response: res,
        closed,
        records: () => events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data) as Record<string, unknown>),
        lastId: () => lastId,
        close: () => {
          req.destroy();
          res.destroy();
        },
        waitFor: (n, event = "message", timeoutMillis = 10_000) =>
          new Promise<void>((ok, fail) => {
            const check = (): boolean => events.filter((e) => e.event === event).length >= n;
            if (check()) return ok();
            const timer = setTimeout(() => {
              waiters.delete(w);
              fail(new Error(`timed out waiting for ${n} "${event}" events; got ${events.filter((e) => e.event === event).length}`));
            }, timeoutMillis);
            const w = (): void => {
              if (!check()) return;
              clearTimeout(timer);
              waiters.delete(w);
              ok();
            };
            waiters.add(w);
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** GETs `url`; resolves with status, headers and body text. */
export function httpGet(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
