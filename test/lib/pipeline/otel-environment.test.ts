import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { otlpReceiver, refusedPort, silentEndpoint } from "../../support/otlp-receiver.js";
import { CHILDREN, REPO_ROOT } from "../../support/paths.js";

interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the program's "done" (its work finished) to its exit. */
  endMillis: number;
  records: FlowceptRecord[];
}

/** Runs `test/children/traced-app.js` with `env`, in a process of its own. */
function tracedApp(env: Record<string, string>): Promise<AppRun> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-otel-env-"));
  const path = join(dir, "buf.jsonl");
  const clean: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith("OTEL_")) delete clean[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(CHILDREN, "traced-app.js")], { cwd: REPO_ROOT, env: { ...clean, BUFFER_PATH: path, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let doneAt = 0;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (doneAt === 0 && stdout.includes("done\n")) doneAt = Date.now();
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const endMillis = Date.now() - doneAt;
      try {
        resolve({ code, stdout, stderr, endMillis, records: readBufferFile(path) });
      } catch (err) {
        reject(err);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The warning lines a program wrote on stderr. */
function warnings(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("[warn]") || l.startsWith("[error]"));
}

describe("OTel's environment, as the specification defines it (each case in a process of its own)", function () {
  this.timeout(120_000);

  it("OTLP over http/protobuf by default; http/json on request; endpoint, headers, compression, service name and resource attributes", async () => {
    const rcv = await otlpReceiver();
    try {
      const proto = await tracedApp({ OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url, OTEL_SERVICE_NAME: "trainer", OTEL_RESOURCE_ATTRIBUTES: "service.name=ignored,deployment.environment=lab", OTEL_EXPORTER_OTLP_HEADERS: "x-team=provenance", OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" });
      expect(proto.code, proto.stderr).to.equal(0);
      expect(rcv.requests.length).to.be.greaterThan(0);
      for (const r of rcv.requests) {
        expect(r.contentType).to.equal("application/x-protobuf");
        expect(r.headers["x-team"]).to.equal("provenance");
        expect(r.headers["content-encoding"]).to.equal("gzip");
      }
      expect(rcv.spans.map((s) => s.name).sort()).to.deep.equal(["step", "step", "step", "wf-0"]);
      expect(rcv.resources[0]).to.include({ "service.name": "trainer", "deployment.environment": "lab" });

      rcv.requests.length = 0;
      const json = await tracedApp({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rcv.url}/v1/traces`, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" });
      expect(json.code, json.stderr).to.equal(0);
      expect(rcv.requests.map((r) => r.contentType)).to.include("application/json");
      expect(warnings(json.stderr)).to.deep.equal([]);
    } finally {
      await rcv.close();
    }
  });

  it("OTEL_TRACES_EXPORTER: console prints spans, none exports nothing, comma lists combine, unknown names are warned about", async () => {
    const rcv = await otlpReceiver();
    try {
      const consoleRun = await tracedApp({ OTEL_TRACES_EXPORTER: "console" });
      expect(consoleRun.stdout).to.match(/name: 'step'/);
      expect(consoleRun.stdout).to.match(/name: 'wf-0'/);

      const none = await tracedApp({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url });
      expect(none.stdout.trim()).to.equal("done");
      expect(rcv.spans).to.have.length(0);
      expect(none.records.filter((r) => r.activity_id === "step")).to.have.length(3, "provenance does not depend on the trace path");

      const both = await tracedApp({ OTEL_TRACES_EXPORTER: "otlp, console,zipkin", OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url });
      expect(both.stdout).to.match(/name: 'step'/);
      expect(rcv.spans).to.have.length(4);
      expect(warnings(both.stderr)).to.deep.equal(['[warn] flowcept: OTEL_TRACES_EXPORTER value "zipkin" is not supported (use otlp, console or none); ignored']);
    } finally {
      await rcv.close();
    }
  });

  it("sampling is for the trace view, never for provenance: ratio 0.1 over 1,000 workflows of 10 tasks", async () => {
    const rcv = await otlpReceiver();
    try {
      const out = await tracedApp({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1", OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url, WORKFLOWS: "1000", TASKS: "10" });
      expect(out.code, out.stderr).to.equal(0);
      const workflowSpans = rcv.spans.filter((s) => s.name.startsWith("wf-"));
      // Binomial(1000, 0.1): mean 100, standard deviation 9.5.
      expect(workflowSpans.length).to.be.within(55, 145);
      const traces = new Set(workflowSpans.map((s) => s.traceId));
      expect(rcv.spans.filter((s) => s.name === "step")).to.have.length(10 * traces.size, "a sampled workflow is exported whole");
      for (const s of rcv.spans) expect(traces.has(s.traceId)).to.equal(true);
      expect(out.records.filter((r) => r.type === "task")).to.have.length(10_000);
      expect(out.records.filter((r) => r.type === "workflow" && r.status === "FINISHED")).to.have.length(1000);
    } finally {
      await rcv.close();
    }
  });

  for (const kind of ["refusing", "silent"] as const) {
    it(`a ${kind} OTLP endpoint: the process ends within the exit bound, with one warning naming it and counting the spans not sent`, async () => {
      const silent = kind === "silent" ? await silentEndpoint() : undefined;
      const url = silent?.url ?? `http://127.0.0.1:${await refusedPort()}`;
      try {
        const out = await tracedApp({ OTEL_EXPORTER_OTLP_ENDPOINT: url, WORKFLOWS: "2", TASKS: "5" });
        expect(out.code, out.stderr).to.equal(0);
        // The default bound is 1 s; the rest is slack for a loaded machine (it took 8.5 s before).
        expect(out.endMillis).to.be.below(4000);
        expect(warnings(out.stderr)).to.deep.equal([`[warn] flowcept: 12 spans not sent to ${url}/v1/traces (${kind === "refusing" ? `connect ECONNREFUSED ${url.slice(7)}` : "no answer before the process ended"}); provenance records are not affected`]);
        expect(out.records.filter((r) => r.activity_id === "step")).to.have.length(10);
      } finally {
        await silent?.close();
      }
    });
  }

  it("the exit bound is configurable (otel.exit_timeout_ms)", async () => {
    const silent = await silentEndpoint();
    try {
      const out = await tracedApp({ OTEL_EXPORTER_OTLP_ENDPOINT: silent.url, EXIT_TIMEOUT_MS: "2500" });
      expect(out.endMillis).to.be.within(2400, 8000);
      expect(warnings(out.stderr)).to.have.length(1);
    } finally {
      await silent.close();
    }
  });

  it("OTLP over grpc uses the official grpc exporter (the warning names the grpc endpoint)", async () => {
    const port = await refusedPort();
    const out = await tracedApp({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(out.code, out.stderr).to.equal(0);
    expect(out.endMillis).to.be.below(4000);
    const w = warnings(out.stderr);
    expect(w).to.have.length(1);
    expect(w[0]).to.match(new RegExp(`^\\[warn\\] flowcept: 4 spans not sent to http://127\\.0\\.0\\.1:${port} `));
  });
});

describe("visible warnings: a default diag logger when the application has none (each case in a process of its own)", function () {
  this.timeout(60_000);
  const MASK_ERROR = "[error] flowcept: mask threw, record kept unmasked: mask bug";

  it("reports on stderr at WARN, each repeated condition once with a count", async () => {
    const out = await tracedApp({ MASK: "throw", WORKFLOWS: "1", TASKS: "200" });
    expect(out.code).to.equal(0);
    const lines = warnings(out.stderr);
    expect(lines[0]).to.equal(MASK_ERROR);
    expect(lines.slice(1)).to.deep.equal([`${MASK_ERROR} (repeated 201 more times)`], "200 tasks and the workflow's two messages");
    expect(out.records.filter((r) => r.activity_id === "step")).to.have.length(200);
  });

  it("honours OTEL_LOG_LEVEL (none: silent; debug: more)", async () => {
    expect((await tracedApp({ MASK: "throw", OTEL_LOG_LEVEL: "none" })).stderr).to.equal("");
    const debug = await tracedApp({ OTEL_LOG_LEVEL: "debug" });
    expect(debug.stderr).to.include("[debug] @opentelemetry/api: Registered a global for trace");
  });

  it("never replaces the application's own logger", async () => {
    const { runProgram, LIB } = await import("../../support/run-program.js");
    const { stdout, stderr } = await runProgram(`
      import { diag, DiagLogLevel } from "@opentelemetry/api";
      import { mkdtempSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      const seen = [];
      const mine = { error: (m) => seen.push(m), warn: (m) => seen.push(m), info: () => {}, debug: () => {}, verbose: () => {} };
      diag.setLogger(mine, DiagLogLevel.WARN);
      const { configure, Flowcept, flowceptTask, registerFlowcept } = await import(${LIB});
      configure({ project: { dump_buffer: { path: join(mkdtempSync(join(tmpdir(), "flowcept-mine-")), "b.jsonl") } } });
      registerFlowcept({ processor: { mask: () => { throw new Error("mask bug"); } } });
      await Flowcept.run({ workflowName: "w" }, () => flowceptTask(function step() { return 1; })());
      console.log(JSON.stringify(seen.filter((m) => m.includes("mask"))));`);
    expect(stderr).to.equal("");
    expect(JSON.parse(stdout)).to.have.length(3);
  });
});
