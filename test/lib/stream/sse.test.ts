/**
 * The live record streams over HTTP (server-sent events): resume from
 * Last-Event-ID, filters, a reset when the missed records are gone, a slow
 * client cut off without holding the others back, many clients at once.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BaseRecord } from "../../../lib/records/records.js";
import { RecordFeed } from "../../../lib/stream/RecordFeed.js";
import { handleStreamRequest, type SseOptions } from "../../../lib/stream/serve-sse.js";
import { httpGet, openSse, type SseStream } from "../../support/sse-client.js";

const WF = "wf-1";

function task(i: number, extra: Record<string, unknown> = {}): BaseRecord {
  return { type: "task", task_id: `t${i}`, workflow_id: i % 2 ? WF : "wf-2", status: i % 3 ? "FINISHED" : "ERROR", ...extra };
}

describe("record streams (server-sent events)", () => {
  let server: Server;
  let base: string;
  let feed: RecordFeed;
  let slowClients = 0;
  const streams: SseStream[] = [];
  let options: SseOptions = {};

  beforeEach(async () => {
    feed = new RecordFeed(100);
    slowClients = 0;
    options = { onSlowClient: () => slowClients++ };
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (!handleStreamRequest(req, res, path, feed, options)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function open(path: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const s = await openSse(`${base}${path}`, headers);
    streams.push(s);
    return s;
  }

  it("sends the records of the stream's type that pass the filter, with ids, as they are published", async () => {
    const all = await open("/api/v1/stream/tasks");
    const mine = await open(`/api/v1/stream/tasks?workflow_id=${WF}&status=FINISHED,RUNNING`);
    const workflows = await open("/api/v1/stream/workflows");
    expect(all.status).to.equal(200);
    expect(all.headers["content-type"]).to.match(/^text\/event-stream/);
    feed.publish([task(1), task(2), { type: "workflow", workflow_id: WF, status: "RUNNING" }, task(3), task(5)]);
    await all.waitFor(4);
    await mine.waitFor(2);
    await workflows.waitFor(1);
    expect(all.records().map((r) => r.task_id)).to.deep.equal(["t1", "t2", "t3", "t5"]);
    expect(mine.records().map((r) => r.task_id)).to.deep.equal(["t1", "t5"]);
    expect(workflows.records()).to.deep.equal([{ type: "workflow", workflow_id: WF, status: "RUNNING" }]);
    expect(all.events.map((e) => e.id)).to.deep.equal([1, 2, 4, 5].map((n) => `${feed.epoch}.${n}`));
  });

  it("resumes after Last-Event-ID with exactly what was missed, from the header or ?lastEventId=", async () => {
    feed.publish([task(1), task(2), task(3)]);
    const first = await open("/api/v1/stream/tasks");
    feed.publish([task(4)]);
    await first.waitFor(1);
    const last = first.lastId()!;
    first.close();
    feed.publish([task(5), task(6)]);
    const again = await open("/api/v1/stream/tasks", { "last-event-id": last });
    await again.waitFor(2);
    feed.publish([task(7)]);
    await again.waitFor(3);
    expect(again.records().map((r) => r.task_id)).to.deep.equal(["t5", "t6", "t7"]);
    const byQuery = await open(`/api/v1/stream/tasks?lastEventId=${encodeURIComponent(last)}&workflow_id=${WF}`);
    await byQuery.waitFor(2);
    expect(byQuery.records().map((r) => r.task_id)).to.deep.equal(["t5", "t7"]);
  });

  it("tells a client to load again when what it missed is no longer kept, or its id is from another server", async () => {
    const first = await open("/api/v1/stream/tasks");
    feed.publish([task(1)]);
    await first.waitFor(1);
    const old = first.lastId()!;
    first.close();
    feed.publish(Array.from({ length: 150 }, (_, i) => task(100 + i))); // the ring holds 100
    for (const id of [old, "0badc0de.3", "not an id", `${feed.epoch}.99999`]) {
      const s = await open("/api/v1/stream/tasks", { "last-event-id": id });
      await s.waitFor(1, "reset");
      feed.publish([task(1000)]);
      await s.waitFor(1);
      expect(s.records().map((r) => r.task_id)).to.deep.equal(["t1000"]);
    }
  });

  it("refuses unknown filters and methods", async () => {
    expect((await httpGet(`${base}/api/v1/stream/tasks?password=x`)).status).to.equal(400);
    expect(JSON.parse((await httpGet(`${base}/api/v1/stream/tasks?name=x`)).body).error).to.match(/unknown filter "name"/);
    expect((await httpGet(`${base}/api/v1/stream/workflows?activity_id=x`)).status).to.equal(400);
    expect((await httpGet(`${base}/api/v1/stream/tasks`, {}, "POST")).status).to.equal(405);
  });

  it("writes to a slow reader only as fast as it reads, cuts it off once it falls out of the ring, and never holds the others back", async function () {
    this.timeout(60_000);
    options = { highWaterBytes: 64 * 1024, onSlowClient: () => slowClients++ };
    const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `t${from + i}`);
    // Records big enough that the sockets' own buffers fill and the server has to hold back.
    const big = "x".repeat(64 * 1024);
    const fast = await Promise.all([1, 2, 3].map(() => open("/api/v1/stream/tasks")));
    const lagging = await open("/api/v1/stream/tasks");
    const stalled = await open("/api/v1/stream/tasks");
    lagging.response.pause();
    stalled.response.pause();
    // 60 records: far above the high-water mark, within the ring of 100.
    for (let i = 0; i < 60; i++) feed.publish([task(i, { stdout: big })]);
    await Promise.all(fast.map((s) => s.waitFor(60)));
    lagging.response.resume();
    await lagging.waitFor(60);
    expect(lagging.records().map((r) => r.task_id)).to.deep.equal(ids(60));
    // 300 more: the stalled client falls out of the ring and is cut off; the others get everything.
    for (let i = 60; i < 360; i++) {
      feed.publish([task(i, { stdout: big })]);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all([...fast, lagging].map((s) => s.waitFor(360, "message", 30_000)));
    for (const s of [...fast, lagging]) expect(s.records().map((r) => r.task_id)).to.deep.equal(ids(360));
    stalled.response.resume();
    await stalled.closed;
    expect(slowClients).to.equal(1);
    const got = stalled.records();
    expect(got.length).to.be.lessThan(360);
    expect(got.map((r) => r.task_id)).to.deep.equal(ids(got.length));
    const again = await open("/api/v1/stream/tasks", { "last-event-id": stalled.lastId()! });
    await again.waitFor(1, "reset");
  });

  it("cuts a stalled reader off once, however many records follow before its socket has closed", async () => {
    options = { highWaterBytes: 64 * 1024, onSlowClient: () => slowClients++ };
    const stalled = await open("/api/v1/stream/tasks");
    stalled.response.pause();
    const big = "x".repeat(64 * 1024);
    // One synchronous burst: the socket's close event cannot come in between.
    for (let i = 0; i < 400; i++) feed.publish([task(i, { stdout: big })]);
    stalled.response.resume();
    await stalled.closed;
    expect(slowClients).to.equal(1);
  });

  it("serves many clients at once, each the whole stream in order", async function () {
    this.timeout(60_000);
    const clients = await Promise.all(Array.from({ length: 60 }, (_, i) => open(i % 2 ? "/api/v1/stream/tasks" : `/api/v1/stream/tasks?workflow_id=${WF}`)));
    expect(feed.listenerCount).to.equal(60);
    for (let i = 0; i < 300; i++) feed.publish([task(i)]);
    await Promise.all(clients.map((c, i) => c.waitFor(i % 2 ? 300 : 150, "message", 30_000)));
    for (const [i, c] of clients.entries()) {
      const want = Array.from({ length: 300 }, (_, k) => k).filter((k) => i % 2 || k % 2).map((k) => `t${k}`);
      expect(c.records().map((r) => r.task_id)).to.deep.equal(want);
    }
    for (const c of clients) c.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(feed.listenerCount).to.equal(0);
  });
});
