import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { otlpReceiver } from "../../support/otlp-receiver.js";
import { CHILDREN, REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);

describe("registration without code changes", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-register-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("`node --import flowcept-otel/register` records provenance and exports spans over OTLP", async () => {
    const rcv = await otlpReceiver();
    try {
      const path = join(dir, "buf.jsonl");
      const { stdout } = await run(process.execPath, ["--import", "flowcept-otel/register", join(CHILDREN, "otlp-app.js")], {
        cwd: REPO_ROOT,
        env: { ...process.env, BUFFER_PATH: path, OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url, OTEL_SERVICE_NAME: "provenance-demo", LOOP_N: "5000" },
      });
      const wfId = stdout.trim();
      const recs = readBufferFile(path);
      expect(recs.filter((r) => r.activity_id === "many_iteration")).to.have.length(5000);
      expect(recs.find((r) => r.activity_id === "outer")!.generated).to.deep.equal({ y: 4 });

      const traceId = wfId.replace(/-/g, "");
      const names = rcv.spans.map((s) => s.name);
      expect(names).to.include.members(["otlp_demo", "outer", "inner", "many"]);
      // a 5000-iteration lightweight loop is one span on the trace path, not 5000
      expect(names.filter((n) => n === "many_iteration")).to.have.length(0);
      expect(rcv.spans.length).to.be.lessThan(10);
      for (const s of rcv.spans) expect(s.traceId.toLowerCase()).to.equal(traceId);
      const outer = rcv.spans.find((s) => s.name === "outer")!;
      expect(JSON.parse(outer.attributes["flowcept.used"] as string)).to.deep.equal({ x: 1 });
      expect(outer.attributes["flowcept.workflow_id"]).to.equal(wfId);
      const loop = rcv.spans.find((s) => s.name === "many")!;
      expect(Number(loop.attributes["flowcept.count"])).to.equal(5000);
      expect(rcv.resources[0]!["service.name"]).to.equal("provenance-demo");
    } finally {
      await rcv.close();
    }
  });

  it("registerFlowcept enables the instrumentations it is given with its provider; one that fails is reported and the rest are enabled", async () => {
    const { stdout } = await run(process.execPath, [join(CHILDREN, "register-instrumentations.js")], { cwd: dir, env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "" } });
    expect(JSON.parse(stdout)).to.deep.equal({ wasEnabled: false, enabled: true, providersTracer: true, logged: ["flowcept: instrumentation broken not enabled: no provider wanted"] });
  });

  it("works from CommonJS with --require", async () => {
    const path = join(dir, "cjs.jsonl");
    const script = join(CHILDREN, `cjs-app-${process.pid}.cjs`);
    writeFileSync(
      script,
      `const { Flowcept, flowceptTask, configure } = require("flowcept-otel");
       configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH } } });
       const add = flowceptTask(function add(a, b) { return a + b; });
       Flowcept.run({ workflowName: "cjs" }, () => add(2, 3)).then((v) => console.log(v));`,
    );
    try {
      const { stdout } = await run(process.execPath, ["--require", "flowcept-otel/register", script], { cwd: REPO_ROOT, env: { ...process.env, BUFFER_PATH: path } });
      expect(stdout.trim()).to.equal("5");
      const add = readBufferFile(path).find((r) => r.activity_id === "add")!;
      expect(add.used).to.deep.equal({ a: 2, b: 3 });
    } finally {
      rmSync(script, { force: true });
    }
  });
});

describe("shutdown with the trace backend down", function () {
  this.timeout(60_000);

  it("resolves, says on stderr that spans were not delivered, and keeps the provenance records", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-shutdown-"));
    try {
      const port = await closedPort();
      const path = join(dir, "buf.jsonl");
      const { stdout, stderr } = await run(process.execPath, [join(CHILDREN, "shutdown-app.js")], {
        cwd: REPO_ROOT,
        env: { ...process.env, BUFFER_PATH: path, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: "1000" },
      });
      expect(stdout.trim()).to.equal("resolved");
      expect(stderr).to.match(/spans/i);
      expect(stderr).to.contain(`127.0.0.1:${port}`);
      const recs = readBufferFile(path);
      expect(recs.find((r) => r.activity_id === "double")!.generated).to.deep.equal({ arg_0: 42 });
      expect(recs.find((r) => r.type === "workflow")!.status).to.equal("FINISHED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A loopback port nothing listens on (asked of the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
