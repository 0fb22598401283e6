import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { finishedSpans, post } from "../../support/otlp-client.js";
import { DIST } from "../../support/paths.js";
import { startService, type Service } from "../../support/ingest-service.js";

const MAIN = join(DIST, "lib", "cli", "main.js");
const PROTO = { "content-type": "application/x-protobuf" };

async function sampleBody(n: number): Promise<Buffer> {
  const spans = await finishedSpans((tracer) => {
    const t = tracer("app");
    for (let i = 0; i < n; i++) t.startSpan(`op-${i}`, { attributes: { i } }).end();
  });
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

describe("flowcept-otel ingest (the service process)", function () {
  this.timeout(30_000);
  let dir: string;
  let service: Service | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-ingest-"));
  });
  afterEach(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill("SIGKILL");
      await service.exited;
    }
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores to the local store in its working directory and, on SIGTERM, finishes the request under way and exits 0", async () => {
    service = await startService(dir);
    expect(service.url).to.match(/^http:\/\/127\.0\.0\.1:/);
    const first = await sampleBody(3);
    expect((await post(`${service.url}/v1/traces`, first, PROTO)).status).to.equal(200);

    const body = await sampleBody(50);
    let req!: ReturnType<typeof request>;
    const answer = new Promise<number>((resolve, reject) => {
      req = request(`${service!.url}/v1/traces`, { method: "POST", headers: { ...PROTO, "content-length": String(body.length) }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    req.write(body.subarray(0, 64));
    for (;;) {
      const health = JSON.parse((await post(`${service.url}/healthz`, "", {}, "GET")).body.toString()) as { inFlightRequests: number };
      if (health.inFlightRequests === 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    service.child.kill("SIGTERM");
    while (!service.output().includes("SIGTERM")) await new Promise((r) => setTimeout(r, 10));
    req.end(body.subarray(64));
    expect(await answer).to.equal(200);
    expect(await service.exited).to.equal(0);
    expect(service.output()).to.match(/stopped; 53 records stored from 2 requests/);
    const records = readBufferFile(join(dir, "flowcept_buffer.jsonl"));
    expect(records).to.have.length(53);
    expect(records.filter((r) => r.activity_id === "op-49")).to.have.length(1);
  });

  it("stores to the file --buffer-path names, not to the store of the settings", async () => {
    service = await startService(dir, ["--buffer-path", join("elsewhere", "ingested.jsonl")]);
    expect(service.output()).to.include(`local store ${join(dir, "elsewhere", "ingested.jsonl")}`);
    expect((await post(`${service.url}/v1/traces`, await sampleBody(4), PROTO)).status).to.equal(200);
    service.child.kill("SIGTERM");
    expect(await service.exited).to.equal(0);
    expect(readBufferFile(join(dir, "elsewhere", "ingested.jsonl")), service.output()).to.have.length(4);
    expect(existsSync(join(dir, "flowcept_buffer.jsonl"))).to.equal(false);
  });

  it("takes --token and --max-body-bytes", async () => {
    service = await startService(dir, ["--token", "t0k", "--max-body-bytes", "2048"]);
    const body = await sampleBody(2);
    expect((await post(`${service.url}/v1/traces`, body, PROTO)).status).to.equal(401);
    expect((await post(`${service.url}/v1/traces`, body, { ...PROTO, authorization: "Bearer t0k" })).status).to.equal(200);
    expect((await post(`${service.url}/v1/traces`, await sampleBody(100), { ...PROTO, authorization: "Bearer t0k" })).status).to.equal(413);
    service.child.kill("SIGINT");
    expect(await service.exited).to.equal(0);
  });

  it("takes the token from FLOWCEPT_INGEST_TOKEN (any case of `bearer`) and the limit flags", async () => {
    service = await startService(dir, ["--max-spans-per-request", "3", "--max-bytes-in-flight", "1000000", "--max-connections", "8", "--headers-timeout", "5000", "--request-timeout", "9000"], { FLOWCEPT_INGEST_TOKEN: "t0k" });
    const auth = { ...PROTO, authorization: "bearer t0k" };
    expect((await post(`${service.url}/v1/traces`, await sampleBody(3), auth)).status).to.equal(200);
    const over = await post(`${service.url}/v1/traces`, await sampleBody(4), auth);
    expect(over.status).to.equal(413);
    expect(over.body.toString()).to.include("more than 3 spans");
    expect((await post(`${service.url}/v1/traces`, await sampleBody(1), PROTO)).status).to.equal(401);
    service.child.kill("SIGTERM");
    expect(await service.exited).to.equal(0);
  });

  it("refuses bad options with a message and a non-zero exit", async () => {
    const child = spawn(process.execPath, [MAIN, "ingest", "--port", "99999"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).to.not.equal(0);
    expect(err).to.match(/port number/);
  });

  it("will not listen on an address other hosts reach (0.0.0.0) without a token; with one it does", async () => {
    const child = spawn(process.execPath, [MAIN, "ingest", "--host", "0.0.0.0", "--port", "0"], { cwd: dir, env: { ...process.env, HOME: dir, FLOWCEPT_SETTINGS_PATH: "", FLOWCEPT_INGEST_TOKEN: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const code = await Promise.race([new Promise<number | null>((resolve) => child.on("exit", resolve)), new Promise<string>((r) => setTimeout(() => r("still running"), 10_000))]);
    if (code === "still running") child.kill("SIGKILL");
    expect(code, out).to.equal(2);
    expect(out).to.match(/0\.0\.0\.0.*FLOWCEPT_INGEST_TOKEN/s);
    service = await startService(dir, ["--host", "0.0.0.0"], { FLOWCEPT_INGEST_TOKEN: "t0k" });
    expect((await post(`http://127.0.0.1:${service.port}/v1/traces`, await sampleBody(1), PROTO)).status).to.equal(401);
  });
});
