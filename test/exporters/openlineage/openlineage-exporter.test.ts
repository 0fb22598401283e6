/**
 * The OpenLineage endpoint client and the live exporter against a real HTTP
 * server on loopback: retries of 5xx and connection errors, no retry of
 * other 4xx, refused redirects, the API key; START and COMPLETE of live
 * records, each event delivered once even when a batch is offered again.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { LineageEndpoint, LineageEndpointError, lineageEndpointUrl } from "../../../exporters/openlineage/LineageEndpoint.js";
import { OpenLineageRecordExporter } from "../../../exporters/openlineage/OpenLineageRecordExporter.js";
import { datasetOf } from "../../../exporters/openlineage/file-datasets.js";
import { runIdOf } from "../../../exporters/openlineage/run-id.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { expectRejection } from "../../support/expect-rejection.js";
import { CHILDREN } from "../../support/paths.js";

const run = promisify(execFile);

interface Seen {
  path: string;
  auth: string | undefined;
  body: Record<string, any>;
}

async function receiver(answer: (n: number) => number | "redirect"): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ path: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString() || "null") });
    const a = answer(seen.length);
    if (a === "redirect") res.writeHead(307, { location: "http://127.0.0.1:1/elsewhere" }).end();
    else res.writeHead(a).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const exportOnce = (e: OpenLineageRecordExporter, records: FlowceptRecord[]): Promise<ExportResult> => new Promise((r) => e.export(records, r));

const task = (fields: Record<string, unknown>): FlowceptRecord => ({ type: "task", task_id: "aa".repeat(16) + "-" + "bb".repeat(8), workflow_id: "3f2a9c0e-1b7d-4c5d-8e9f-0a1b2c3d4e5f", activity_id: "train", started_at: 10, ...fields }) as FlowceptRecord;

describe("OpenLineage endpoint and live exporter", () => {
  it("posts to /api/v1/lineage with the API key, retrying 5xx until accepted", async () => {
    const r = await receiver((n) => (n < 3 ? 503 : 201));
    try {
      await new LineageEndpoint({ url: r.url, apiKey: "k1", backoffMs: 1 }).send({ a: 1 });
      expect(r.seen.map((s) => [s.path, s.auth])).to.deep.equal([["/api/v1/lineage", "Bearer k1"], ["/api/v1/lineage", "Bearer k1"], ["/api/v1/lineage", "Bearer k1"]]);
    } finally {
      await r.close();
    }
  });

  it("fails at once on a 400 and on a redirect (the key never follows it), and after the retries on a dead server", async () => {
    const bad = await receiver(() => 400);
    const moved = await receiver(() => "redirect");
    try {
      await expectRejection(new LineageEndpoint({ url: bad.url, backoffMs: 1 }).send({}), LineageEndpointError, /HTTP 400/);
      expect(bad.seen).to.have.length(1);
      await expectRejection(new LineageEndpoint({ url: moved.url, apiKey: "k", backoffMs: 1 }).send({}), LineageEndpointError, /redirect/);
      expect(moved.seen).to.have.length(1);
    } finally {
      await bad.close();
      await moved.close();
    }
    const dead = await receiver(() => 201);
    await dead.close();
    await expectRejection(new LineageEndpoint({ url: dead.url, retries: 2, backoffMs: 1 }).send({}), LineageEndpointError, /after 3 attempt\(s\)/);
  });

  it("reads no more than the start of an answer: an endpoint whose body never ends gets its 400 reported and its 201 taken at once", async () => {
    let status = 400;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(status, { "content-type": "text/plain" });
      const chunk = "x".repeat(64 * 1024);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on("close", () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      // The time allowed for a request is longer than the test's: reading the whole body would time the test out.
      const endpoint = new LineageEndpoint({ url, timeoutMs: 60_000, backoffMs: 1 });
      await expectRejection(endpoint.send({}), LineageEndpointError, /HTTP 400: x{300}$/);
      status = 201;
      await endpoint.send({});
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("fails at once, naming the port, on a port fetch never connects to (the Fetch standard's bad ports)", async () => {
    const sent = new LineageEndpoint({ url: "http://127.0.0.1:6000", retries: 3, backoffMs: 1 }).send({});
    await expectRejection(sent, LineageEndpointError, /^port 6000 of http:\/\/127\.0\.0\.1:6000\/api\/v1\/lineage is one fetch never connects to/);
  });

  it("resolves the endpoint as the OpenLineage HTTP transport does and refuses credentials in the URL", () => {
    expect(lineageEndpointUrl("http://h:5000").href).to.equal("http://h:5000/api/v1/lineage");
    expect(lineageEndpointUrl("http://h:5000/api/v1/lineage").href).to.equal("http://h:5000/api/v1/lineage");
    expect(lineageEndpointUrl("http://h/base/", "v2/events").href).to.equal("http://h/base/v2/events");
    expect(() => lineageEndpointUrl("http://u:p@h")).to.throw(LineageEndpointError, /api-key/);
  });

  it("live: a running task sends START, its end COMPLETE; while the endpoint fails, records are taken at once, a flush does not wait, and the events follow in order once it is back", async () => {
    let fail = true;
    const r = await receiver(() => (fail ? 500 : 201));
    const e = new OpenLineageRecordExporter({ url: r.url, retries: 0, backoffMs: 5 });
    try {
      expect((await exportOnce(e, [task({ status: "RUNNING" })])).code).to.equal(ExportResultCode.SUCCESS);
      const finished = [task({ status: "FINISHED", ended_at: 12, generated: { model: "/m/model.pt" } })];
      expect((await exportOnce(e, finished)).code).to.equal(ExportResultCode.SUCCESS);
      await e.forceFlush();
      expect(e.pending).to.equal(2);
      expect(r.seen.length).to.be.greaterThan(0);
      fail = false;
      while (e.pending > 0) await new Promise((w) => setTimeout(w, 20));
      expect((await exportOnce(e, finished)).code).to.equal(ExportResultCode.SUCCESS);
      await e.forceFlush();
      const accepted = r.seen.slice(-2).map((s) => s.body.eventType);
      expect(accepted).to.deep.equal(["START", "COMPLETE"]);
      expect(r.seen.filter((s) => s.body.eventType === "COMPLETE")).to.have.length(1);
      expect(r.seen.at(-1)!.body.outputs).to.deep.equal([{ namespace: "file", name: "/m/model.pt", facets: {} }]);
    } finally {
      await e.shutdown();
      await r.close();
    }
  });

  it("live: an application whose endpoint refuses or never answers returns from its workflow and exits by itself, naming the events not sent", async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "flowcept-ol-"));
    const silent = createServer(() => undefined); // takes requests, never answers
    await new Promise<void>((w) => silent.listen(0, "127.0.0.1", w));
    const refused = await receiver(() => 201);
    await refused.close();
    try {
      for (const url of [refused.url, `http://127.0.0.1:${(silent.address() as { port: number }).port}`]) {
        const store = join(dir, `${url.split(":").at(-1)}.jsonl`);
        // Killed after a minute: an application kept alive by the exporter fails here.
        const { stdout, stderr } = await run(process.execPath, [join(CHILDREN, "openlineage-live-app.js"), url, store], { timeout: 60_000, killSignal: "SIGKILL" });
        expect(stdout, url).to.match(/^run returned after \d+ ms/);
        expect(stderr, url).to.match(/\d+ OpenLineage events were not sent to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/lineage when the process exited \(last failure: .*(ECONNREFUSED|timeout)/);
        expect(readFileSync(store, "utf8").trim().split("\n"), url).to.have.length(21 + 1);
      }
    } finally {
      silent.closeAllConnections();
      await new Promise((w) => silent.close(w));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("live to a file: one JSON line per event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-ol-"));
    try {
      const e = new OpenLineageRecordExporter({ path: join(dir, "events.jsonl"), namespace: "lab" });
      await exportOnce(e, [task({ status: "ERROR", ended_at: 11, stderr: "bad" })]);
      const lines = readFileSync(join(dir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
      expect(lines.map((l) => l.eventType)).to.deep.equal(["START", "FAIL"]);
      expect(lines[1]!.job).to.deep.include({ namespace: "lab", name: "train" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => new OpenLineageRecordExporter({})).to.throw(TypeError);
  });

  it("run ids: UUIDs kept, other ids name-based and stable; datasets only for file-like strings", () => {
    expect(runIdOf("3F2A9C0E-1B7D-4C5D-8E9F-0A1B2C3D4E5F")).to.equal("3f2a9c0e-1b7d-4c5d-8e9f-0a1b2c3d4e5f");
    expect(runIdOf("a-b")).to.equal(runIdOf("a-b")).and.not.equal(runIdOf("a-c"));
    expect(datasetOf("s3://bucket/k/x.csv")).to.deep.equal({ namespace: "s3://bucket", name: "k/x.csv" });
    expect(datasetOf("file:///tmp/a%20b")).to.deep.equal({ namespace: "file", name: "/tmp/a b" });
    expect(datasetOf("out/metrics.json")).to.deep.equal({ namespace: "file", name: "out/metrics.json" });
    for (const s of ["hello world", "v1.2", "/", "//host/x", "a\u0000/b.txt", "x".repeat(5000), "https:///nohost"]) expect(datasetOf(s), s).to.equal(undefined);
  });
});

